// The per-row ALS kernels against an independent dense solve in double precision: QR of the
// stacked least-squares system, never the normal equations the kernels build.
#include <gtest/gtest.h>

#include "src/numerics/als_solve.h"
#include "src/numerics/random.h"
#include "tests/dense_reference.h"

using namespace crossmf;
using crossmf::testing::dense_solve;
using crossmf::testing::explicit_dense;

namespace {

Matrix random_rows(int rows, int width, std::uint64_t seed) {
  Rng rng(seed);
  Matrix m(rows, width);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < width; ++c) m(r, c) = static_cast<real>(rng.normal() * 0.5);
  return m;
}

double rel_err(const real* got, const Eigen::VectorXd& want) {
  Eigen::VectorXd g = Eigen::Map<const Vector>(got, want.size()).cast<double>();
  return (g - want).norm() / want.norm();
}

}  // namespace

TEST(AlsSolve, ExplicitRowWithBiasesEqualsDenseLeastSquares) {
  const int k = 5, items = 40, n = 17;
  const real mu = 3.2f, lambda = 0.07f;
  Matrix other = random_rows(items, k + 1, 1);  // [f, bias]
  std::vector<index_t> cols;
  std::vector<real> vals;
  Rng rng(2);
  for (int j = 0; j < n; ++j) { cols.push_back(static_cast<index_t>(j * 2 + 1)); vals.push_back(static_cast<real>(1 + 4 * rng.uniform())); }
  std::vector<real> out(k + 1, 0);
  AlsWorkspace ws;
  solve_explicit_row({other.data(), k + 1, k, cols.data(), vals.data(), n}, true, mu, lambda, out.data(), ws);

  std::vector<std::pair<index_t, real>> nb;
  for (int j = 0; j < n; ++j) nb.push_back({cols[j], vals[j]});
  Eigen::VectorXd want = explicit_dense(nb, other, k, mu, lambda);
  EXPECT_LT(rel_err(out.data(), want), 1e-6);
}

TEST(AlsSolve, ExplicitRowWithFewerRatingsThanFactorsEqualsDenseLeastSquares) {
  const int k = 20, n = 7;  // n < k + 1: the n x n (push-through) path
  const real mu = 2.5f, lambda = 0.2f;
  Matrix other = random_rows(30, k + 1, 11);
  std::vector<index_t> cols{1, 4, 9, 12, 20, 25, 29};
  std::vector<real> vals{1, 5, 3, 4, 2, 5, 4};
  std::vector<real> out(k + 1, 0);
  AlsWorkspace ws;
  solve_explicit_row({other.data(), k + 1, k, cols.data(), vals.data(), n}, true, mu, lambda, out.data(), ws);
  std::vector<std::pair<index_t, real>> nb;
  for (int j = 0; j < n; ++j) nb.push_back({cols[j], vals[j]});
  EXPECT_LT(rel_err(out.data(), explicit_dense(nb, other, k, mu, lambda)), 1e-5);
}

TEST(AlsSolve, CholeskySolveEqualsDenseSolveAndRejectsIndefinite) {
  const int d = 65;
  Matrix M = random_rows(d + 10, d, 12);
  ColMatrix A = (M.transpose() * M).eval();
  A.diagonal().array() += 0.5f;
  Vector b = Vector::LinSpaced(d, -1, 1);
  Eigen::VectorXd want = A.cast<double>().llt().solve(b.cast<double>());
  ColMatrix work = A;
  Vector x = b;
  ASSERT_TRUE(cholesky_solve(work.data(), x.data(), d));
  EXPECT_LT(rel_err(x.data(), want), 1e-4);
  ColMatrix bad = ColMatrix::Identity(3, 3);
  bad(1, 1) = -1;
  Vector y = Vector::Ones(3);
  EXPECT_FALSE(cholesky_solve(bad.data(), y.data(), 3));
}

TEST(AlsSolve, ExplicitRowWithoutRatingsIsZero) {
  Matrix other = random_rows(3, 4, 3);
  std::vector<real> out(4, 9);
  AlsWorkspace ws;
  solve_explicit_row({other.data(), 4, 3, nullptr, nullptr, 0}, true, 1.0f, 0.1f, out.data(), ws);
  for (real v : out) EXPECT_EQ(v, 0);
}

// Implicit objective written out over every item: sum_i c_i (p_i - y_i.x)^2 + lambda |x|^2.
class ImplicitRow : public ::testing::Test {
 protected:
  const int k = 6, items = 50;
  const real lambda = 0.3f;
  Matrix Y = random_rows(items, k, 4);
  std::vector<index_t> cols{0, 3, 7, 8, 20, 33, 41, 49};
  std::vector<real> conf{2.0f, 5.0f, 1.5f, 9.0f, 3.0f, 2.5f, 11.0f, 4.0f};
  ColMatrix gram = (Y.transpose() * Y).eval();
  Eigen::VectorXd dense() const {
    Eigen::VectorXd w = Eigen::VectorXd::Ones(items), p = Eigen::VectorXd::Zero(items);
    for (std::size_t j = 0; j < cols.size(); ++j) { w(cols[j]) = conf[j]; p(cols[j]) = 1; }
    return dense_solve(Y.cast<double>(), p, w, lambda);
  }
  RowProblem row() const { return {Y.data(), k, k, cols.data(), conf.data(), static_cast<count_t>(cols.size())}; }
};

TEST_F(ImplicitRow, CholeskyEqualsDenseWeightedLeastSquares) {
  std::vector<real> out(k, 0);
  AlsWorkspace ws;
  solve_implicit_cholesky(row(), gram, lambda, out.data(), ws);
  EXPECT_LT(rel_err(out.data(), dense()), 1e-5);
}

TEST_F(ImplicitRow, ConjugateGradientConvergesToTheExactSolution) {
  std::vector<real> out(k, 0);
  AlsWorkspace ws;
  solve_implicit_cg(row(), gram, lambda, 2, out.data(), ws);
  const double after_two = rel_err(out.data(), dense());
  solve_implicit_cg(row(), gram, lambda, k, out.data(), ws);  // warm start from the two steps
  EXPECT_LT(rel_err(out.data(), dense()), 1e-4);
  EXPECT_LT(rel_err(out.data(), dense()), after_two);
}
