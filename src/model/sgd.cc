#include "src/model/sgd.h"

#include <algorithm>
#include <cmath>

#include "src/base/log.h"
#include "src/kernels/kernels.h"
#include "src/numerics/random.h"

namespace crossmf {

namespace {
// Cuts [0, n) into T ranges with about equal weight.
std::vector<index_t> cut_by_weight(const std::vector<count_t>& weight, int T) {
  count_t total = 0;
  for (count_t w : weight) total += w;
  std::vector<index_t> cut(T + 1, static_cast<index_t>(weight.size()));
  cut[0] = 0;
  count_t cum = 0;
  index_t at = 0;
  for (int t = 1; t < T; ++t) {
    while (at < static_cast<index_t>(weight.size()) && cum * T < total * t) cum += weight[at++];
    cut[t] = at;
  }
  return cut;
}
int block_of(const std::vector<index_t>& cut, index_t id) {
  return static_cast<int>(std::upper_bound(cut.begin() + 1, cut.end() - 1, id) - cut.begin()) - 1;
}
}  // namespace

Sgd::Sgd(const Comm& comm, const Partition& part, const SgdOptions& opt, Factors& f)
    : comm_(comm), part_(part), opt_(opt), f_(f), threads_(std::max(1, opt.threads)),
      B_(std::max(kBlocks, threads_)) {
  const Csr& c = part.by_user;
  std::vector<count_t> per_user(part.local_users), per_item(part.n_items, 0);
  for (index_t u = 0; u < part.local_users; ++u) per_user[u] = c.ptr[u + 1] - c.ptr[u];
  for (index_t s : c.col) ++per_item[s];
  user_cut_ = cut_by_weight(per_user, B_);
  item_cut_ = cut_by_weight(per_item, B_);
  blocks_.assign(static_cast<std::size_t>(B_) * B_, {});
  for (index_t u = 0; u < part.local_users; ++u) {
    const int ub = block_of(user_cut_, u);
    for (count_t j = c.ptr[u]; j < c.ptr[u + 1]; ++j)
      blocks_[static_cast<std::size_t>(ub) * B_ + block_of(item_cut_, c.col[j])].push_back({u, c.col[j], c.val[j]});
  }
  g_users_.assign(part.local_users, 1);
  g_items_.assign(part.n_items, 1);
  const count_t most = comm.max<count_t>(c.nnz());
  // One rank has nothing to combine; chunks would only add barriers.
  if (comm.size() > 1) syncs_per_epoch_ = std::max<count_t>(1, (most + opt.sync_every - 1) / opt.sync_every);
  if (!opt_.average) items_at_sync_ = f_.items;
  if (comm.size() > 1)
    spdlog::info("sgd: {} item-factor allreduces per epoch, {:.2f} MB each (item factors and AdaGrad sums)",
                 syncs_per_epoch_, static_cast<double>(f_.items.size() + g_items_.size()) * sizeof(real) / 1e6);
}

void Sgd::combine(Timings& t) {
  if (comm_.size() == 1) return;
  Timed timed(t.comm);
  const int P = comm_.size();
  if (opt_.average) {
    comm_.sum(std::span<real>(f_.items.data(), f_.items.size()));
    f_.items /= static_cast<real>(P);
  } else {
    Matrix delta = f_.items - items_at_sync_;
    comm_.sum(std::span<real>(delta.data(), delta.size()));
    f_.items = items_at_sync_ + delta;
    items_at_sync_ = f_.items;
  }
  // The items' AdaGrad sums are averaged too, so they stay replicated (and checkpointable).
  comm_.sum(std::span<real>(g_items_));
  for (real& g : g_items_) g /= static_cast<real>(P);
}

IterationStats Sgd::iterate(Timings& t) {
  IterationStats s;
  ++epoch_;
  const int k = f_.k, w = f_.width();
  // The epoch's randomness is the order of the rounds: round r pairs user block b with item
  // block (b + shift[r]) mod B. Inside a block ratings stay sorted by user, as LIBMF keeps them:
  // a user's row is loaded once for its run of ratings and the item block's rows stay in L2
  // (shuffling every rating costs a cache miss per update and a copy of all ratings per epoch).
  std::vector<int> shift(B_);
  for (int r = 0; r < B_; ++r) shift[r] = r;
  Rng order(hash2(opt_.seed ^ 0x726f756e64ULL, static_cast<std::uint64_t>(epoch_)));
  for (int r = B_; r > 1; --r) std::swap(shift[r - 1], shift[order.below(r)]);
  const real lambda = static_cast<real>(opt_.lambda), eta = static_cast<real>(opt_.learning_rate);
  const bool wsl = opt_.implicit_loss == ImplicitLoss::kWsl;
  const Csr& c = part_.by_user;
  const Kernels& K = kernels();
  double loss_sum = 0;
  count_t updates = 0;
  Stopwatch work;
  for (count_t chunk = 0; chunk < syncs_per_epoch_; ++chunk) {
    {
      Timed timed(t.compute);
#pragma omp parallel num_threads(threads_) reduction(+ : loss_sum, updates)
      for (int r = 0; r < B_; ++r) {
        // Round r: blocks (b, b + shift[r] mod B) share no user and no item, so threads take them
        // in any order and the result does not depend on the number of threads.
#pragma omp for schedule(dynamic, 1)
        for (int ub = 0; ub < B_; ++ub) {
          const int ib = (ub + shift[r]) % B_;
          const std::size_t b = static_cast<std::size_t>(ub) * B_ + ib;
          const auto& block = blocks_[b];
          const std::size_t len = block.size();
          const std::size_t from = len * chunk / syncs_per_epoch_, to = len * (chunk + 1) / syncs_per_epoch_;
          SgdBlock run{block.data(), from, to, f_.users.data(), f_.items.data(), k, w, g_users_.data(), g_items_.data(),
                       f_.biases, f_.mu, lambda, eta};
          if (!opt_.implicit) {
            loss_sum += K.sgd_explicit(run);
            updates += static_cast<count_t>(to - from);
            continue;
          }
          const std::uint64_t stream = hash2(opt_.seed ^ 0x6e6567ULL, (static_cast<std::uint64_t>(epoch_) << 40) ^
                                                     (static_cast<std::uint64_t>(comm_.rank()) << 24) ^ (chunk << 12) ^ b);
          const SgdImplicit sampling{wsl, opt_.alpha, opt_.negatives, item_cut_[ib], item_cut_[ib + 1] - item_cut_[ib],
                                     c.ptr.data(), c.col.data(), stream};
          count_t steps = 0;
          loss_sum += K.sgd_implicit(run, sampling, &steps);
          updates += steps;
        }
      }
    }
    combine(t);
  }
  s.work_seconds = work.seconds();
  s.updates = updates;
  double sums[2] = {loss_sum, static_cast<double>(updates)};
  {
    Timed timed(t.comm);
    comm_.sum(std::span<double>(sums, 2));
  }
  epoch_error_ = sums[0];
  epoch_loss_ = sums[1] > 0 ? sums[0] / sums[1] : 0;
  if (!opt_.implicit) s.train_rmse = std::sqrt(epoch_loss_);
  return s;
}

double Sgd::loss(Timings& t) const {
  if (opt_.implicit) return epoch_loss_;
  // The squared errors met during the epoch (each before its step, as LIBMF reports them) plus
  // the L2 term at the end of it. The exact objective needs a pass over every rating, which
  // cost more than the epoch's updates (perf: 12% of a 20-epoch run against 10%).
  double reg = 0;
  const Csr& c = part_.by_user;
  for (index_t u = 0; u < c.rows(); ++u) reg += static_cast<double>(f_.users.row(u).squaredNorm()) * (c.ptr[u + 1] - c.ptr[u]);
  const Csr& ci = part_.by_item;
  for (index_t i = 0; i < ci.rows(); ++i)
    reg += static_cast<double>(f_.items.row(part_.item_begin + i).squaredNorm()) * (ci.ptr[i + 1] - ci.ptr[i]);
  Timed timed(t.comm);
  return epoch_error_ + opt_.lambda * comm_.sum(reg);
}

}  // namespace crossmf
