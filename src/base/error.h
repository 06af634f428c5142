// The one error type: an exit code from CONTRACT.md and a message that names what is at fault.
#pragma once
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace crossmf {

// Exit codes promised in CONTRACT.md.
enum class Exit : int {
  ok = 0,
  usage = 2,       // usage or configuration error
  data = 3,        // invalid input data
  io = 4,          // cannot open, read or write
  numeric = 5,     // NaN, divergence
  terminated = 143 // stopped by SIGTERM after writing a checkpoint
};

class Error : public std::runtime_error {
 public:
  Error(Exit code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}
  Exit code() const { return code_; }

 private:
  Exit code_;
};

template <class... Args>
[[noreturn]] void fail(Exit code, fmt::format_string<Args...> f, Args&&... args) {
  throw Error(code, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace crossmf
