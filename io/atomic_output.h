// An output file that appears only when complete: every rank writes into a temporary file in
// the same folder, and rank 0 renames it over the target after all ranks closed it. A failed
// run removes the temporary file and leaves any existing output exactly as it was.
#pragma once
#include <string>

#include "src/base/error.h"
#include "src/comm/comm.h"

namespace crossmf {

class AtomicOutput {
 public:
  // Collective. Checks that the folder is writable now, before hours of training.
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

 private:
  std::string with_target(std::string message) const;
  std::string target_, temp_;
  const Comm& comm_;
  bool committed_ = false;
};

}  // namespace crossmf
