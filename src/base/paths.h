// What a path names on disk, for the rules on the files a job reads and writes (README, "Files a
// run reads and writes"): symbolic links followed, the same file recognised by device and inode
// (so hard links too), nothing that throws.
#pragma once
#include <string>
#include <vector>

namespace crossmf {

struct PathInfo {
  std::string given;     // as the user wrote it
  std::string resolved;  // absolute, every symbolic link followed (a dangling last one too)
  bool exists = false;
  bool regular = false;
  bool directory = false;
  unsigned long long device = 0, inode = 0;
  std::string kind() const;  // "a folder", "a device or other special file", ... for messages
};
PathInfo inspect_path(const std::string& path);

// Both name one file: the same device and inode when they exist, else the same resolved path.
bool same_file(const PathInfo& a, const PathInfo& b);

// A file a job reads or writes, named by its option.
struct NamedPath {
  std::string option;  // "--output"
  std::string path;    // empty: not given
  bool written = false;
};
// Throws Error(Exit::usage) naming the options when a written path names the same file as another
// given path, exists and is not a regular file, or has a name too long for its folder.
void check_distinct_files(const std::vector<NamedPath>& paths);

// This machine's name, for temporary files on shared file systems.
std::string host_name();

}  // namespace crossmf
