// The iterations of `crossmf train`: step the trainer, record the step (history and one log line
// from rank 0), decide whether to stop (early stopping, a signal), write checkpoints when due.
#pragma once
#include "io/checkpoint.h"
#include "jobs/train_context.h"

namespace crossmf {

// Held-out metrics of the current factors. `final`: over every evaluated user (implicit), not the
// per-iteration sample; `train_rmse`: explicit only, also the RMSE over every training rating.
Metrics held_out_metrics(TrainContext& run, bool final, bool train_rmse);

// What a stop after training leaves: the checkpoint to resume from, or nothing.
std::string after_training(const TrainOptions& o);

class TrainLoop {
 public:
  explicit TrainLoop(TrainContext& run);
  // With --resume and a checkpoint there: restores factors, trainer state, history and progress.
  void resume_if_asked();
  // Iterates until the iterations run out or training stops early; a signal stops every rank at
  // the same iteration, after the checkpoint. Fills run.results' history and iterations_run.
  void run();

 private:
  struct Progress {
    int done = 0;
    double best = -INFINITY, first_loss = 0, spent = 0;
    int since_best = 0;
    bool complete = false;  // the iterations ran out, or training stopped early
  };
  struct Step {
    IterationStats stats;
    double seconds = 0, comm_seconds = 0, loss = 0, train_rmse = NAN;
    count_t bytes = 0;
    Metrics metrics;
  };

  Step step(int it);
  void record(int it, const Step& s);
  bool early_stop(int it, const Metrics& m);
  void stop_if_signalled(int it, int stop) const;
  void save(int it);
  CheckpointState snapshot() const;
  void restore(const CheckpointState& s);

  TrainContext& run_;
  const TrainOptions& o_;
  Progress p_;
  History history_;
  CheckpointState identity_;  // what a checkpoint must match to be resumed
};

}  // namespace crossmf
