// How ratings are owned across ranks.
//
// Ids are first scattered by an affine bijection of [0, n) (a seeded "shuffle" that needs no
// table, so no rank holds an O(n) map), so that popular ids, which tend to be neighbours in real
// data, do not land on one rank. Scattered ids are then cut into one contiguous block per rank,
// balanced by nnz (not by row count) using per-bucket counts reduced across ranks.
//
// Every rating is owned twice: by the owner of its user (for the user half-step, against the
// replicated item factors) and by the owner of its item (for the item half-step). The item
// owner needs the factors of the users that rated its items; a routing computed once says
// which user rows each rank sends to which, so each factor travels only to ranks that use it.
#pragma once
#include <span>
#include <vector>

#include "src/base/timer.h"
#include "src/base/triplets.h"
#include "src/base/types.h"
#include "src/comm/comm.h"

namespace crossmf {

class Scatter {
 public:
  Scatter() = default;
  Scatter(index_t n, std::uint64_t seed);
  index_t forward(index_t id) const { return static_cast<index_t>((a_ * static_cast<std::uint64_t>(id) + b_) % n_); }
  index_t inverse(index_t s) const {
    return static_cast<index_t>(((static_cast<std::uint64_t>(s) + n_ - b_) % n_) * a_inv_ % n_);
  }
  index_t size() const { return static_cast<index_t>(n_); }

 private:
  std::uint64_t n_ = 1, a_ = 1, b_ = 0, a_inv_ = 1;
};

// Contiguous blocks of scattered ids, one per rank.
struct Blocks {
  std::vector<index_t> start;  // size P + 1
  int owner(index_t scattered) const;
  index_t begin(int r) const { return start[r]; }
  index_t end(int r) const { return start[r + 1]; }
  index_t size(int r) const { return start[r + 1] - start[r]; }
};

// Collective. Cuts [0, n) into blocks with about equal nnz; `ids` are this rank's scattered ids
// (one per rating).
Blocks balance_by_nnz(const Comm& comm, index_t n, std::span<const index_t> ids, int threads);

// Compressed rows. Row r's entries are [ptr[r], ptr[r+1]).
struct Csr {
  std::vector<count_t> ptr{0};
  std::vector<index_t> col;
  std::vector<real> val;
  index_t rows() const { return static_cast<index_t>(ptr.size() - 1); }
  count_t nnz() const { return static_cast<count_t>(col.size()); }
};

struct Partition {
  index_t n_users = 0, n_items = 0;
  Scatter user_scatter, item_scatter;
  Blocks users, items;
  index_t user_begin = 0, item_begin = 0;  // first scattered id owned here
  index_t local_users = 0, local_items = 0;
  // Training ratings by local user; col = scattered item id (a row of the replicated item factors).
  Csr by_user;
  // Held-out ratings by local user (same layout), possibly empty.
  Csr test_by_user;
  // Training ratings by local item; col = row of the routed user-factor buffer.
  Csr by_item;
  // Routing of user-factor rows for the item half-step: send_rows lists local user rows grouped
  // by destination rank (send_counts rows each); recv_counts rows arrive from each rank.
  std::vector<index_t> send_rows;
  std::vector<count_t> send_counts, recv_counts;
  count_t recv_rows = 0;
  // Global statistics for the log.
  count_t train_nnz = 0, test_nnz = 0;
  double user_imbalance = 1, item_imbalance = 1;  // max / mean nnz per rank
};

struct SplitOptions {
  double test_fraction = 0.1;
  bool by_time = false;
  std::uint64_t seed = 42;
};

// Collective. Scatters, balances, shuffles `train` (this rank's slice of /ratings) to its owners
// and, when `test` is given (this rank's slice of /test), uses it as the held-out set; otherwise
// holds out a split of `train` (random by rating, or the latest of each user by time).
// Throws Error(Exit::data) on duplicate (user, item) pairs.
// Uses `threads` OpenMP threads; the result does not depend on their number.
// Time in the exchanges is added to t.comm, the rest to t.compute.
Partition build_partition(const Comm& comm, index_t n_users, index_t n_items, Triplets train,
                          const Triplets* test, const SplitOptions& split, std::uint64_t seed, int threads,
                          Timings& t);

// This rank's training ratings (by_user) as triplets of original ids: the input of another
// partition, such as a validation split carved from the training ratings.
Triplets training_triplets(const Partition& part);

}  // namespace crossmf
