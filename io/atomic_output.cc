#include "io/atomic_output.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/base/log.h"
#include "src/base/paths.h"

namespace crossmf {

namespace fs = std::filesystem;

namespace {

// The part of a temporary file's name that depends on the target alone. A long name is cut so
// that the whole (with pid and a host name of up to 64 characters) fits a 255-byte file name.
std::string temp_prefix(const fs::path& target) {
  std::string prefix = ".";  // appended, not "." + string: GCC 12 warns falsely (-Wrestrict) on that
  prefix += target.filename().string().substr(0, 150);
  return prefix + ".tmp.";
}

// When process `pid` of this host started, in seconds since the epoch; -1 if it is gone.
double process_start(long pid) {
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string text;
  if (!std::getline(stat, text)) return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM ? 0 : -1;
  // Field 22 (starttime, clock ticks after boot) counts from the end of the command name.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  for (int k = 3; k <= 22 && rest >> field; ++k) {
  }
  std::ifstream boot("/proc/stat");
  double btime = 0;
  for (std::string key; boot >> key;)
    if (key == "btime" && boot >> btime) break;
  return btime + std::atof(field.c_str()) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

AtomicOutput::AtomicOutput(const std::string& target, const Comm& comm) : target_(target), comm_(comm) {
  agreed(comm_, [&] {
    if (!comm_.root()) return;
    const PathInfo info = inspect_path(target_);
    if (info.exists && !info.regular)
      fail(Exit::usage, "{} is {}, not a regular file: crossmf would replace it; give the path of an HDF5 file", target_,
           info.kind());
    resolved_ = info.resolved;
    const fs::path p(resolved_), dir = p.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) fail(Exit::io, "{}: folder {} does not exist; create it first", target_, dir.string());
    temp_ = (dir / (temp_prefix(p) + fmt::format("{}@{}", ::getpid(), host_name()))).string();
    // A file of this pid and host can only be left by an earlier process that had this pid, which
    // has ended. The name is tried now and left free: the file exists only while it is written,
    // so that a job killed before then (where no handler runs) leaves nothing.
    if (::unlink(temp_.c_str()) != 0 && errno != ENOENT)
      fail(Exit::io, "{}: cannot remove the stale {} ({}); remove it", target_, temp_, std::strerror(errno));
    const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
      fail(Exit::io, "{}: cannot write in folder {} ({}); choose a writable output path", target_, dir.string(),
           std::strerror(errno));
    ::close(fd);
    ::unlink(temp_.c_str());
  });
  comm_.bcast(temp_);
  comm_.bcast(resolved_);
  registered_ = std::make_unique<TemporaryFile>(temp_);
}

AtomicOutput::~AtomicOutput() {
  // Every rank removes it: after a stop, mpirun kills the other ranks as soon as one exits.
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicOutput::commit() {
  comm_.barrier();
  agreed(comm_, [&] {
    if (!comm_.root()) return;
    // Flushed to disk before the rename, so that a crash cannot leave the target name on a file
    // whose data never reached the disk.
    const int fd = ::open(temp_.c_str(), O_RDONLY);
    if (fd < 0 || ::fsync(fd) != 0) {
      const int err = errno;
      if (fd >= 0) ::close(fd);
      fail(Exit::io, "{}: cannot flush the finished {} to disk ({})", target_, temp_, std::strerror(err));
    }
    ::close(fd);
    // What the target is may have changed while the job ran.
    const PathInfo now = inspect_path(resolved_);
    if (now.exists && !now.regular)
      fail(Exit::usage, "{} became {} while the job ran; it is left as it is", target_, now.kind());
    if (std::rename(temp_.c_str(), resolved_.c_str()) != 0)
      fail(Exit::io, "{}: cannot rename the finished {} over it ({})", target_, temp_, std::strerror(errno));
    // The rename itself reaches the disk with its folder.
    const int dir = ::open(fs::path(resolved_).parent_path().c_str(), O_RDONLY | O_DIRECTORY);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  });
  committed_ = true;
  registered_.reset();
}

std::string AtomicOutput::with_target(std::string message) const {
  for (std::size_t at; !temp_.empty() && (at = message.find(temp_)) != std::string::npos;)
    message.replace(at, temp_.size(), target_);
  return message;
}

void AtomicOutput::clear_stale(const std::string& target) {
  const fs::path p(inspect_path(target).resolved);
  const std::string prefix = temp_prefix(p), host = host_name();
  std::error_code ec;
  fs::directory_iterator it(p.parent_path(), ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    const std::size_t at = rest.find('@');
    long pid = 0;
    const char* digits_end = rest.data() + (at == std::string::npos ? rest.size() : at);
    if (std::from_chars(rest.data(), digits_end, pid).ptr != digits_end || pid <= 0) continue;  // not ours
    const std::string owner_host = at == std::string::npos ? "" : rest.substr(at + 1);
    if (owner_host != host) {
      spdlog::warn("{}: left alone: a temporary file of a crossmf run (pid {}) on {}; if no crossmf run is writing {} "
                   "there, remove it", it->path().string(), pid,
                   owner_host.empty() ? "an unknown host (an older crossmf)" : "host " + owner_host, target);
      continue;
    }
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;
    const double started = process_start(pid);
    // A live process that started after the file was last written cannot have written it.
    if (started >= 0 && started <= static_cast<double>(st.st_mtime) + 1) {
      spdlog::warn("{}: left alone: process {} on this host, which may be the crossmf run writing {}, is still "
                   "running", it->path().string(), pid, target);
      continue;
    }
    if (::unlink(it->path().c_str()) == 0)
      spdlog::info("{}: removed the temporary file left by crossmf (pid {}), which has ended", it->path().string(), pid);
  }
}

}  // namespace crossmf
