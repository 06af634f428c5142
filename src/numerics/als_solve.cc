#include "src/numerics/als_solve.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "src/numerics/cholesky.h"
#include "src/numerics/syrk.h"

namespace crossmf {

namespace {

real* room(AlsWorkspace::Buffer& buffer, std::size_t size) {
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}

// Rows ahead of the one being copied whose neighbour rows are fetched early: the neighbours are
// scattered over a factor matrix larger than the caches.
constexpr count_t kPrefetch = 8;

// One pass over the neighbours: G[j] = the first k entries of other[cols[j]], zero-padded to
// w = padded(k) columns; t_j = values[j] - offset, less the neighbour's bias (other[cols[j]][k])
// when `minus_bias`; and the column sums weighted = G^T t, plain = G^T 1 while each row is in
// registers.
real* gather_padded(const RowProblem& row, int w, real offset, bool minus_bias, AlsWorkspace& ws) {
  real* g = room(ws.block, static_cast<std::size_t>(row.n) * w);
  real* t = room(ws.t, row.n);
  real* weighted = room(ws.rhs, w);
  real* plain = room(ws.sums, w);
  std::fill(weighted, weighted + w, real(0));
  std::fill(plain, plain + w, real(0));
  const auto source = [&](count_t j) { return row.other + static_cast<std::size_t>(row.cols[j]) * row.width; };
  for (count_t j = 0; j < row.n; ++j) {
    if (j + kPrefetch < row.n) {
      const real* ahead = source(j + kPrefetch);
      for (int i = 0; i < row.width; i += kLanes) __builtin_prefetch(ahead + i);
      __builtin_prefetch(ahead + row.width - 1);
    }
    const real* src = source(j);
    real* dst = g + j * w;
    t[j] = row.values[j] - offset - (minus_bias ? src[row.k] : real(0));
    for (int i = 0; i < w; i += kLanes) {
      Lanes x;
      if (i + kLanes <= row.k) {
        x = lanes_at(src + i);
      } else {
        x = Lanes{};
        std::memcpy(&x, src + i, sizeof(real) * (row.k - i));
      }
      lanes_at(dst + i) = x;
      lanes_at(weighted + i) += x * t[j];
      lanes_at(plain + i) += x;
    }
  }
  return g;
}

void set_nan(real* out, int d) { std::fill(out, out + d, std::numeric_limits<real>::quiet_NaN()); }

// Fewer ratings than unknowns: x = G^T (G G^T + cI)^-1 t with G = [F, 1] when biased.
void solve_pushed_through(const real* g, int w, const RowProblem& row, bool biases, real reg, const real* t, real* out,
                          AlsWorkspace& ws) {
  const int n = static_cast<int>(row.n), np = padded(n);
  Eigen::Map<const Matrix> G(g, n, w);
  Eigen::Map<ColMatrix> A(room(ws.normal, static_cast<std::size_t>(np) * np), np, np);
  auto small = A.topLeftCorner(n, n);
  small.setConstant(biases ? real(1) : real(0));
  small.selfadjointView<Eigen::Lower>().rankUpdate(G);
  small.diagonal().array() += reg;
  real* y = room(ws.rhs, np);
  std::copy(t, t + n, y);
  if (!cholesky_solve(A.data(), np, y, n)) return set_nan(out, row.k + biases);
  Eigen::Map<Vector> x(room(ws.sums, w), w);
  x.noalias() = G.transpose() * Eigen::Map<const Vector>(y, n);
  std::copy(x.data(), x.data() + row.k, out);
  if (biases) out[row.k] = Eigen::Map<const Vector>(y, n).sum();
}

}  // namespace

void solve_explicit_row(const RowProblem& row, bool biases, real mu, real lambda, real* out, AlsWorkspace& ws) {
  const int k = row.k, d = k + (biases ? 1 : 0), w = padded(k);
  if (row.n == 0) {  // no ratings: the regularised solution is zero
    std::fill(out, out + d, real(0));
    return;
  }
  const real* g = gather_padded(row, w, mu, biases, ws);
  const real* t = ws.t.data();
  const real reg = lambda * static_cast<real>(row.n);
  if (row.n < d) return solve_pushed_through(g, w, row, biases, reg, t, out, ws);

  real* a = room(ws.normal, static_cast<std::size_t>(w) * w);
  std::fill(a, a + static_cast<std::size_t>(w) * w, real(0));
  syrk_lower(g, w, row.n, w, a, w, real(1));
  real* b = ws.rhs.data();        // G^T t
  const real* s = ws.sums.data();  // G^T 1
  for (int i = 0; i < k; ++i) a[i * w + i] += reg;
  real t_sum = 0, q = 0;
  if (biases) {
    // Eliminate the bias: its equation is s.f + (n + reg) bias = sum t.
    for (count_t j = 0; j < row.n; ++j) t_sum += t[j];
    q = static_cast<real>(row.n) + reg;
    for (int c = 0; c < k; ++c) {
      const real sc = s[c] / q;
      for (int i = c / kLanes * kLanes; i < w; i += kLanes) lanes_at(a + c * w + i) -= lanes_at(s + i) * sc;
      b[c] -= sc * t_sum;
    }
  }
  if (!cholesky_solve(a, w, b, k)) return set_nan(out, d);
  std::copy(b, b + k, out);
  if (biases) {
    real sf = 0;
    for (int i = 0; i < k; ++i) sf += s[i] * b[i];
    out[k] = (t_sum - sf) / q;
  }
}

void solve_implicit_cholesky(const RowProblem& row, const ColMatrix& gram, real lambda, real* out, AlsWorkspace& ws) {
  const int k = row.k, w = padded(k);
  real* g = gather_padded(row, w, 0, false, ws);
  real* b = ws.rhs.data();  // sum c_j y_j
  for (count_t j = 0; j < row.n; ++j) {
    const real scale = std::sqrt(row.values[j] - real(1));
    for (int i = 0; i < k; ++i) g[j * w + i] *= scale;
  }
  real* a = room(ws.normal, static_cast<std::size_t>(w) * w);
  std::fill(a, a + static_cast<std::size_t>(w) * w, real(0));
  for (int c = 0; c < k; ++c) {
    std::copy(gram.col(c).data(), gram.col(c).data() + k, a + c * w);
    a[c * w + c] += lambda;
  }
  syrk_lower(g, w, row.n, w, a, w, real(1));
  if (!cholesky_solve(a, w, b, k)) return set_nan(out, k);
  std::copy(b, b + k, out);
}

void solve_implicit_cg(const RowProblem& row, const ColMatrix& gram, real lambda, int steps, real* out,
                       AlsWorkspace& ws) {
  const int k = row.k, w = padded(k);
  const Eigen::Map<const Matrix, 0, Eigen::OuterStride<>> G(gather_padded(row, w, 0, false, ws), row.n, k,
                                                            Eigen::OuterStride<>(w));
  Eigen::Map<Vector> x(out, k);
  Eigen::Map<const Vector> c(row.values, row.n);
  // r = b - A x = sum_j [c_j - (c_j - 1) y_j.x] y_j - (gram + lambda I) x
  ws.gx.noalias() = G * x;
  ws.ct = c.array() - (c.array() - real(1)) * ws.gx.array();
  ws.r.noalias() = G.transpose() * ws.ct;
  ws.r.noalias() -= gram * x;  // gram is stored full: a plain GEMV beats a symmetric one
  ws.r -= lambda * x;
  ws.p = ws.r;
  real rs_old = ws.r.squaredNorm();
  for (int s = 0; s < steps && rs_old > real(1e-20); ++s) {
    // A p = (gram + lambda I) p + sum_j (c_j - 1)(y_j.p) y_j
    ws.gx.noalias() = G * ws.p;
    ws.ct = (c.array() - real(1)) * ws.gx.array();
    ws.ap.noalias() = G.transpose() * ws.ct;
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
