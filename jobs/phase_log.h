// Per-phase wall time, bytes sent and peak memory of a job, for its closing table: what a
// performance model is checked against (bench/scale.md).
#pragma once
#include <string>
#include <vector>

#include "src/base/timer.h"
#include "src/comm/comm.h"

namespace crossmf {

class PhaseLog {
 public:
  explicit PhaseLog(const Comm& comm) : comm_(comm) {}
  // Ends the running phase, if any, and starts `name`. Every rank calls it at the same points.
  void begin(const std::string& name);
  void end();
  // Divides a phase's figures by `n` in the report (per iteration), naming it `name / n`.
  void per(const std::string& name, int n);
  // Collective: rank 0 logs one line per phase, each figure the maximum over ranks.
  void report() const;
  // This rank's highest peak over all phases so far.
  std::int64_t peak_bytes() const;

 private:
  struct Row {
    std::string name;
    double seconds = 0;
    count_t bytes = 0;
    std::int64_t peak = 0;
    int per = 1;
  };
  const Comm& comm_;
  std::vector<Row> rows_;
  bool running_ = false;
  Stopwatch watch_;
  count_t bytes_at_start_ = 0;
};

}  // namespace crossmf
