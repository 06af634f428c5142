// An output file that appears only when complete: every rank writes into a temporary file in
// the same folder, and rank 0 renames it over the target after all ranks closed it. A failed or
// stopped run removes the temporary file and leaves any existing output exactly as it was. The
// temporary file exists only from its creation by the writer to the commit: a job killed before
// (where no handler runs) leaves nothing behind.
//
// The target is the file a symbolic link points to (the link stays). Temporary files are named
// .<name>.tmp.<pid>@<host>: on a file system several machines share, the host says whose it is.
#pragma once
#include <memory>
#include <string>

#include "src/base/error.h"
#include "src/base/signals.h"
#include "src/comm/comm.h"

namespace crossmf {

class AtomicOutput {
 public:
  // Collective. Checks that the folder is writable now, before hours of training, by creating
  // and removing the temporary file.
  AtomicOutput(const std::string& target, const Comm& comm);
  ~AtomicOutput();  // removes the temporary file unless committed
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::string& temp_path() const { return temp_; }
  const std::string& target() const { return target_; }
  // Collective. Call after every rank closed the temporary file.
  void commit();
  // Runs fn(); an error whose message names the temporary file names the target instead: the
  // temporary file is gone once the run fails, and the target is the path the user gave.
  template <class Fn>
  decltype(auto) naming_target(Fn fn) const {
    try {
      return fn();
    } catch (const Error& e) {
      throw Error(e.code(), with_target(e.what()));
    }
  }

  // Rank 0, at the start of a job: temporary files of crossmf's pattern beside `target` whose
  // owner has provably ended (its pid is gone on this host, or belongs to a process started after
  // the file was last written) are removed; others (another host's, a live process's) are
  // reported in the log and left alone.
  static void clear_stale(const std::string& target);

 private:
  std::string with_target(std::string message) const;
  std::string target_, resolved_, temp_;
  const Comm& comm_;
  std::unique_ptr<TemporaryFile> registered_;  // on every rank: whichever exits first removes it
  bool committed_ = false;
};

}  // namespace crossmf
