#include "io/atomic_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace crossmf {

AtomicOutput::AtomicOutput(const std::string& target, const Comm& comm) : target_(target), comm_(comm) {
  phase(comm_, [&] {
    if (comm_.root()) {
      namespace fs = std::filesystem;
      fs::path p(target_);
      if (fs::is_directory(p)) fail(Exit::io, "{}: is a folder; give a file path for the output", target_);
      fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
      if (!fs::is_directory(dir)) fail(Exit::io, "{}: folder {} does not exist; create it first", target_, dir.string());
      // fmt rather than "." + string: GCC 12 warns (-Wrestrict) on the latter, wrongly.
      temp_ = (dir / fmt::format(".{}.tmp.{}", p.filename().string(), ::getpid())).string();
      FILE* f = std::fopen(temp_.c_str(), "wb");
      if (!f) fail(Exit::io, "{}: cannot write in folder {} ({}); choose a writable output path", target_, dir.string(), std::strerror(errno));
      std::fclose(f);
    }
  });
  comm_.bcast(temp_);
}

AtomicOutput::~AtomicOutput() {
  if (!committed_ && comm_.root() && !temp_.empty()) std::remove(temp_.c_str());
}

void AtomicOutput::commit() {
  comm_.barrier();
  phase(comm_, [&] {
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
    if (std::rename(temp_.c_str(), target_.c_str()) != 0)
      fail(Exit::io, "{}: cannot rename the finished {} over it ({})", target_, temp_, std::strerror(errno));
  });
  committed_ = true;
}

std::string AtomicOutput::with_target(std::string message) const {
  for (std::size_t at; !temp_.empty() && (at = message.find(temp_)) != std::string::npos;)
    message.replace(at, temp_.size(), target_);
  return message;
}

}  // namespace crossmf
