// A job's one timing facility: the compute / communication / I/O counters that the layers below
// add to (Timings), named sections of the job with their wall time, bytes sent and peak memory,
// and the closing report, which a performance model is checked against (bench/scale.md).
#pragma once
#include <string>
#include <vector>

#include "src/base/timer.h"
#include "src/comm/comm.h"

namespace crossmf {

class JobTimer {
 public:
  explicit JobTimer(const Comm& comm) : comm_(comm) {}
  // The counters that training, scoring and I/O add their seconds to.
  Timings& counters() { return counters_; }
  // Ends the running section, if any, and starts `name`. Every rank calls it at the same points.
  void section(const std::string& name);
  void end();
  // Divides a section's figures by `n` in the report (per iteration), naming it `name / n`.
  void per(const std::string& name, int n);
  // Collective: rank 0 logs the compute / communication / I/O split of the whole job, one line
  // per section, and the peak memory; each figure the maximum over ranks.
  void report() const;

 private:
  struct Row {
    std::string name;
    double seconds = 0;
    count_t bytes = 0;
    std::int64_t peak = 0;
    int per = 1;
  };
  std::int64_t peak_bytes() const;

  const Comm& comm_;
  Timings counters_;
  Stopwatch total_;
  std::vector<Row> rows_;
  bool running_ = false;
  Stopwatch watch_;
  count_t bytes_at_start_ = 0;
};

}  // namespace crossmf
