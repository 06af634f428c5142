// User profiles on 1, 2 and 3 ranks: the behaviour summary against counts taken directly from
// the whole problem, and k-means segments against four planted, well separated clusters (found
// exactly), with every property of a converged Lloyd solution checked on the gathered users:
// each user in its nearest centroid, each centroid the mean of its users, sizes, domain mixes
// and characteristic items by brute force.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "src/model/profile.h"
#include "tests/tiny_problem.h"

using namespace crossmf;
using namespace crossmf::testing;

namespace {

// 70 users x 20 items; users u % 10 == 9 have no ratings at all, u % 10 == 8 only held-out ones.
// Domains: item i in i % 3, items 18 and 19 in none.
struct Crowd {
  TinyProblem pb;
  std::vector<std::int32_t> domain;
  Crowd() {
    pb = tiny_problem(70, 20, 29, [](TinyProblem& pb, index_t u, index_t i, Rng& rng) {
      const double x = rng.uniform();
      if (u % 10 == 9 || x >= 0.4) return;
      add_rating(x < 0.08 || u % 10 == 8 ? pb.test : pb.all, u, i, real(1 + rng.below(5)));
    });
    for (index_t i = 0; i < pb.items; ++i) domain.push_back(i >= 18 ? -1 : i % 3);
  }
};

}  // namespace

TEST(Profile, BehaviourEqualsDirectCounts) {
  Comm c;
  const Crowd crowd;
  const Partition p = crowd.pb.partition(c);
  const Behaviour b = behaviour(p, crowd.domain, 3);
  ASSERT_EQ(b.domains, 3);
  std::vector<int> n(crowd.pb.users, 0);
  std::vector<double> sum(crowd.pb.users, 0);
  std::vector<std::array<int, 3>> per_domain(crowd.pb.users, {0, 0, 0});
  for (const Triplets* t : {&crowd.pb.all, &crowd.pb.test})
    for (count_t j = 0; j < t->size(); ++j) {
      ++n[t->user[j]];
      sum[t->user[j]] += t->value[j];
      if (crowd.domain[t->item[j]] >= 0) ++per_domain[t->user[j]][crowd.domain[t->item[j]]];
    }
  for (index_t lu = 0; lu < p.local_users; ++lu) {
    const index_t u = original_user(p, lu);
    SCOPED_TRACE(::testing::Message() << "user " << u);
    EXPECT_EQ(b.activity[lu], n[u]);
    if (n[u] == 0) EXPECT_TRUE(std::isnan(b.mean_rating[lu]));
    else EXPECT_NEAR(b.mean_rating[lu], sum[u] / n[u], 1e-5);
    for (int d = 0; d < 3; ++d)
      EXPECT_NEAR(b.domain_share[std::size_t(lu) * 3 + d], n[u] ? double(per_domain[u][d]) / n[u] : 0.0, 1e-6);
  }
  const Behaviour none = behaviour(p, {}, 3);
  EXPECT_EQ(none.domains, 0);
  EXPECT_TRUE(none.domain_share.empty());
}

TEST(Profile, SegmentsFindPlantedClustersAndAreAConvergedLloydSolution) {
  Comm c;
  const Crowd crowd;
  const Partition p = crowd.pb.partition(c);
  const int k = 3, S = 4, T = 5;
  Factors f;
  start_factors(c, p, k, false, 2, f);
  // Planted: cluster u % 4 around a corner of a cube of side 10, spread 0.3.
  auto planted = [](index_t u) { return int(u % 4); };
  for (index_t lu = 0; lu < p.local_users; ++lu) {
    const index_t u = original_user(p, lu);
    Rng rng(1000 + u);
    for (int q = 0; q < k; ++q) f.users(lu, q) = real(10 * ((planted(u) >> q) & 1) + 0.3 * rng.normal());
  }
  const Behaviour b = behaviour(p, crowd.domain, 3);
  const Segments seg = segment_users(c, p, f, b, S, T, 77, 2);
  ASSERT_EQ(seg.S, S);
  EXPECT_LT(seg.iterations, 50);  // converged
  const Matrix U = users_by_original(c, p, f.users);
  const std::vector<std::int32_t> segment = gather_by_original(c, p, seg.segment);
  const std::vector<real> share = [&] {  // users x 3, original order
    std::vector<real> all(std::size_t(p.n_users) * 3);
    for (int d = 0; d < 3; ++d) {
      std::vector<real> mine(p.local_users);
      for (index_t lu = 0; lu < p.local_users; ++lu) mine[lu] = b.domain_share[std::size_t(lu) * 3 + d];
      const std::vector<real> by_user = gather_by_original(c, p, mine);
      for (index_t u = 0; u < p.n_users; ++u) all[std::size_t(u) * 3 + d] = by_user[u];
    }
    return all;
  }();
  std::vector<bool> active(p.n_users, false);
  for (count_t j = 0; j < crowd.pb.all.size(); ++j) active[crowd.pb.all.user[j]] = true;
  std::map<int, int> label_of_cluster;  // planted cluster -> segment: one-to-one
  std::vector<count_t> size(S, 0);
  std::vector<Eigen::VectorXd> mean(S, Eigen::VectorXd::Zero(k)), mix(S, Eigen::VectorXd::Zero(3));
  for (index_t u = 0; u < p.n_users; ++u) {
    SCOPED_TRACE(::testing::Message() << "user " << u);
    if (!active[u]) {
      EXPECT_EQ(segment[u], -1);
      continue;
    }
    ASSERT_GE(segment[u], 0);
    ASSERT_LT(segment[u], S);
    const auto it = label_of_cluster.insert({planted(u), segment[u]}).first;
    EXPECT_EQ(it->second, segment[u]) << "planted cluster " << planted(u);
    double nearest = INFINITY;
    int best = -1;
    for (int s = 0; s < S; ++s) {
      const double d = (U.row(u).head(k) - seg.centroids.row(s)).cast<double>().squaredNorm();
      if (d < nearest) { nearest = d; best = s; }
    }
    EXPECT_EQ(segment[u], best);
    ++size[segment[u]];
    mean[segment[u]] += U.row(u).head(k).transpose().cast<double>();
    for (int d = 0; d < 3; ++d) mix[segment[u]](d) += share[std::size_t(u) * 3 + d];
  }
  EXPECT_EQ(label_of_cluster.size(), std::size_t(S));
  ASSERT_EQ(seg.size.size(), std::size_t(S));
  ASSERT_EQ(seg.domain_mix.size(), std::size_t(S) * 3);
  Eigen::VectorXd overall = Eigen::VectorXd::Zero(k);
  count_t total = 0;
  for (int s = 0; s < S; ++s) {
    SCOPED_TRACE(::testing::Message() << "segment " << s);
    EXPECT_EQ(seg.size[s], size[s]);
    ASSERT_GT(size[s], 0);
    EXPECT_LT((seg.centroids.row(s).transpose().cast<double>() - mean[s] / size[s]).norm(), 1e-4);
    for (int d = 0; d < 3; ++d) EXPECT_NEAR(seg.domain_mix[std::size_t(s) * 3 + d], mix[s](d) / size[s], 1e-5);
    overall += mean[s];
    total += size[s];
  }
  overall /= total;
  // Characteristic items: the highest (centroid - mean of all active users) . item factors.
  const Matrix Y = items_by_original(p, f.items);
  for (int s = 0; s < S; ++s) {
    std::vector<std::pair<double, index_t>> lift;
    for (index_t i = 0; i < p.n_items; ++i)
      lift.push_back({-(seg.centroids.row(s).transpose().cast<double>() - overall).dot(Y.row(i).head(k).transpose().cast<double>()), i});
    std::sort(lift.begin(), lift.end());
    for (int t = 0; t < T; ++t) EXPECT_EQ(seg.top_items[std::size_t(s) * T + t], lift[t].second) << "segment " << s << " rank " << t;
  }
}

TEST(Profile, FewerActiveUsersThanSegments) {
  Comm c;
  TinyProblem pb;
  pb.users = 12;
  pb.items = 5;
  add_rating(pb.all, 2, 1, 3);
  add_rating(pb.all, 7, 4, 5);
  add_rating(pb.all, 11, 0, 1);
  const Partition p = pb.partition(c);
  Factors f;
  start_factors(c, p, 2, false, 1, f);
  const Segments seg = segment_users(c, p, f, behaviour(p, {}, 0), 5, 2, 3, 1);
  EXPECT_EQ(seg.S, 3);  // one segment per active user
  const std::vector<std::int32_t> segment = gather_by_original(c, p, seg.segment);
  std::vector<std::int32_t> used;
  for (index_t u = 0; u < pb.users; ++u) {
    if (u == 2 || u == 7 || u == 11) used.push_back(segment[u]);
    else EXPECT_EQ(segment[u], -1) << "user " << u;
  }
  std::sort(used.begin(), used.end());
  EXPECT_EQ(used, (std::vector<std::int32_t>{0, 1, 2}));
}

// Segment traits and labels on hand-made segments, the users dealt round-robin to the ranks:
// 0 finance-heavy, active and risky; 1 content-heavy, light and safe; 2 near the mean; 3 empty.
// A user outside every segment (no ratings) counts in no mean.
TEST(Profile, SegmentTraitsAndLabels) {
  Comm c;
  struct U { int segment, activity; real risk, content, finance; };
  const std::vector<U> users{{0, 30, 0.6f, 0.2f, 0.8f}, {1, 5, 0.1f, 0.9f, 0.1f}, {2, 20, 0.3f, 0.6f, 0.4f},
                             {-1, 99, 0.99f, 0.5f, 0.5f}, {0, 30, 0.6f, 0.2f, 0.8f}, {1, 5, 0.1f, 0.9f, 0.1f},
                             {2, 20, 0.3f, 0.6f, 0.4f}, {0, 30, 0.6f, 0.2f, 0.8f}, {1, 5, 0.1f, 0.9f, 0.1f},
                             {2, 20, 0.3f, 0.6f, 0.4f}};
  Segments seg;
  seg.S = 4;
  seg.size = {3, 3, 3, 0};
  seg.domain_mix = {0.2, 0.8, 0.9, 0.1, 0.6, 0.4, 0, 0};
  Behaviour b;
  b.domains = 2;
  std::vector<real> risk;
  for (std::size_t u = c.rank(); u < users.size(); u += c.size()) {
    seg.segment.push_back(users[u].segment);
    b.activity.push_back(users[u].activity);
    b.domain_share.insert(b.domain_share.end(), {users[u].content, users[u].finance});
    risk.push_back(users[u].risk);
  }
  const std::vector<std::string> names{"content", "finance"};
  const SegmentTraits t = describe_segments(c, seg, b, risk, names);
  EXPECT_EQ(t.label, (std::vector<std::string>{"finance-leaning, heavy readers, high risk",
                                               "content-leaning, light readers, low risk", "typical", "empty"}));
  const double content = 5.1 / 9, finance = 3.9 / 9;  // everyone's mean shares
  const std::vector<double> lift{0.2 / content, 0.8 / finance, 0.9 / content, 0.1 / finance, 0.6 / content, 0.4 / finance};
  for (int j = 0; j < 6; ++j) EXPECT_NEAR(t.domain_lift[j], lift[j], 1e-6) << j;
  EXPECT_TRUE(std::isnan(t.domain_lift[6]) && std::isnan(t.activity[3]) && std::isnan(t.risk[3]));
  EXPECT_EQ(t.activity[0], 30);
  EXPECT_NEAR(t.risk[1], 0.1, 1e-6);
  const SegmentTraits no_risk = describe_segments(c, seg, b, {}, names);
  EXPECT_EQ(no_risk.label[0], "finance-leaning, heavy readers");
  EXPECT_TRUE(std::isnan(no_risk.risk[0]));
}
