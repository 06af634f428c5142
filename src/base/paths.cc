#include "src/base/paths.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "src/base/error.h"

namespace crossmf {

namespace fs = std::filesystem;

std::string PathInfo::kind() const {
  if (!exists) return "absent";
  if (regular) return "a regular file";
  if (directory) return "a folder";
  return "a device or other special file";
}

PathInfo inspect_path(const std::string& path) {
  PathInfo info;
  info.given = path;
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) p = path;
  // Follow the last component's links by hand: weakly_canonical leaves a dangling link as it is,
  // and a rename over it would replace the link instead of writing where it points.
  for (int hop = 0; hop < 40; ++hop) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) break;
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) break;
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  const fs::path canonical = fs::weakly_canonical(p, ec);
  info.resolved = (ec ? p : canonical).lexically_normal().string();
  struct stat st {};
  if (::stat(info.resolved.c_str(), &st) == 0) {
    info.exists = true;
    info.regular = S_ISREG(st.st_mode);
    info.directory = S_ISDIR(st.st_mode);
    info.device = st.st_dev;
    info.inode = st.st_ino;
  }
  return info;
}

bool same_file(const PathInfo& a, const PathInfo& b) {
  if (a.exists && b.exists) return a.device == b.device && a.inode == b.inode;
  return a.resolved == b.resolved;
}

namespace {
// The longest file name the folder of `p` takes (255 on common file systems).
long name_max(const fs::path& p) {
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const long n = ::pathconf(dir.c_str(), _PC_NAME_MAX);
  return n > 0 ? n : NAME_MAX;
}
// The path as written, made absolute and without "." and "..", links not followed.
std::string spelled(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::absolute(path, ec);
  return (ec ? fs::path(path) : p).lexically_normal().string();
}
}  // namespace

void check_distinct_files(const std::vector<NamedPath>& paths) {
  std::vector<PathInfo> info;
  for (const NamedPath& n : paths) info.push_back(n.path.empty() ? PathInfo{} : inspect_path(n.path));
  for (std::size_t a = 0; a < paths.size(); ++a) {
    if (paths[a].path.empty()) continue;
    const std::string name = fs::path(paths[a].path).filename().string();
    if (paths[a].path.size() >= PATH_MAX)
      fail(Exit::usage, "{} has {} characters, more than a path may have ({}); choose a shorter path", paths[a].option,
           paths[a].path.size(), PATH_MAX - 1);
    if (static_cast<long>(name.size()) > name_max(info[a].resolved))
      fail(Exit::usage, "{} {}: the file name has {} characters, more than its folder allows ({}); choose a shorter "
           "name", paths[a].option, paths[a].path, name.size(), name_max(info[a].resolved));
    if (paths[a].written && info[a].exists && !info[a].regular)
      fail(Exit::usage, "{} {} is {}, not a regular file: crossmf would replace it; give the path of a new or "
           "existing file", paths[a].option, paths[a].path, info[a].kind());
    for (std::size_t b = 0; b < a; ++b)
      if (!paths[b].path.empty() && (paths[a].written || paths[b].written) && same_file(info[a], info[b]))
        fail(Exit::usage, "{} {} and {} {} name the same file{}; give {} a path of its own", paths[b].option,
             paths[b].path, paths[a].option, paths[a].path,
             spelled(paths[a].path) != spelled(paths[b].path) ? " (through a link)" : "",
             paths[a].written ? paths[a].option : paths[b].option);
  }
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace crossmf
