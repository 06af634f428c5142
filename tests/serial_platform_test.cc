// The synthetic platform (src/model/platform.h, interaction_sampler.h) on its own: every user's
// and item's draws depend only on its id, the planted values follow the stated formula, and a
// user's interactions are distinct, time-ordered and, for implicit feedback, taste-driven.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "src/model/interaction_sampler.h"
#include "src/model/platform.h"

using namespace crossmf;

namespace {
PlatformSpec small_spec() {
  GenerateOptions g;
  g.users = 400;
  g.items = 300;
  g.ratings = 8000;
  g.noise = 0;
  g.stars = false;
  return platform_spec(g);
}
std::span<const real> row(const std::vector<real>& m, index_t j, int k) { return {m.data() + std::size_t(j) * k, std::size_t(k)}; }
}  // namespace

TEST(Platform, UserBlocksAgreeWithTheWholePopulation) {
  const Platform p(small_spec());
  const UserBlock all = p.users(0, 400), part = p.users(150, 100);
  const int K = p.k(), F = p.spec().user_features;
  for (index_t j = 0; j < 100; ++j) {
    const auto a = row(all.factors, 150 + j, K), b = row(part.factors, j, K);
    ASSERT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << j;
    ASSERT_EQ(all.bias[150 + j], part.bias[j]);
    ASSERT_EQ(all.activity[150 + j], part.activity[j]);
    const auto fa = row(all.features, 150 + j, F), fb = row(part.features, j, F);
    ASSERT_TRUE(std::equal(fa.begin(), fa.end(), fb.begin()));
  }
  std::vector<index_t> labelled;
  for (index_t u : all.labelled) if (u >= 150 && u < 250) labelled.push_back(u);
  EXPECT_EQ(labelled, part.labelled);
}

TEST(Platform, SameSeedSameItemsOtherSeedOthers) {
  const Platform a(small_spec()), b(small_spec());
  EXPECT_TRUE(std::equal(a.item_factors().begin(), a.item_factors().end(), b.item_factors().begin()));
  PlatformSpec other = small_spec();
  other.seed = 43;
  const Platform c(other);
  EXPECT_FALSE(std::equal(a.item_factors().begin(), a.item_factors().end(), c.item_factors().begin()));
}

TEST(Platform, DomainSizesFollowTheShares) {
  PlatformSpec s = small_spec();
  s.domains = {"content", "finance", "insurance"};
  s.domain_shares = {0.7, 0.2, 0.1};
  const Platform p(s);
  std::vector<int> n(3, 0);
  for (index_t d : p.item_domain()) ++n[d];
  EXPECT_EQ(n, (std::vector<int>{210, 60, 30}));
}

TEST(Platform, NoiselessContinuousValuesAreThePlantedModel) {
  const Platform p(small_spec());
  const UserBlock users = p.users(0, 5);
  const int K = p.k();
  RandomStream rs(1, Purpose::user_ratings, 0);
  for (index_t j = 0; j < 5; ++j)
    for (index_t i = 0; i < 300; i += 37) {
      double expect = 3.6 + users.bias[j] + p.item_bias()[i];
      for (int c = 0; c < K; ++c) expect += double(users.factors[j * K + c]) * p.item_factors()[i * K + c];
      EXPECT_NEAR(p.observe(row(users.factors, j, K), users.bias[j], i, rs), expect, 1e-5);
    }
}

TEST(InteractionSampler, DistinctTimeOrderedAndDeterministic) {
  const Platform p(small_spec());
  const UserBlock users = p.users(0, 3);
  InteractionSampler s1(p), s2(p);
  for (index_t u = 0; u < 3; ++u) {
    for (count_t m : {count_t{1}, count_t{40}, count_t{150}}) {
      std::vector<index_t> items(m), again(m);
      std::vector<real> values(m), values2(m);
      std::vector<std::int64_t> times(m), times2(m);
      s1.draw(u, row(users.factors, u, p.k()), users.bias[u], users.segment[u], items, values, times);
      s2.draw(u, row(users.factors, u, p.k()), users.bias[u], users.segment[u], again, values2, times2);
      EXPECT_EQ(items, again);
      EXPECT_EQ(times, times2);
      EXPECT_EQ(std::set<index_t>(items.begin(), items.end()).size(), std::size_t(m));
      for (index_t i : items) ASSERT_TRUE(i >= 0 && i < 300);
      EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
      EXPECT_EQ(std::adjacent_find(times.begin(), times.end()), times.end());
    }
  }
}

TEST(InteractionSampler, SteepLawOnATinyPlatformStillGivesDistinctItems) {
  PlatformSpec s = small_spec();
  s.items = 12;
  s.popularity = 3.0;
  s.implicit = true;
  const Platform p(s);
  const UserBlock users = p.users(0, 1);
  InteractionSampler sampler(p);
  std::vector<index_t> items(12);
  std::vector<real> values(12);
  std::vector<std::int64_t> times(12);
  sampler.draw(0, row(users.factors, 0, p.k()), users.bias[0], users.segment[0], items, values, times);
  EXPECT_EQ(std::set<index_t>(items.begin(), items.end()).size(), 12u);
  for (real v : values) EXPECT_GE(v, 1.0f);
}

TEST(InteractionSampler, ImplicitChoicesFollowTastes) {
  PlatformSpec s = small_spec();
  s.implicit = true;
  s.items = 2000;
  s.popularity = 0;  // no popularity effect: any preference comes from acceptance
  const Platform p(s);
  const UserBlock users = p.users(0, 200);
  InteractionSampler sampler(p);
  double chosen = 0, all = 0;
  std::vector<index_t> items(50);
  std::vector<real> values(50);
  std::vector<std::int64_t> times(50);
  for (index_t u = 0; u < 200; ++u) {
    const auto x = row(users.factors, u, p.k());
    sampler.draw(u, x, users.bias[u], users.segment[u], items, values, times);
    for (index_t i : items) chosen += p.affinity(x, i) / 50;
    for (index_t i = 0; i < 2000; ++i) all += p.affinity(x, i) / 2000;
  }
  // sigmoid(2 z) acceptance of z ~ N(0, 1): chosen items average about +0.6.
  EXPECT_GT(chosen / 200, all / 200 + 0.3);
}

TEST(Platform, TopicsAreOrthogonalAndSegmentsHaveTheirOwn) {
  const Platform p(small_spec());
  const int K = p.k(), T = p.constants().topics, G = p.constants().segments;
  ASSERT_EQ(T, std::min(8, K));
  const auto tau = p.topic_centroids();
  for (int a = 0; a < T; ++a)
    for (int b = 0; b < T; ++b) {
      double d = 0;
      for (int c = 0; c < K; ++c) d += double(tau[a * K + c]) * tau[b * K + c];
      EXPECT_NEAR(d, a == b ? K : 0.0, 1e-4) << a << " " << b;
    }
  std::set<std::int32_t> topics(p.segment_topic().begin(), p.segment_topic().begin() + std::min(G, T));
  EXPECT_EQ(topics.size(), std::size_t(std::min(G, T)));
  const std::size_t D = p.spec().domains.size();
  for (int g = 0; g < G; ++g) {
    const auto mix = p.segment_domain_mix().subspan(g * D, D);
    EXPECT_FLOAT_EQ(*std::max_element(mix.begin(), mix.end()), 1.0f);
    EXPECT_GT(*std::min_element(mix.begin(), mix.end()), 0.0f);
  }
}

// A user's topic leads its choices in every domain (topics carry across domains), and how much
// of each domain a segment takes follows its planted mix.
TEST(InteractionSampler, TopicsLeadChoicesInEveryDomainAndSegmentsDifferInMix) {
  for (const bool implicit : {false, true}) {
    PlatformSpec s = small_spec();
    s.implicit = implicit;
    s.items = 3000;
    s.domains = {"content", "finance", "insurance"};
    s.domain_shares = {0.6, 0.25, 0.15};
    const Platform p(s);
    const index_t U = 4000;  // few items each: the planted shares below are of draws with replacement
    const UserBlock users = p.users(0, U);
    const int G = p.constants().segments;
    const std::size_t D = 3;
    InteractionSampler sampler(p);
    std::vector<double> in_topic(D, 0), taken(D, 0);
    std::vector<double> by_segment(G * D, 0);
    std::vector<index_t> items(4);
    std::vector<real> values(4);
    std::vector<std::int64_t> times(4);
    for (index_t u = 0; u < U; ++u) {
      const int g = users.segment[u];
      sampler.draw(u, row(users.factors, u, p.k()), users.bias[u], g, items, values, times);
      for (index_t i : items) {
        const index_t d = p.item_domain()[i];
        taken[d] += 1;
        in_topic[d] += p.item_topic()[i] == p.segment_topic()[g];
        by_segment[g * D + d] += 1;
      }
    }
    // 70% of proposals come from the topic, which holds an eighth of the items.
    for (std::size_t d = 0; d < D; ++d) EXPECT_GT(in_topic[d] / taken[d], 0.6) << implicit << " domain " << d;
    // Segments differ in domain mix; explicit choices (accepted with w_gd alone) follow it: a
    // segment's share of domain d is about w_gd q_gd / sum_e w_ge q_ge, q_gd the mass of the
    // proposals in d (0.3 of all items' popularity, 0.7 of its topic's, renormalised).
    const std::vector<double> pop = p.item_popularity();
    const double share = p.constants().topic_share;
    for (std::size_t d = 0; d < D; ++d) {
      std::vector<double> seen, planted;
      for (int g = 0; g < G; ++g) {
        std::vector<double> all(D, 0), topic(D, 0);
        double topic_mass = 0;
        for (index_t i = 0; i < 3000; ++i) {
          all[p.item_domain()[i]] += pop[i];
          if (p.item_topic()[i] == p.segment_topic()[g]) topic[p.item_domain()[i]] += pop[i], topic_mass += pop[i];
        }
        double n = 0, z = 0, mine = 0;
        for (std::size_t e = 0; e < D; ++e) {
          n += by_segment[g * D + e];
          const double q = p.segment_domain_mix()[g * D + e] * ((1 - share) * all[e] + share * topic[e] / topic_mass);
          z += q;
          if (e == d) mine = q;
        }
        seen.push_back(by_segment[g * D + d] / n);
        planted.push_back(mine / z);
      }
      EXPECT_GT(*std::max_element(seen.begin(), seen.end()) / *std::min_element(seen.begin(), seen.end()), 1.5)
          << implicit << " domain " << d;
      if (implicit) continue;
      for (int g = 0; g < G; ++g) EXPECT_NEAR(seen[g], planted[g], 0.15 * planted[g] + 0.01) << "segment " << g << " domain " << d;
    }
  }
}
