// The partition on 1, 2 and 3 ranks: each user's rows are that user's ratings sorted by item
// (built here by brute force from the whole problem), and nothing depends on the number of
// threads, for every kind of split.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "src/model/partition.h"
#include "src/numerics/random.h"
#include "src/numerics/slices.h"

using namespace crossmf;

namespace {

struct Problem {
  index_t users = 300, items = 120;
  Triplets all, test;
  Problem() {
    Rng rng(5);
    for (index_t u = 0; u < users; ++u)
      for (index_t i = 0; i < items; ++i) {
        const double x = rng.uniform();
        // Heavy users and popular items, so that rows have very different lengths.
        if (x < 0.5 * std::exp(-u / 100.0) + 0.3 * std::exp(-i / 20.0)) {
          Triplets& to = x < 0.02 ? test : all;
          to.user.push_back(u);
          to.item.push_back(i);
          to.value.push_back(static_cast<real>(1 + rng.below(5)));
          to.time.push_back(static_cast<std::int64_t>(rng.below(1000)));  // ties too
        }
      }
  }
  static Triplets slice(const Triplets& from, const Comm& c) {  // what this rank would read
    const Slice s = even_slice(from.size(), c.rank(), c.size());
    auto part = [&](const auto& v) { return std::decay_t<decltype(v)>(v.begin() + s.begin, v.begin() + s.end); };
    return {part(from.user), part(from.item), part(from.value), part(from.time)};
  }
};

void expect_same(const Csr& a, const Csr& b, const char* what, int threads) {
  EXPECT_EQ(a.ptr, b.ptr) << what << ", " << threads << " threads";
  EXPECT_EQ(a.col, b.col) << what << ", " << threads << " threads";
  EXPECT_EQ(a.val, b.val) << what << ", " << threads << " threads";
}

}  // namespace

TEST(Partition, UserRowsAreEachUsersRatingsSortedByItem) {
  Comm c;
  Problem pb;
  Timings t;
  const Partition p = build_partition(c, pb.users, pb.items, Problem::slice(pb.all, c), nullptr, {0.0, false, 1}, 9, 2, t);
  std::map<index_t, std::vector<std::pair<index_t, real>>> rows;  // scattered user -> (scattered item, value)
  for (count_t j = 0; j < pb.all.size(); ++j)
    rows[p.user_scatter.forward(pb.all.user[j])].push_back({p.item_scatter.forward(pb.all.item[j]), pb.all.value[j]});
  for (index_t lu = 0; lu < p.local_users; ++lu) {
    auto want = rows[p.user_begin + lu];
    std::sort(want.begin(), want.end());
    std::vector<std::pair<index_t, real>> got;
    for (count_t k = p.by_user.ptr[lu]; k < p.by_user.ptr[lu + 1]; ++k) got.push_back({p.by_user.col[k], p.by_user.val[k]});
    EXPECT_EQ(got, want) << "scattered user " << p.user_begin + lu;
  }
}

TEST(Partition, SameForAnyThreadCount) {
  Comm c;
  Problem pb;
  const SplitOptions random{0.2, false, 4}, by_time{0.2, true, 4};
  for (int kind = 0; kind < 3; ++kind) {  // random split, time split, given held-out set
    const Triplets test = Problem::slice(pb.test, c);
    auto build = [&](int threads) {
      Timings t;
      return build_partition(c, pb.users, pb.items, Problem::slice(pb.all, c), kind == 2 ? &test : nullptr,
                             kind == 1 ? by_time : random, 11, threads, t);
    };
    const Partition one = build(1);
    EXPECT_GT(c.sum<count_t>(one.test_by_user.nnz()), 0) << "split " << kind;
    for (int threads : {2, 3}) {
      const Partition p = build(threads);
      SCOPED_TRACE(::testing::Message() << "split " << kind);
      EXPECT_EQ(p.users.start, one.users.start);
      EXPECT_EQ(p.items.start, one.items.start);
      expect_same(p.by_user, one.by_user, "by_user", threads);
      expect_same(p.test_by_user, one.test_by_user, "test_by_user", threads);
      expect_same(p.by_item, one.by_item, "by_item", threads);
      EXPECT_EQ(p.send_rows, one.send_rows);
      EXPECT_EQ(p.send_counts, one.send_counts);
      EXPECT_EQ(p.recv_counts, one.recv_counts);
    }
  }
}
