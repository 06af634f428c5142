// The scoring kernels (src/kernels/scoring.h) at every kernel level, against products in
// double precision and brute-force scans: odd sizes, strided rows, ties, NaN scores.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "src/numerics/dense.h"
#include "src/numerics/random.h"
#include "tests/kernel_levels.h"

using namespace crossmf;

namespace {

Matrix random_matrix(int rows, int cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) m(r, c) = static_cast<real>(rng.normal());
  return m;
}

// Scores from a few values (ties everywhere), some NaN.
std::vector<real> tied_scores(index_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<real> s(n);
  for (auto& v : s) v = rng.uniform() < 0.1 ? std::numeric_limits<real>::quiet_NaN() : static_cast<real>(rng.below(7)) * 0.5f;
  return s;
}

class Scoring : public crossmf::testing::EveryLevel {};
CROSSMF_AT_EVERY_LEVEL(Scoring);

}  // namespace

TEST_P(Scoring, ProductsEqualDenseProductOfStridedRows) {
  for (int k : {1, 7, 64, 100})
    for (auto [ra, rb] : {std::pair{1, 1}, {17, 300}, {300, 33}}) {
      SCOPED_TRACE(::testing::Message() << "k " << k << " rows " << ra << " x " << rb);
      const int lda = k + 1, ldb = k + 5;  // rows of a wider matrix, as the factors with biases
      const Matrix A = random_matrix(ra, lda, 1 + k), B = random_matrix(rb, ldb, 2 + k);
      std::vector<real> s(static_cast<std::size_t>(ra) * rb);
      K().products(A.data(), ra, lda, B.data(), rb, ldb, k, s.data());
      const Eigen::MatrixXd want = A.leftCols(k).cast<double>() * B.leftCols(k).cast<double>().transpose();
      for (int i = 0; i < ra; ++i)
        for (int j = 0; j < rb; ++j) ASSERT_NEAR(s[static_cast<std::size_t>(i) * rb + j], want(i, j), 1e-4 * (1 + std::abs(want(i, j))));
    }
}

// From every start, with and without the per-candidate terms, at thresholds below, at and above
// the scores' values: the first index at or above the threshold, as a scalar loop finds it.
TEST_P(Scoring, FirstAtOrAboveIsTheFirstCandidateThatPasses) {
  for (index_t n : {0, 1, 15, 16, 17, 100, 257}) {
    const std::vector<real> base = tied_scores(n, 10 + n), terms = tied_scores(n, 20 + n);
    for (bool with_terms : {false, true})
      for (real shift : {0.0f, 0.25f})
        for (real threshold : {-std::numeric_limits<real>::infinity(), 0.0f, 1.5f, 2.75f, 3.0f, 99.0f})
          for (index_t from = 0; from <= n; from += (n > 20 ? 7 : 1)) {
            index_t want = n;
            for (index_t c = from; c < n; ++c) {
              const real score = with_terms ? base[c] + (shift + terms[c]) : base[c];
              if (score >= threshold) { want = c; break; }
            }
            ASSERT_EQ(K().first_at_or_above(base.data(), with_terms ? terms.data() : nullptr, shift, from, n, threshold), want)
                << "n " << n << " terms " << with_terms << " shift " << shift << " threshold " << threshold << " from " << from;
          }
  }
}

TEST_P(Scoring, CountAboveCountsStrictlyAboveAndLevel) {
  for (index_t n : {0, 1, 15, 16, 17, 1000}) {
    const std::vector<real> s = tied_scores(n, 30 + n);
    for (real p : {-1.0f, 0.0f, 1.5f, 3.0f, 9.0f}) {
      index_t above = -1, level = -1, want_above = 0, want_level = 0;
      for (real v : s) { want_above += v > p; want_level += v == p; }
      K().count_above(s.data(), n, p, &above, &level);
      EXPECT_EQ(above, want_above) << "n " << n << " p " << p;
      EXPECT_EQ(level, want_level) << "n " << n << " p " << p;
    }
  }
}

TEST_P(Scoring, DotsOfScatteredRowsEqualDenseDots) {
  for (int k : {1, 7, 16, 64, 100}) {
    const int width = k + 1, rows = 50;
    const Matrix X = random_matrix(1, width, 40 + k), Y = random_matrix(rows, width, 50 + k);
    std::vector<index_t> cols;
    for (int j = 0; j < 70; ++j) cols.push_back(static_cast<index_t>((j * 17 + 3) % rows));
    std::vector<real> out(cols.size());
    K().dots(X.data(), Y.data(), width, k, cols.data(), static_cast<count_t>(cols.size()), out.data());
    for (std::size_t j = 0; j < cols.size(); ++j) {
      const double want = X.row(0).head(k).cast<double>().dot(Y.row(cols[j]).head(k).cast<double>());
      EXPECT_NEAR(out[j], want, 1e-4 * (1 + std::abs(want))) << "k " << k << " j " << j;
    }
  }
}

TEST_P(Scoring, GatherSumOfScatteredRowsEqualsDenseSum) {
  for (int width : {1, 7, 16, 64, 100}) {
    const int rows = 50;
    const Matrix Y = random_matrix(rows, width, 60 + width);
    std::vector<index_t> cols;
    for (int j = 0; j < 71; ++j) cols.push_back(static_cast<index_t>((j * 17 + 3) % rows));
    std::vector<real> out(width, real(99));  // overwritten, not added to
    K().gather_sum(Y.data(), width, cols.data(), static_cast<count_t>(cols.size()), out.data());
    Eigen::VectorXd want = Eigen::VectorXd::Zero(width);
    for (index_t c : cols) want += Y.row(c).transpose().cast<double>();
    for (int i = 0; i < width; ++i) EXPECT_NEAR(out[i], want(i), 1e-4 * (1 + std::abs(want(i)))) << "width " << width << " i " << i;
  }
}
