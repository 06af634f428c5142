// Rows of two files matched by external id (Key128, io/id_keys.h), whatever their numbering:
// the join of an earlier model's rows (warm_start), and of a trained model's items with a new
// input's (score).
#pragma once
#include <algorithm>
#include <span>
#include <vector>

#include "src/base/triplets.h"
#include "src/comm/comm.h"
#include "src/comm/duplicates.h"
#include "src/numerics/random.h"

namespace crossmf {

struct KeyHash {
  std::size_t operator()(const Key128& key) const { return hash2(key.hi, key.lo); }
};
struct KeyEqual {
  bool operator()(const Key128& a, const Key128& b) const { return a.hi == b.hi && a.lo == b.lo; }
};

// For each key of `now`, the index of the same key in `then`, or -1.
std::vector<index_t> match_keys(std::span<const Key128> now, std::span<const Key128> then);

// The rank a key is joined on when two lists are matched across ranks.
int rank_of_key(const Key128& key, int P);

// Collective: for each key of `mine`, whether any rank's `listed` holds it. Both sides meet on
// the rank their key names, so no rank holds either list whole.
std::vector<std::uint8_t> listed_anywhere(const Comm& comm, std::span<const Key128> mine, std::span<const Key128> listed);

// The rank whose even slice of `total` rows holds `row`.
int rank_of_row(count_t row, count_t total, int P);

// Collective. Sends element e (`per` values from items[e * per]) to rank dest[e], stable within a
// rank; returns what arrived (counts per sender in `arrived`, if asked).
template <class T>
std::vector<T> route(const Comm& comm, std::span<const T> items, const std::vector<int>& dest, int per = 1,
                     std::vector<count_t>* arrived = nullptr) {
  const int P = comm.size();
  std::vector<count_t> counts(P, 0), at(P + 1, 0);
  for (int d : dest) counts[d] += per;
  for (int r = 0; r < P; ++r) at[r + 1] = at[r] + counts[r];
  std::vector<T> send(items.size());
  for (std::size_t e = 0; e < dest.size(); ++e) {
    std::copy_n(items.data() + e * per, per, send.data() + at[dest[e]]);
    at[dest[e]] += per;
  }
  return comm.alltoallv<T>(send, counts, arrived);
}

// Collective. The ratings of chosen users, renumbered: `renumber` holds, for this rank's even
// slice of the `n_users` users, each one's new index or -1 (not chosen). Each rating moves to the
// rank whose slice holds its user (score --users).
Triplets keep_users(const Comm& comm, const Triplets& t, count_t n_users, std::span<const index_t> renumber);

}  // namespace crossmf
