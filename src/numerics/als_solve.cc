#include "src/numerics/als_solve.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace crossmf {

namespace {
// G[j] = first `k` entries of other[cols[j]], plus a trailing 1 when `ones`.
void gather(const RowProblem& row, bool ones, Matrix& G) {
  const int d = row.k + (ones ? 1 : 0);
  G.resize(row.n, d);
  for (count_t j = 0; j < row.n; ++j) {
    const real* src = row.other + static_cast<std::size_t>(row.cols[j]) * row.width;
    real* dst = G.data() + j * d;
    std::memcpy(dst, src, sizeof(real) * row.k);
    if (ones) dst[row.k] = 1;
  }
}
}  // namespace

bool cholesky_solve(real* A, real* b, int d) {
  for (int j = 0; j < d; ++j) {
    real* cj = A + static_cast<std::size_t>(j) * d;
    for (int p = 0; p < j; ++p) {
      const real* cp = A + static_cast<std::size_t>(p) * d;
      const real s = cp[j];
#pragma omp simd
      for (int i = j; i < d; ++i) cj[i] -= cp[i] * s;
    }
    if (!(cj[j] > 0)) return false;
    const real diag = std::sqrt(cj[j]), inv = real(1) / diag;
    cj[j] = diag;
#pragma omp simd
    for (int i = j + 1; i < d; ++i) cj[i] *= inv;
  }
  // L y = b (column-oriented), then L^T x = y (row of L^T = column of L).
  for (int j = 0; j < d; ++j) {
    const real* cj = A + static_cast<std::size_t>(j) * d;
    b[j] /= cj[j];
    const real bj = b[j];
#pragma omp simd
    for (int i = j + 1; i < d; ++i) b[i] -= cj[i] * bj;
  }
  for (int j = d - 1; j >= 0; --j) {
    const real* cj = A + static_cast<std::size_t>(j) * d;
    real s = b[j];
#pragma omp simd reduction(- : s)
    for (int i = j + 1; i < d; ++i) s -= cj[i] * b[i];
    b[j] = s / cj[j];
  }
  return true;
}

void solve_explicit_row(const RowProblem& row, bool biases, real mu, real lambda, real* out, AlsWorkspace& ws) {
  const int d = row.k + (biases ? 1 : 0);
  if (row.n == 0) {  // no ratings: the regularised solution is zero
    std::fill(out, out + d, real(0));
    return;
  }
  gather(row, biases, ws.G);
  ws.t.resize(row.n);
  for (count_t j = 0; j < row.n; ++j) {
    const real other_bias = biases ? row.other[static_cast<std::size_t>(row.cols[j]) * row.width + row.k] : real(0);
    ws.t[j] = row.values[j] - mu - other_bias;
  }
  const real reg = lambda * static_cast<real>(row.n);
  Eigen::Map<Vector> x(out, d);
  if (row.n < d) {
    const int n = static_cast<int>(row.n);
    ws.A.setZero(n, n);
    ws.A.selfadjointView<Eigen::Lower>().rankUpdate(ws.G);
    ws.A.diagonal().array() += reg;
    ws.b = ws.t;
    if (!cholesky_solve(ws.A.data(), ws.b.data(), n)) x.setConstant(std::numeric_limits<real>::quiet_NaN());
    else x.noalias() = ws.G.transpose() * ws.b;
    return;
  }
  ws.A.setZero(d, d);
  ws.A.selfadjointView<Eigen::Lower>().rankUpdate(ws.G.transpose());
  ws.A.diagonal().array() += reg;
  x.noalias() = ws.G.transpose() * ws.t;
  if (!cholesky_solve(ws.A.data(), out, d)) x.setConstant(std::numeric_limits<real>::quiet_NaN());
}

void solve_implicit_cholesky(const RowProblem& row, const ColMatrix& gram, real lambda, real* out, AlsWorkspace& ws) {
  const int k = row.k;
  gather(row, false, ws.G);
  ws.t = Eigen::Map<const Vector>(row.values, row.n);  // confidences
  ws.b.noalias() = ws.G.transpose() * ws.t;            // sum c_j y_j
  for (count_t j = 0; j < row.n; ++j) ws.G.row(j) *= std::sqrt(ws.t[j] - real(1));
  ws.A = gram;
  ws.A.selfadjointView<Eigen::Lower>().rankUpdate(ws.G.transpose());
  ws.A.diagonal().array() += lambda;
  Eigen::Map<Vector> x(out, k);
  x = ws.b;
  if (!cholesky_solve(ws.A.data(), out, k)) x.setConstant(std::numeric_limits<real>::quiet_NaN());
}

void solve_implicit_cg(const RowProblem& row, const ColMatrix& gram, real lambda, int steps, real* out,
                       AlsWorkspace& ws) {
  const int k = row.k;
  gather(row, false, ws.G);
  Eigen::Map<Vector> x(out, k);
  Eigen::Map<const Vector> c(row.values, row.n);
  // r = b - A x = sum_j [c_j - (c_j - 1) y_j.x] y_j - (gram + lambda I) x
  ws.gx.noalias() = ws.G * x;
  ws.t = c.array() - (c.array() - real(1)) * ws.gx.array();
  ws.r.noalias() = ws.G.transpose() * ws.t;
  ws.r.noalias() -= gram * x;  // gram is stored full: a plain GEMV beats a symmetric one
  ws.r -= lambda * x;
  ws.p = ws.r;
  real rs_old = ws.r.squaredNorm();
  for (int s = 0; s < steps && rs_old > real(1e-20); ++s) {
    // A p = (gram + lambda I) p + sum_j (c_j - 1)(y_j.p) y_j
    ws.gx.noalias() = ws.G * ws.p;
    ws.t = (c.array() - real(1)) * ws.gx.array();
    ws.ap.noalias() = ws.G.transpose() * ws.t;
    ws.ap.noalias() += gram * ws.p;
    ws.ap += lambda * ws.p;
    const real pap = ws.p.dot(ws.ap);
    if (!(pap > 0)) break;
    const real a = rs_old / pap;
    x += a * ws.p;
    ws.r -= a * ws.ap;
    const real rs_new = ws.r.squaredNorm();
    ws.p = ws.r + (rs_new / rs_old) * ws.p;
    rs_old = rs_new;
  }
}

double explicit_row_flops(count_t n, int d) {
  // SYRK (n d^2), GEMV (2 n d), Cholesky (d^3 / 3) and two triangular solves (2 d^2); with
  // fewer ratings than unknowns, the n x n system instead.
  if (n < d) return static_cast<double>(n) * n * d + 2.0 * n * d + n * n * n / 3.0 + 2.0 * n * n;
  return static_cast<double>(n) * d * d + 2.0 * n * d + d * d * d / 3.0 + 2.0 * d * d;
}
double implicit_cg_row_flops(count_t n, int k, int steps) {
  // Residual and each step: two GEMVs with G (4 n k) and one with the Gram matrix (2 k^2).
  return (steps + 1) * (4.0 * n * k + 2.0 * k * k);
}
double implicit_cholesky_row_flops(count_t n, int k) {
  return static_cast<double>(n) * k * k + 2.0 * n * k + k * k * k / 3.0 + 2.0 * k * k;
}

}  // namespace crossmf
