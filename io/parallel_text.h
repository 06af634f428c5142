// A text file that every rank writes a consecutive part of, in rank order, without any rank
// holding more than its own part: each rank appends its text to a part file of its own beside
// the target, and at the end the parts are copied with MPI-IO into the target at offsets from
// an exscan of their sizes. The target is normally an AtomicOutput's temporary file.
#pragma once
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "src/base/signals.h"
#include "src/comm/comm.h"

namespace crossmf {

class ParallelText {
 public:
  // Creates this rank's part file (path + ".part<rank>"); throws Error(Exit::io) if it cannot.
  ParallelText(std::string path, const Comm& comm);
  ~ParallelText();  // removes the part file
  ParallelText(const ParallelText&) = delete;
  ParallelText& operator=(const ParallelText&) = delete;

  // This rank's next text. Never throws (it may sit between collectives): a write error is
  // kept and reported by close_part.
  void append(std::string_view text);
  // This rank alone: flushes and closes the part; throws Error(Exit::io) on any write error.
  // Call inside agreed() before assemble.
  void close_part();
  // Collective: the parts into `path`, rank 0's first. Returns the file's size in bytes.
  count_t assemble();

 private:
  std::string path_, part_;
  const Comm& comm_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<TemporaryFile> registered_;
  count_t bytes_ = 0;
  int error_ = 0;  // errno of the first failed write
};

}  // namespace crossmf
