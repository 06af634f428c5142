// Wall-clock timing (compute, communication, I/O counters; stopwatches) and peak memory.
#pragma once
#include <chrono>
#include <cstdint>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

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

// Ticks of a cheap clock, for timing many short pieces of work: the time-stamp counter on x86
// (a few ns a read, where steady_clock takes tens of ns in a VM and showed in the ALS profile),
// else steady_clock's own ticks. TickRate turns them into seconds.
inline std::uint64_t ticks() {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

// Adds the ticks of the scope's lifetime to one counter.
class TickTimed {
 public:
  explicit TickTimed(std::uint64_t& into) : into_(into), start_(ticks()) {}
  ~TickTimed() { into_ += ticks() - start_; }
  TickTimed(const TickTimed&) = delete;
  TickTimed& operator=(const TickTimed&) = delete;

 private:
  std::uint64_t& into_;
  std::uint64_t start_;
};

// Seconds per tick, measured over the span since construction (a span of milliseconds or
// more gives it to a fraction of a percent).
class TickRate {
 public:
  double seconds_per_tick() const {
    const std::uint64_t elapsed = ticks() - start_;
    return elapsed > 0 ? watch_.seconds() / static_cast<double>(elapsed) : 0.0;
  }

 private:
  Stopwatch watch_;
  std::uint64_t start_ = ticks();
};

// Peak resident memory of this process so far, in bytes (VmHWM), 0 if unknown.
std::int64_t peak_memory_bytes();
// Starts a new peak from the current resident size (Linux clear_refs), so that the next
// peak_memory_bytes() is the peak of one section of the job (jobs/job_timer.h); does nothing where unsupported.
void reset_peak_memory();

}  // namespace crossmf
