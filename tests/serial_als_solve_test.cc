// The per-row ALS kernels against an independent dense solve in double precision: QR of the
// stacked least-squares system, never the normal equations the kernels build.
#include <gtest/gtest.h>

#include <limits>

#include "src/numerics/random.h"
#include "tests/dense_reference.h"
#include "tests/kernel_levels.h"

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

// Factor rows as the kernels take them (RowProblem): padded(k) floats a row, zero past k.
Matrix padded_rows(const Matrix& m, int k) {
  Matrix p = Matrix::Zero(m.rows(), padded(k));
  p.leftCols(k) = m.leftCols(k);
  return p;
}

// ALS-WR's regularisation of a row with n ratings: lambda n on the factors and the bias.
ExplicitRow als_wr(bool biases, real mu, real lambda, count_t n) {
  ExplicitRow how;
  how.biases = biases;
  how.mu = mu;
  how.factor_reg = how.bias_reg = lambda * static_cast<real>(n);
  return how;
}

double rel_err(const real* got, const Eigen::VectorXd& want) {
  Eigen::VectorXd g = Eigen::Map<const Vector>(got, want.size()).cast<double>();
  return (g - want).norm() / want.norm();
}

class AlsSolve : public crossmf::testing::EveryLevel {};
CROSSMF_AT_EVERY_LEVEL(AlsSolve);

}  // namespace

TEST_P(AlsSolve, ExplicitRowWithBiasesEqualsDenseLeastSquares) {
  const int k = 5, items = 40, n = 17;
  const real mu = 3.2f, lambda = 0.07f;
  Matrix other = random_rows(items, k + 1, 1);  // [f, bias]
  std::vector<index_t> cols;
  std::vector<real> vals;
  Rng rng(2);
  for (int j = 0; j < n; ++j) { cols.push_back(static_cast<index_t>(j * 2 + 1)); vals.push_back(static_cast<real>(1 + 4 * rng.uniform())); }
  std::vector<real> out(k + 1, 0);
  AlsWorkspace ws;
  const Matrix rows = padded_rows(other, k);
  const Vector bias = other.col(k);
  K().solve_explicit_row({rows.data(), k, cols.data(), vals.data(), n, bias.data()}, als_wr(true, mu, lambda, n), out.data(), ws);

  std::vector<std::pair<index_t, real>> nb;
  for (int j = 0; j < n; ++j) nb.push_back({cols[j], vals[j]});
  Eigen::VectorXd want = explicit_dense(nb, other, k, mu, lambda);
  EXPECT_LT(rel_err(out.data(), want), 1e-6);
}

TEST_P(AlsSolve, ExplicitRowWithFewerRatingsThanFactorsEqualsDenseLeastSquares) {
  const int k = 20, n = 7;  // n < k + 1: the n x n (push-through) path
  const real mu = 2.5f, lambda = 0.2f;
  Matrix other = random_rows(30, k + 1, 11);
  std::vector<index_t> cols{1, 4, 9, 12, 20, 25, 29};
  std::vector<real> vals{1, 5, 3, 4, 2, 5, 4};
  std::vector<real> out(k + 1, 0);
  AlsWorkspace ws;
  const Matrix rows = padded_rows(other, k);
  const Vector bias = other.col(k);
  K().solve_explicit_row({rows.data(), k, cols.data(), vals.data(), n, bias.data()}, als_wr(true, mu, lambda, n), out.data(), ws);
  std::vector<std::pair<index_t, real>> nb;
  for (int j = 0; j < n; ++j) nb.push_back({cols[j], vals[j]});
  EXPECT_LT(rel_err(out.data(), explicit_dense(nb, other, k, mu, lambda)), 1e-5);
}

// Sizes around the 16-wide blocks of the kernels: below, at and past a block edge, the ALS
// default 64 (and 65 with the bias), and more than one 128-vector chunk of the SYRK.
TEST_P(AlsSolve, SyrkLowerEqualsDenseProductOnAndBelowTheBlockDiagonal) {
  for (int w : {16, 48, 64, 112})
    for (int count : {1, 5, 130, 300}) {
      const int stride = w + 16, ldc = w + 32;
      Matrix V = random_rows(count, stride, 100 + w + count);
      ColMatrix C = random_rows(ldc, w, 7);  // sign -1 updates an existing matrix
      const ColMatrix before = C;
      K().syrk_lower(V.data(), stride, count, w, C.data(), ldc, real(-1), false);
      const Eigen::MatrixXd Vd = V.leftCols(w).cast<double>();
      const Eigen::MatrixXd want = before.topRows(w).cast<double>() - Vd.transpose() * Vd;
      for (int c = 0; c < w; ++c)
        for (int i = 0; i < ldc; ++i) {
          SCOPED_TRACE(::testing::Message() << "w " << w << " count " << count << " C(" << i << ", " << c << ")");
          if (i < w && i / K().lanes >= c / K().lanes) EXPECT_NEAR(C(i, c), want(i, c), 1e-4 * (1 + std::abs(want(i, c))));
          else EXPECT_EQ(C(i, c), before(i, c));  // above the block diagonal, or past w: untouched
        }
    }
}

// The rows read through a list of their addresses, in an order other than the storage's; with
// lists of rows to request meanwhile (none, fewer than the tiles take, more), which must not
// change the product. Counts not a multiple of the vectors between two requests.
TEST_P(AlsSolve, SyrkLowerOfListedRowsEqualsDenseProduct) {
  for (int w : {16, 64, 112})
    for (int count : {1, 13, 130, 300})
      for (int ahead : {0, 5, 400}) {
        Matrix V = random_rows(2 * count, w, 300 + w + count);
        std::vector<const real*> rows, next;
        for (int p = 0; p < count; ++p) rows.push_back(V.row((p * 7) % (2 * count)).data());
        for (int p = 0; p < ahead; ++p) next.push_back(V.row((p * 3) % (2 * count)).data());
        ColMatrix C = random_rows(w, w, 8);
        const ColMatrix before = C;
        K().syrk_rows(rows.data(), count, w, C.data(), w, real(1), false, next.data(), ahead);
        Eigen::MatrixXd want = before.cast<double>();
        for (const real* r : rows) {
          const Eigen::VectorXd v = Eigen::Map<const Vector>(r, w).cast<double>();
          want += v * v.transpose();
        }
        for (int c = 0; c < w; ++c)
          for (int i = c / K().lanes * K().lanes; i < w; ++i) {
            SCOPED_TRACE(::testing::Message() << "w " << w << " count " << count << " ahead " << ahead << " C(" << i
                                              << ", " << c << ")");
            EXPECT_NEAR(C(i, c), want(i, c), 1e-4 * (1 + std::abs(want(i, c))));
          }
    }
}

TEST_P(AlsSolve, SyrkLowerOverwriteSetsTheBlocksOnAndBelowTheDiagonal) {
  for (int w : {16, 64, 112})
    for (int count : {0, 5, 300}) {
      Matrix V = random_rows(std::max(count, 1), w, 200 + w + count);
      ColMatrix C = ColMatrix::Constant(w, w, std::numeric_limits<real>::quiet_NaN());
      K().syrk_lower(V.data(), w, count, w, C.data(), w, real(1), true);
      const Eigen::MatrixXd Vd = V.topRows(count).cast<double>();
      const Eigen::MatrixXd want = Vd.transpose() * Vd;
      for (int c = 0; c < w; ++c)
        for (int i = c / K().lanes * K().lanes; i < w; ++i) {
          SCOPED_TRACE(::testing::Message() << "w " << w << " count " << count << " C(" << i << ", " << c << ")");
          EXPECT_NEAR(C(i, c), want(i, c), 1e-4 * (1 + std::abs(want(i, c))));
        }
    }
}

// The Gram matrix of the implicit half-steps, from rows `ld` apart (a block of a factor matrix
// with biases past the k factors), at widths around the vectors of every level.
TEST_P(AlsSolve, GramEqualsDenseProduct) {
  for (int k : {1, 7, 16, 64, 100})
    for (int count : {0, 1, 33, 500}) {
      SCOPED_TRACE(::testing::Message() << "k " << k << " count " << count);
      const int ld = k + 3;
      const Matrix rows = random_rows(std::max(count, 1), ld, 90 + k + count);
      ColMatrix got = ColMatrix::Constant(k, k, std::numeric_limits<real>::quiet_NaN());
      K().gram(rows.data(), count, k, ld, got.data());
      const Eigen::MatrixXd block = rows.topLeftCorner(count, k).cast<double>();
      const Eigen::MatrixXd want = block.transpose() * block;
      for (int c = 0; c < k; ++c)
        for (int r = 0; r < k; ++r) EXPECT_NEAR(got(r, c), want(r, c), 1e-4 * (1 + std::abs(want(r, c))));
    }
}

TEST_P(AlsSolve, CholeskySolveEqualsDenseSolve) {
  for (int d : {1, 3, 15, 16, 17, 33, 64, 65, 100}) {
    SCOPED_TRACE(::testing::Message() << "d " << d);
    Matrix M = random_rows(d + 10, d, 12 + d);
    ColMatrix A = (M.transpose() * M).eval();
    A.diagonal().array() += 0.5f;
    const Vector b = Vector::LinSpaced(d, -1, 1);
    const Eigen::VectorXd want = A.cast<double>().llt().solve(b.cast<double>());
    const int lda = padded(d) + 16;  // a leading dimension past the padded order works too
    ColMatrix work = ColMatrix::Constant(lda, lda, real(99));
    work.topLeftCorner(d, d) = A;
    work.topLeftCorner(d, d).triangularView<Eigen::StrictlyUpper>().setConstant(real(99));  // never read
    Vector x = Vector::Zero(padded(d));
    x.head(d) = b;
    ASSERT_TRUE(K().cholesky_solve(work.data(), lda, x.data(), d));
    EXPECT_LT(rel_err(x.data(), want), 1e-4);
  }
}

TEST_P(AlsSolve, CholeskySolveRejectsIndefiniteMatrices) {
  for (int bad_at : {1, 20, 37}) {  // a negative pivot in the first, second or third block
    const int d = 40, lda = padded(d);
    ColMatrix A = ColMatrix::Identity(lda, lda);
    A(bad_at, bad_at) = -1;
    Vector y = Vector::Ones(lda);
    EXPECT_FALSE(K().cholesky_solve(A.data(), lda, y.data(), d)) << bad_at;
  }
}

// Every path of the explicit kernel (push-through n < d, n = d, the normal equations, more
// ratings than one SYRK chunk) at widths that are not, and are, whole 16-wide blocks; with and
// without the next rows' neighbours named after the row's own (RowProblem::ahead, fetched early,
// never part of the solve).
TEST_P(AlsSolve, ExplicitRowsOfEveryShapeEqualDenseLeastSquares) {
  const real mu = 3.1f, lambda = 0.05f;
  for (bool biases : {true, false})
    for (int k : {1, 3, 64, 100})
      for (count_t ahead : {0, 150}) {
        const int d = k + (biases ? 1 : 0), items = 400;
        Matrix other = random_rows(items, d, 40 + k);
        for (int n : {std::max(1, d / 2), d, d + 1, 300}) {
          SCOPED_TRACE(::testing::Message() << "biases " << biases << " k " << k << " n " << n << " ahead " << ahead);
          Rng rng(50 + n);
          std::vector<index_t> cols;
          std::vector<real> vals;
          for (int j = 0; j < n + ahead; ++j) {
            cols.push_back(static_cast<index_t>((j * 7 + k) % items));  // distinct while n <= items
            vals.push_back(static_cast<real>(1 + 4 * rng.uniform()));
          }
          std::vector<real> out(d, 0);
          AlsWorkspace ws;
          const Matrix rows = padded_rows(other, k);
          const Vector bias = other.col(d - 1);
          K().solve_explicit_row({rows.data(), k, cols.data(), vals.data(), n, biases ? bias.data() : nullptr, ahead},
                                 als_wr(biases, mu, lambda, n), out.data(), ws);
          Eigen::VectorXd want;
          if (biases) {
            std::vector<std::pair<index_t, real>> nb;
            for (int j = 0; j < n; ++j) nb.push_back({cols[j], vals[j]});
            want = explicit_dense(nb, other, k, mu, lambda);
          } else {
            Eigen::MatrixXd A(n, k);
            Eigen::VectorXd t(n);
            for (int j = 0; j < n; ++j) { A.row(j) = other.row(cols[j]).cast<double>(); t(j) = vals[j] - mu; }
            want = dense_solve(A, t, Eigen::VectorXd::Ones(n), lambda * n);
          }
          EXPECT_LT(rel_err(out.data(), want), 1e-4);
        }
    }
}

// Per-unknown precisions and prior means (a Gibbs step's prior, or a bias regularised apart from
// the factors): min sum_j (t_j - g_j.x)^2 + sum_i c_i (x_i - m_i)^2, solved densely by QR of
// [G; sqrt(C)] x = [t; sqrt(C) m]. Rows with fewer ratings than unknowns (push-through) and more.
TEST_P(AlsSolve, ExplicitRowWithPriorPrecisionsAndMeansEqualsDenseRidge) {
  const real mu = 3.5f;
  for (bool biases : {true, false})
    for (int k : {3, 20, 64})
      for (int n : {2, 40}) {
        SCOPED_TRACE(::testing::Message() << "biases " << biases << " k " << k << " n " << n);
        const int d = k + (biases ? 1 : 0), items = 120;
        const Matrix other = random_rows(items, k + 1, 500 + k);
        Rng rng(501 + n);
        std::vector<index_t> cols;
        std::vector<real> vals, precision(k + 1), mean(k + 1);
        for (int j = 0; j < n; ++j) { cols.push_back(static_cast<index_t>((j * 13 + 5) % items)); vals.push_back(static_cast<real>(1 + 4 * rng.uniform())); }
        for (int i = 0; i <= k; ++i) { precision[i] = static_cast<real>(0.3 + 2 * rng.uniform()); mean[i] = static_cast<real>(rng.normal() * 0.2); }
        ExplicitRow how;
        how.biases = biases;
        how.mu = mu;
        how.precision = precision.data();
        how.mean = mean.data();
        std::vector<real> out(d, 0);
        AlsWorkspace ws;
        const Matrix rows = padded_rows(other, k);
        const Vector bias = other.col(k);
        K().solve_explicit_row({rows.data(), k, cols.data(), vals.data(), n, biases ? bias.data() : nullptr}, how,
                               out.data(), ws);
        Eigen::MatrixXd S = Eigen::MatrixXd::Zero(n + d, d);
        Eigen::VectorXd b = Eigen::VectorXd::Zero(n + d);
        for (int j = 0; j < n; ++j) {
          S.row(j).head(k) = other.row(cols[j]).head(k).cast<double>();
          if (biases) S(j, k) = 1;
          b(j) = vals[j] - mu - (biases ? other(cols[j], k) : 0);
        }
        for (int i = 0; i < d; ++i) { S(n + i, i) = std::sqrt(precision[i]); b(n + i) = std::sqrt(precision[i]) * mean[i]; }
        EXPECT_LT(rel_err(out.data(), S.householderQr().solve(b)), 1e-4);
      }
}

// A Gibbs draw is the solution plus draw_scale L^-T z: linear in the normal draws z, so drawing
// with z = 0 and with each unit vector gives the map M, whose M M^T must be draw_scale^2 times
// the inverse of the row's full normal matrix (factors and bias together) from a dense build.
TEST_P(AlsSolve, ExplicitRowDrawHasThePosteriorMeanAndCovariance) {
  const int k = 20, d = k + 1, n = 60, items = 90;
  const real mu = 3, scale = 0.7f;
  const Matrix other = random_rows(items, k + 1, 600);
  std::vector<index_t> cols;
  std::vector<real> vals, precision(d, 1.5f), mean(d, 0.1f);
  Rng rng(601);
  for (int j = 0; j < n; ++j) { cols.push_back(static_cast<index_t>(j)); vals.push_back(static_cast<real>(1 + 4 * rng.uniform())); }
  const Matrix rows = padded_rows(other, k);
  const Vector bias = other.col(k);
  auto draw = [&](const std::vector<real>& z) {
    ExplicitRow how;
    how.mu = mu;
    how.precision = precision.data();
    how.mean = mean.data();
    how.draw = z.data();
    how.draw_scale = scale;
    std::vector<real> out(d);
    AlsWorkspace ws;
    K().solve_explicit_row({rows.data(), k, cols.data(), vals.data(), n, bias.data()}, how, out.data(), ws);
    return Eigen::Map<const Vector>(out.data(), d).cast<double>().eval();
  };
  const Eigen::VectorXd at_zero = draw(std::vector<real>(d, 0));
  Eigen::MatrixXd M(d, d);
  for (int i = 0; i < d; ++i) {
    std::vector<real> z(d, 0);
    z[i] = 1;
    M.col(i) = draw(z) - at_zero;
  }
  Eigen::MatrixXd G(n, d);
  Eigen::VectorXd t(n);
  for (int j = 0; j < n; ++j) {
    G.row(j).head(k) = other.row(cols[j]).head(k).cast<double>();
    G(j, k) = 1;
    t(j) = vals[j] - mu - other(cols[j], k);
  }
  Eigen::MatrixXd A = G.transpose() * G;
  A.diagonal().array() += 1.5;
  const Eigen::VectorXd want_mean = A.ldlt().solve(G.transpose() * t + 1.5 * Eigen::VectorXd::Constant(d, 0.1));
  EXPECT_LT((at_zero - want_mean).norm() / want_mean.norm(), 1e-4);
  const Eigen::MatrixXd want_cov = scale * scale * A.inverse();
  EXPECT_LT((M * M.transpose() - want_cov).norm() / want_cov.norm(), 1e-4);
}

TEST_P(AlsSolve, ExplicitRowWithoutRatingsIsZero) {
  Matrix other = random_rows(3, 4, 3);
  std::vector<real> out(4, 9);
  AlsWorkspace ws;
  K().solve_explicit_row({other.data(), 3, nullptr, nullptr, 0}, als_wr(true, 1.0f, 0.1f, 0), out.data(), ws);
  for (real v : out) EXPECT_EQ(v, 0);
}

// Implicit objective written out over every item: sum_i c_i (p_i - y_i.x)^2 + lambda |x|^2.
class ImplicitRow : public crossmf::testing::EveryLevel {
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
  Matrix rows = padded_rows(Y, k);
  RowProblem row() const { return {rows.data(), k, cols.data(), conf.data(), static_cast<count_t>(cols.size())}; }
};
CROSSMF_AT_EVERY_LEVEL(ImplicitRow);

TEST_P(ImplicitRow, CholeskyEqualsDenseWeightedLeastSquares) {
  std::vector<real> out(k, 0);
  AlsWorkspace ws;
  K().solve_implicit_cholesky(row(), gram.data(), lambda, out.data(), ws);
  EXPECT_LT(rel_err(out.data(), dense()), 1e-5);
}

TEST_P(AlsSolve, ImplicitCholeskyAtEveryWidthEqualsDense) {
  const real lambda = 0.2f;
  const int items = 300;
  for (int k : {1, 3, 64, 100}) {
    SCOPED_TRACE(::testing::Message() << "k " << k);
    Matrix Y = random_rows(items, k, 60 + k);
    const ColMatrix gram = (Y.transpose() * Y).eval();
    std::vector<index_t> cols;
    std::vector<real> conf;
    for (int j = 0; j < 150; ++j) { cols.push_back(static_cast<index_t>(2 * j)); conf.push_back(1.5f + (j % 7)); }
    std::vector<real> out(k, 0);
    AlsWorkspace ws;
    const Matrix rows = padded_rows(Y, k);
    K().solve_implicit_cholesky({rows.data(), k, cols.data(), conf.data(), 150}, gram.data(), lambda, out.data(), ws);
    Eigen::VectorXd w = Eigen::VectorXd::Ones(items), p = Eigen::VectorXd::Zero(items);
    for (std::size_t j = 0; j < cols.size(); ++j) { w(cols[j]) = conf[j]; p(cols[j]) = 1; }
    EXPECT_LT(rel_err(out.data(), dense_solve(Y.cast<double>(), p, w, lambda)), 1e-4);
  }
}

TEST_P(ImplicitRow, ConjugateGradientConvergesToTheExactSolution) {
  std::vector<real> out(k, 0);
  AlsWorkspace ws;
  K().solve_implicit_cg(row(), gram.data(), lambda, 2, out.data(), ws);
  const double after_two = rel_err(out.data(), dense());
  K().solve_implicit_cg(row(), gram.data(), lambda, k, out.data(), ws);  // warm start from the two steps
  EXPECT_LT(rel_err(out.data(), dense()), 1e-4);
  EXPECT_LT(rel_err(out.data(), dense()), after_two);
}

// CG past one 16-row group of its fused passes and one 256-row chunk of the gather, at widths
// that are not, and are, whole 16-wide blocks (k = 100: a second 64-column pass of the gather),
// reading the neighbour rows in place and, past 4,096 neighbours, from a copy.
TEST_P(AlsSolve, ImplicitConjugateGradientAtEveryWidthConvergesToDense) {
  const real lambda = 0.2f;
  for (auto [k, n] : {std::pair{3, 300}, {64, 300}, {100, 300}, {64, 5000}}) {
    SCOPED_TRACE(::testing::Message() << "k " << k << " n " << n);
    const int items = 2 * n + 100;
    Matrix Y = random_rows(items, k, 70 + k);
    const ColMatrix gram = (Y.transpose() * Y).eval();
    std::vector<index_t> cols;
    std::vector<real> conf;
    for (int j = 0; j < n; ++j) { cols.push_back(static_cast<index_t>(2 * j + 1)); conf.push_back(1.5f + (j % 5)); }
    Eigen::VectorXd w = Eigen::VectorXd::Ones(items), p = Eigen::VectorXd::Zero(items);
    for (int j = 0; j < n; ++j) { w(cols[j]) = conf[j]; p(cols[j]) = 1; }
    std::vector<real> out(k, 0);
    AlsWorkspace ws;
    const Matrix rows = padded_rows(Y, k);
    K().solve_implicit_cg({rows.data(), k, cols.data(), conf.data(), n}, gram.data(), lambda, 3 * k, out.data(), ws);
    EXPECT_LT(rel_err(out.data(), dense_solve(Y.cast<double>(), p, w, lambda)), 1e-3);
  }
}
