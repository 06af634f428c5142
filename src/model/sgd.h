// Distributed SGD. Each rank updates its own users' factors over its own ratings; item factors
// are replicated and combined across ranks by an allreduce every --sync-every local updates
// (model averaging, or summed deltas). The number of combinations per epoch is agreed with one
// allreduce, so every rank enters the same collectives even with fewer (or no) ratings.
//
// Inside a rank, threads never touch the same row at once: users are cut into B blocks and items
// into B blocks (B = 16, more than the threads), and in round r the blocks (b, (b + r) mod B) are
// shared out among the threads (LIBMF's idea of independent blocks). Each epoch visits the rounds
// in a seeded order; inside a block ratings stay sorted by user, and explicit steps take two
// runs of the block at once (see iterate). Implicit feedback
// samples negatives from the same item block, which keeps the schedule conflict-free.
#pragma once
#include "src/base/choices.h"
#include "src/kernels/kernels.h"
#include "src/model/factors.h"
#include "src/model/trainer.h"

namespace crossmf {

struct SgdOptions {
  bool implicit = false;
  ImplicitLoss implicit_loss = ImplicitLoss::kBpr;
  int negatives = 1;
  double alpha = 1.0;                 // wsl positive confidence 1 + alpha r
  double lambda = 0.05;
  double learning_rate = 0.1;
  count_t sync_every = 1000000;
  bool average = true;                // false: summed deltas
  std::uint64_t seed = 42;
  int threads = 1;
};

class Sgd : public Trainer {
 public:
  // B x B blocks of (users, items): more blocks than threads, so a block's rows stay in cache;
  // fixed unless there are more threads, so up to kBlocks threads the result does not depend on
  // the thread count (block counts compared in bench/README.md, code choices).
  static constexpr int kBlocks = 16;

  Sgd(const Comm& comm, const Partition& part, const SgdOptions& opt, Factors& f);
  IterationStats iterate(Timings& t) override;
  double loss(Timings& t) const override;
  int state_width() const override { return 1; }
  real* user_state() override { return g_users_.data(); }
  real* item_state() override { return g_items_.data(); }
  // After a resume: the epoch count (shuffles are keyed by it) and the restored item factors as
  // the baseline of the next summed delta.
  void set_iterations_done(int done) override {
    epoch_ = done;
    if (!opt_.average) items_at_sync_ = f_.items;
  }
  // Mean training loss of the last epoch (squared error, or BPR / WSL), global.
  double last_epoch_loss() const { return epoch_loss_; }

 private:
  using Entry = SgdRating;
  void combine(Timings& t);
  const Comm& comm_;
  const Partition& part_;
  SgdOptions opt_;
  Factors& f_;
  int threads_ = 1;
  int B_ = kBlocks;
  std::vector<index_t> user_cut_, item_cut_;      // T + 1 each
  std::vector<std::vector<Entry>> blocks_;        // B x B, by (user block, item block), sorted by user
  std::vector<real> g_users_, g_items_;           // AdaGrad sums; items averaged at each combine
  Matrix items_at_sync_;                          // for summed deltas
  int epoch_ = 0;
  count_t syncs_per_epoch_ = 1;
  double epoch_loss_ = 0;
  double epoch_error_ = 0;                        // summed loss of the last epoch, global
};

}  // namespace crossmf
