// Tiny problems for the multi-rank model tests: the whole problem lives on every rank, so each
// test can compute its reference by brute force in original ids, while the code under test only
// sees this rank's slice, partition and factors. Gathering all users' rows is for tests only.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "src/model/factors.h"
#include "src/numerics/random.h"
#include "src/numerics/slices.h"

namespace crossmf::testing {

// This rank's contiguous share of `from`, as a rank reads its slice of the file.
inline Triplets file_slice(const Triplets& from, const Comm& c) {
  const Slice s = even_slice(from.size(), c.rank(), c.size());
  Triplets t;
  t.user.assign(from.user.begin() + s.begin, from.user.begin() + s.end);
  t.item.assign(from.item.begin() + s.begin, from.item.begin() + s.end);
  t.value.assign(from.value.begin() + s.begin, from.value.begin() + s.end);
  if (!from.time.empty()) t.time.assign(from.time.begin() + s.begin, from.time.begin() + s.end);
  return t;
}

inline void add_rating(Triplets& t, index_t u, index_t i, real v) {
  t.user.push_back(u);
  t.item.push_back(i);
  t.value.push_back(v);
}

// Ratings of (u, i) where keep(u, i, rng) says so, the value from value(rng); an optional fixed
// held-out set the same way.
struct TinyProblem {
  index_t users = 0, items = 0;
  Triplets all, test;
  bool has_test = false;

  // The partition with `test` as the given held-out set (when has_test), else no held-out set.
  Partition partition(const Comm& c, std::uint64_t seed = 7) const {
    Timings t;
    const Triplets mine_test = file_slice(test, c);
    return build_partition(c, users, items, file_slice(all, c), has_test ? &mine_test : nullptr, {0.0, false, seed},
                           seed, 1, t);
  }
};

// Every user's factor row, in ORIGINAL user order, on every rank (test only: the job never
// gathers users).
inline Matrix users_by_original(const Comm& c, const Partition& p, const Matrix& local) {
  const Eigen::Index w = local.cols();
  std::vector<count_t> counts(c.size());
  for (int r = 0; r < c.size(); ++r) counts[r] = static_cast<count_t>(p.users.size(r)) * w;
  Matrix scattered(p.n_users, w);
  c.allgatherv<real>(std::span<const real>(local.data(), local.size()), std::span<real>(scattered.data(), scattered.size()),
                     counts);
  Matrix out(p.n_users, w);
  for (index_t u = 0; u < p.n_users; ++u) out.row(u) = scattered.row(p.user_scatter.forward(u));
  return out;
}

// Item rows in ORIGINAL item order (item rows are replicated, in scattered order).
inline Matrix items_by_original(const Partition& p, const Matrix& items) {
  Matrix out(p.n_items, items.cols());
  for (index_t i = 0; i < p.n_items; ++i) out.row(i) = items.row(p.item_scatter.forward(i));
  return out;
}

// A per-local-user value of every user, in ORIGINAL user order, on every rank.
template <class T>
std::vector<T> gather_by_original(const Comm& c, const Partition& p, const std::vector<T>& local) {
  std::vector<count_t> counts(c.size());
  for (int r = 0; r < c.size(); ++r) counts[r] = p.users.size(r);
  std::vector<T> scattered(p.n_users), out(p.n_users);
  c.allgatherv<T>(std::span<const T>(local), std::span<T>(scattered), counts);
  for (index_t u = 0; u < p.n_users; ++u) out[u] = scattered[p.user_scatter.forward(u)];
  return out;
}

// Visits every (user, item) pair in order, with one stream of random numbers for all of them;
// `rate` adds the pair's rating to pb.all or pb.test, or none. A held-out set is given when any
// pair went to pb.test.
inline TinyProblem tiny_problem(index_t users, index_t items, std::uint64_t seed,
                                const std::function<void(TinyProblem& pb, index_t u, index_t i, Rng& rng)>& rate) {
  TinyProblem pb;
  pb.users = users;
  pb.items = items;
  Rng rng(seed);
  for (index_t u = 0; u < users; ++u)
    for (index_t i = 0; i < items; ++i) rate(pb, u, i, rng);
  pb.has_test = pb.test.size() > 0;
  return pb;
}

// The original id of local user `lu`.
inline index_t original_user(const Partition& p, index_t lu) { return p.user_scatter.inverse(p.user_begin + lu); }

}  // namespace crossmf::testing
