// Top-N selection (TopN, and scan_above in front of it as recommend uses it) against a brute-force
// sort of every candidate by (score descending, id ascending): heavy ties, fewer candidates than
// N, masked (NaN) candidates, an empty domain, rows that are not a multiple of the vector width.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "src/model/topn_scan.h"
#include "src/numerics/random.h"
#include "src/numerics/topn.h"

using namespace crossmf;

namespace {

struct Pick {
  index_t id;
  real score;
  bool operator==(const Pick&) const = default;
};

// The best n of the candidates (score, id) that `use` admits, by sorting all of them.
template <class Use>
std::vector<Pick> brute_top(const std::vector<real>& score, const std::vector<index_t>& id, int n, Use use) {
  std::vector<Pick> all;
  for (std::size_t c = 0; c < score.size(); ++c)
    if (!std::isnan(score[c]) && use(c)) all.push_back({id[c], score[c]});
  std::sort(all.begin(), all.end(), [](const Pick& a, const Pick& b) { return a.score != b.score ? a.score > b.score : a.id < b.id; });
  all.resize(std::min<std::size_t>(all.size(), n));
  return all;
}

std::vector<Pick> written(const TopN& heap, int n) {
  std::vector<index_t> ids(n);
  std::vector<real> scores(n);
  heap.write(ids.data(), scores.data());
  std::vector<Pick> out;
  for (int j = 0; j < n; ++j) {
    if (ids[j] < 0) {
      EXPECT_TRUE(std::isnan(scores[j])) << "padding carries a NaN score";
      continue;
    }
    EXPECT_EQ(static_cast<int>(out.size()), j) << "padding only at the end";
    out.push_back({ids[j], scores[j]});
  }
  return out;
}

// Scores drawn from a few values, so that ties are everywhere; ids a permutation, so that ties
// are broken by id and not by position.
struct Row {
  std::vector<real> base, terms, score;
  std::vector<index_t> id;
  real shift;
};

Row random_row(index_t n, std::uint64_t seed, double masked) {
  Rng rng(seed);
  Row r;
  r.shift = static_cast<real>(rng.below(3)) * 0.5f;
  r.id.resize(n);
  std::iota(r.id.begin(), r.id.end(), 0);
  for (index_t c = n - 1; c > 0; --c) std::swap(r.id[c], r.id[rng.below(c + 1)]);
  for (index_t c = 0; c < n; ++c) {
    r.base.push_back(static_cast<real>(rng.below(6)));
    r.terms.push_back(static_cast<real>(rng.below(3)) * 0.25f);
    if (rng.uniform() < masked) r.base.back() = std::numeric_limits<real>::quiet_NaN();
    r.score.push_back(r.base.back() + (r.shift + r.terms.back()));
  }
  return r;
}

}  // namespace

TEST(TopN, KeepsTheBestByScoreThenSmallerId) {
  for (index_t n : {0, 1, 3, 9, 10, 11, 200})
    for (int N : {1, 10}) {
      const Row r = random_row(n, 100 + n, 0);
      TopN heap(N);
      for (index_t c = 0; c < n; ++c) heap.push(r.score[c], r.id[c]);
      EXPECT_EQ(written(heap, N), brute_top(r.score, r.id, N, [](std::size_t) { return true; })) << n << " candidates, N " << N;
    }
}

TEST(TopNScan, OneListEqualsOfferingEveryCandidate) {
  for (index_t n : {0, 5, 15, 16, 17, 48, 333, 4096})
    for (bool with_terms : {false, true}) {
      const Row r = random_row(n, 7 * n + with_terms, 0.1);
      const std::vector<real>& score = with_terms ? r.score : r.base;
      TopN heap(10);
      scan_above(r.base.data(), with_terms ? r.terms.data() : nullptr, r.shift, n, [&] { return heap.threshold(); },
                 [&](index_t c, real s) {
                   EXPECT_EQ(s, score[c]) << "keep() receives the candidate's score";
                   EXPECT_FALSE(std::isnan(s)) << "a masked candidate is never kept";
                   EXPECT_GE(s, heap.threshold()) << "only candidates that can enter are kept";
                   heap.push(s, r.id[c]);
                 });
      EXPECT_EQ(written(heap, 10), brute_top(score, r.id, 10, [](std::size_t) { return true; }))
          << n << " candidates, terms " << with_terms;
    }
}

// As recommend: candidates sorted by domain, each domain's run scanned against the lower of the
// "all" list's and its own list's thresholds, every survivor offered to both lists. Domain 1 is
// empty, domain 2 has fewer candidates than N.
TEST(TopNScan, ListPerDomainAndAllEqualBruteForce) {
  const int N = 10, domains = 4;
  for (std::uint64_t seed : {1, 2, 3}) {
    const std::vector<index_t> run_end = {1000, 1000, 1005, 3000};  // domain d: [run_end[d-1], run_end[d])
    const Row r = random_row(run_end.back(), seed, 0.05);
    std::vector<int> domain(r.score.size());
    for (int d = 0, c = 0; d < domains; ++d)
      for (; c < run_end[d]; ++c) domain[c] = d;
    TopN all(N);
    std::vector<TopN> list(domains, TopN(N));
    for (int d = 0; d < domains; ++d) {
      const index_t b = d ? run_end[d - 1] : 0;
      scan_above(r.base.data() + b, r.terms.data() + b, r.shift, run_end[d] - b,
                 [&] { return std::min(all.threshold(), list[d].threshold()); },
                 [&](index_t c, real s) {
                   all.push(s, r.id[b + c]);
                   list[d].push(s, r.id[b + c]);
                 });
    }
    EXPECT_EQ(written(all, N), brute_top(r.score, r.id, N, [](std::size_t) { return true; }));
    for (int d = 0; d < domains; ++d)
      EXPECT_EQ(written(list[d], N), brute_top(r.score, r.id, N, [&](std::size_t c) { return domain[c] == d; }))
          << "domain " << d;
    EXPECT_EQ(list[1].size(), 0);
  }
}
