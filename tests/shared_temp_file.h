// A temporary file path that every rank agrees on (rank 0's pid), removed by rank 0 when the
// scope ends, after every rank is done with it: also when a test returns early on a failure.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "src/comm/comm.h"

namespace crossmf::testing {

class SharedTempFile {
 public:
  SharedTempFile(const Comm& c, const std::string& name) : comm_(c) {
    std::int64_t pid = ::getpid();
    c.bcast(std::span<std::int64_t>(&pid, 1));
    path_ = "/tmp/crossmf_test." + std::to_string(pid) + "." + name;
  }
  ~SharedTempFile() { remove(); }
  SharedTempFile(const SharedTempFile&) = delete;
  SharedTempFile& operator=(const SharedTempFile&) = delete;
  const std::string& path() const { return path_; }
  // Collective.
  void remove() const {
    comm_.barrier();
    if (comm_.root()) std::filesystem::remove(path_);
    comm_.barrier();
  }

 private:
  const Comm& comm_;
  std::string path_;
};

}  // namespace crossmf::testing
