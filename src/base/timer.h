// Wall-clock timing of the job's phases (compute, communication, I/O) and peak memory.
#pragma once
#include <chrono>
#include <cstdint>

namespace crossmf {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
  void restart() { start_ = std::chrono::steady_clock::now(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

struct Timings {
  double io = 0;       // HDF5 reads and writes
  double comm = 0;     // MPI collectives and exchanges
  double compute = 0;  // everything else on this rank
};

// Adds the lifetime of the scope to one counter.
class Timed {
 public:
  explicit Timed(double& into) : into_(into) {}
  ~Timed() { into_ += watch_.seconds(); }
  Timed(const Timed&) = delete;
  Timed& operator=(const Timed&) = delete;

 private:
  double& into_;
  Stopwatch watch_;
};

// Peak resident memory of this process so far, in bytes (VmHWM), 0 if unknown.
std::int64_t peak_memory_bytes();
// Starts a new peak from the current resident size (Linux clear_refs), so that the next
// peak_memory_bytes() is the peak of one phase; does nothing where unsupported.
void reset_peak_memory();

}  // namespace crossmf
