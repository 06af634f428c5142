// What the train job needs from a training algorithm (ALS or SGD): one iteration at a time, and
// the objective. Everything downstream (evaluation, outputs) only sees the Factors.
#pragma once
#include "src/base/timer.h"
#include "src/base/types.h"

#include <cmath>
#include <vector>

namespace crossmf {

struct IterationStats {
  double flops = 0;        // this iteration, this rank (ALS solves)
  count_t updates = 0;     // this iteration, this rank (SGD rating updates)
  double work_seconds = 0; // time in the solves or update loops
  // ALS: core-seconds in the arithmetic of the solves alone (normal equations, Cholesky, CG
  // steps; not the gathering of neighbour rows nor communication), summed over threads.
  double arithmetic_seconds = 0;
  // RMSE of the training ratings as the trainer met them during the iteration, global, when it
  // has it for free (SGD explicit: each error before its step, as LIBMF's tr_rmse); NaN
  // otherwise, and the job measures it with a pass over every training rating.
  double train_rmse = NAN;
};

class Trainer {
 public:
  virtual ~Trainer() = default;
  virtual IterationStats iterate(Timings& t) = 0;
  // The objective being minimised, global, the same on every rank.
  virtual double loss(Timings& t) const = 0;
  // Per-row state besides the factors, saved in checkpoints: state_width() values per row (0:
  // none; SGD: its AdaGrad sum; BMF: the chain's draw), users local, items replicated, both in
  // scattered order.
  virtual int state_width() const { return 0; }
  virtual real* user_state() { return nullptr; }
  virtual real* item_state() { return nullptr; }
  // After a resume (collective): iterations already done (SGD's shuffles and BMF's draws are
  // keyed by them).
  virtual void set_iterations_done(int done) { (void)done; }
};

}  // namespace crossmf
