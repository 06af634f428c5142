#include "jobs/job_timer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace crossmf {

void JobTimer::section(const std::string& name) {
  end();
  reset_peak_memory();
  rows_.push_back({name});
  running_ = true;
  watch_.restart();
  bytes_at_start_ = comm_.bytes_sent();
}

void JobTimer::end() {
  if (!running_) return;
  Row& r = rows_.back();
  r.seconds = watch_.seconds();
  r.bytes = comm_.bytes_sent() - bytes_at_start_;
  r.peak = peak_memory_bytes();
  running_ = false;
}

void JobTimer::per(const std::string& name, int n) {
  for (Row& r : rows_)
    if (r.name == name) r.per = std::max(n, 1);
}

void JobTimer::report() const {
  const double io = comm_.max(counters_.io), cm = comm_.max(counters_.comm), cp = comm_.max(counters_.compute),
               all = comm_.max(total_.seconds());
  spdlog::info("time: total {:.2f}s = compute {:.2f}s + communication {:.2f}s + I/O {:.2f}s (max over ranks)", all, cp,
               cm, io);
  for (const Row& r : rows_) {
    const double seconds = comm_.max(r.seconds), mb = comm_.max(static_cast<double>(r.bytes)) / 1e6,
                 peak = comm_.max(static_cast<double>(r.peak)) / 1e6;
    const std::string name = r.per > 1 ? fmt::format("{} / {}", r.name, r.per) : r.name;
    spdlog::info("phase {:<16} {:9.2f} s  {:10.1f} MB sent per rank  peak {:9.1f} MB per rank", name + ":",
                 seconds / r.per, mb / r.per, peak);
  }
  const double peak = static_cast<double>(peak_bytes());
  spdlog::info("peak memory per rank: max {:.1f} MB, mean {:.1f} MB", comm_.max(peak) / 1e6,
               comm_.sum(peak) / comm_.size() / 1e6);
}

std::int64_t JobTimer::peak_bytes() const {
  std::int64_t p = peak_memory_bytes();
  for (const Row& r : rows_) p = std::max(p, r.peak);
  return p;
}

}  // namespace crossmf
