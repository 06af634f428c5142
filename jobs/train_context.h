// What the stages of `crossmf train` (train_job.cc) share: the options as resolved for the
// input, the job's timer, the input, the partition, the model and what is computed from it.
// Each stage fills its part and the next reads it.
#pragma once
#include <memory>
#include <string>

#include "io/atomic_output.h"
#include "io/input_reader.h"
#include "io/previous_model.h"
#include "jobs/job_timer.h"
#include "jobs/train_output.h"
#include "src/model/als.h"
#include "src/base/config.h"
#include "src/comm/comm.h"
#include "src/model/partition.h"
#include "src/model/trainer.h"

namespace crossmf {

struct TrainContext {
  TrainContext(const Config& c, const Comm& m) : config(c), comm(m), o(c.train), timer(m) {}

  const Config& config;
  const Comm& comm;
  TrainOptions o;  // algorithm, iterations, factors and alpha resolved once the feedback is known
  int threads = 1;
  bool implicit = false, tune_lambda = false, tune_alpha = false;
  JobTimer timer;

  std::unique_ptr<InputReader> input;
  std::unique_ptr<AtomicOutput> output;
  SideTables side;
  std::string fingerprint;  // of the input: metadata and a checksum of the ratings
  Partition part;

  PreviousModel previous;  // --init-from: read before the long work, used once the factors exist
  double lambda = 0;  // as trained: the option's, or chosen on a validation split
  Factors factors;
  std::unique_ptr<Trainer> trainer;
  TrainResults results;

  const InputInfo& info() const { return input->info(); }
  Timings& time() { return timer.counters(); }
};

// The first step of train and score: threads resolved and set; the kernels and options logged.
void start_job(TrainContext& run, int threads);

// The ALS options of the run's objective (train_job.cc); score folds users in with them.
AlsOptions als_options(const TrainContext& run);

// What a stop before the output is written leaves behind, for its message.
inline constexpr const char* kNothingWritten =
    "nothing was written and an existing output is unchanged; run again to start over";

}  // namespace crossmf
