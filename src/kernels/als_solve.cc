#include "src/kernels/als_solve.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "src/base/timer.h"
#include "src/kernels/cholesky.h"
#include "src/numerics/dense.h"
#include "src/kernels/syrk.h"

namespace crossmf::CROSSMF_LEVEL {

namespace {

real* room(AlsWorkspace::Buffer& buffer, std::size_t size) {
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}

// Rows ahead of the one being fetched whose lines are requested early: the neighbours are
// scattered over a factor matrix larger than the caches.
constexpr count_t kPrefetch = 8;

// Neighbours per step of the gather: their rows (64 x 4 cache lines for k = 64) are still in L1
// when the SYRK adds them, beside the next chunk's, which it requests meanwhile.
constexpr count_t kGatherChunk = 64;

// Past this many neighbours the implicit CG copies their rows together: it reads them four
// times, and scattered rows that no longer fit in L2 (1 MiB of them for k = 64) would each time
// be fetched from memory again.
constexpr count_t kInPlaceRows = 4096;

// Neighbours j0 .. j1: rows[j] = the address of the neighbour's row, t_j = values[j] - offset
// (less the neighbour's bias when `minus_bias`), and the sums weighted += G^T t, plain += G^T 1
// over columns [i0, i0 + L kLanes), added up in registers. The first of a chunk's passes
// (`Fetch`) also requests the lines of the rows kPrefetch ahead, unless the SYRK requested them
// already (neighbours before `requested`), and their biases.
template <int L, bool Fetch>
void fetch_lanes(const RowProblem& row, count_t j0, count_t j1, int i0, real offset, bool minus_bias, count_t requested,
                 const real** rows, real* t, real* weighted, real* plain) {
  const int w = padded(row.k);
  Lanes weighted_sum[L], plain_sum[L];
#pragma GCC unroll 4
  for (int l = 0; l < L; ++l) {
    weighted_sum[l] = lanes_at(weighted + i0 + l * kLanes);
    plain_sum[l] = lanes_at(plain + i0 + l * kLanes);
  }
  for (count_t j = j0; j < j1; ++j) {
    if (Fetch) {
      if (j + kPrefetch < row.n + row.ahead) {
        const index_t next = row.cols[j + kPrefetch];
        if (j + kPrefetch >= requested)
          for (int i = 0; i < w; i += kRowPad) __builtin_prefetch(row.other + static_cast<std::size_t>(next) * w + i);
        if (minus_bias) __builtin_prefetch(row.bias + next);
      }
      rows[j] = row.other + static_cast<std::size_t>(row.cols[j]) * w;
      t[j] = row.values[j] - offset - (minus_bias ? row.bias[row.cols[j]] : real(0));
    }
    const real* src = rows[j] + i0;
#pragma GCC unroll 4
    for (int l = 0; l < L; ++l) {
      const Lanes x = lanes_at(src + l * kLanes);
      weighted_sum[l] += x * t[j];
      plain_sum[l] += x;
    }
  }
#pragma GCC unroll 4
  for (int l = 0; l < L; ++l) {
    lanes_at(weighted + i0 + l * kLanes) = weighted_sum[l];
    lanes_at(plain + i0 + l * kLanes) = plain_sum[l];
  }
}

template <bool Fetch>
void fetch_columns(const RowProblem& row, count_t j0, count_t j1, int i0, real offset, bool minus_bias,
                   count_t requested, const real** rows, real* t, real* weighted, real* plain) {
  switch ((padded(row.k) - i0) / kLanes) {
    case 1: return fetch_lanes<1, Fetch>(row, j0, j1, i0, offset, minus_bias, requested, rows, t, weighted, plain);
    case 2: return fetch_lanes<2, Fetch>(row, j0, j1, i0, offset, minus_bias, requested, rows, t, weighted, plain);
    case 3: return fetch_lanes<3, Fetch>(row, j0, j1, i0, offset, minus_bias, requested, rows, t, weighted, plain);
    default: return fetch_lanes<4, Fetch>(row, j0, j1, i0, offset, minus_bias, requested, rows, t, weighted, plain);
  }
}

// Gathers the neighbours without copying their rows: ws.rows[j] = the address of neighbour j's
// row (then a row of zeros up to a whole 16), t_j = values[j] - offset, less the neighbour's
// bias when `minus_bias`, and the column sums G^T t (in ws.rhs) and G^T 1 (in ws.sums). The
// neighbours go by in chunks that stay in L2,
// and `use(j0, j1)` is called on each chunk while its rows are there (the explicit solve adds
// them into its normal equations then). With `copy`, the rows are also copied, chunk by chunk,
// into the n x padded(k) block ws.block and ws.rows point there.
template <class Use>
void gather(const RowProblem& row, real offset, bool minus_bias, bool copy, AlsWorkspace& ws, Use use) {
  const int w = padded(row.k);
  const count_t groups = (row.n + kLanes - 1) / kLanes * kLanes;
  if (ws.rows.size() < static_cast<std::size_t>(groups)) ws.rows.resize(groups);
  const real** rows = ws.rows.data();
  real* zero = room(ws.zero, w);
  std::fill(zero, zero + w, real(0));
  for (count_t j = row.n; j < groups; ++j) rows[j] = zero;  // whole groups of 16 for the CG passes
  real* t = room(ws.t, row.n);
  real* weighted = room(ws.rhs, w);
  real* plain = room(ws.sums, w);
  real* block = copy ? room(ws.block, static_cast<std::size_t>(row.n) * w) : nullptr;
  std::fill(weighted, weighted + w, real(0));
  std::fill(plain, plain + w, real(0));
  if (row.cols != ws.next_cols) ws.requested = 0;  // not the row after the last: nothing requested
  for (count_t j0 = 0; j0 < row.n; j0 += kGatherChunk) {
    const count_t j1 = std::min(row.n, j0 + kGatherChunk);
    fetch_columns<true>(row, j0, j1, 0, offset, minus_bias, ws.requested, rows, t, weighted, plain);
    for (int i0 = 4 * kLanes; i0 < w; i0 += 4 * kLanes)
      fetch_columns<false>(row, j0, j1, i0, offset, minus_bias, 0, rows, t, weighted, plain);
    if (copy)
      for (count_t j = j0; j < j1; ++j) {
        real* dst = block + static_cast<std::size_t>(j) * w;
        for (int i = 0; i < w; i += kLanes) lanes_at(dst + i) = lanes_at(rows[j] + i);
        rows[j] = dst;
      }
    use(j0, j1);
  }
  ws.requested = std::max<count_t>(0, ws.requested - row.n);
  ws.next_cols = row.cols + row.n;
}

// The addresses of the rows of neighbours j0 .. j1 (past row.n, of the next rows' neighbours)
// into `rows`; returns their number.
count_t neighbour_rows(const RowProblem& row, count_t j0, count_t j1, std::vector<const real*>& rows) {
  const int w = padded(row.k);
  const count_t count = std::max<count_t>(0, j1 - j0);
  if (rows.size() < static_cast<std::size_t>(count)) rows.resize(count);
  for (count_t j = 0; j < count; ++j) rows[j] = row.other + static_cast<std::size_t>(row.cols[j0 + j]) * w;
  // The column indices and values of the chunk after j1 (read a chunk at a time, too seldom
  // for the hardware's stream prefetcher: the gather waited on them).
  for (count_t j = j1 + count; j < std::min(j1 + 2 * count, row.n + row.ahead); j += 64 / sizeof(index_t)) {
    __builtin_prefetch(row.cols + j);
    __builtin_prefetch(row.values + j);
  }
  return count;
}

// out = sum_j (c_j - 1)(y_j . v) y_j over the rows y_j = rows[j] (w long each), with v and out
// w long: one CG product in one pass over G. The dot products are taken 16 rows at a time and
// finished together (lane_sums), then the same 16 rows, still in L1, are added up. The rows
// come in whole groups of 16 (the gather pads them with a row of zeros), so every loop has a
// fixed length and is unrolled; L Lanes of a row are read per step.
template <int L>
void confidence_lanes(const real* const* rows, count_t n, int w, const real* c, const real* v, real* out) {
  std::fill(out, out + w, real(0));
  for (count_t j0 = 0; j0 < n; j0 += kLanes) {
    const real* const* group = rows + j0;
    Lanes dots[kLanes];
#pragma GCC unroll 16
    for (int jj = 0; jj < kLanes; ++jj) {
      Lanes acc = {};
      for (int i = 0; i < w; i += L * kLanes)
#pragma GCC unroll 4
        for (int l = 0; l < L; ++l) acc += lanes_at(group[jj] + i + l * kLanes) * lanes_at(v + i + l * kLanes);
      dots[jj] = acc;
    }
    Lanes d;
    lane_sums(dots, d);
    const count_t m = std::min<count_t>(kLanes, n - j0);
    real coef[kLanes];
#pragma GCC unroll 16
    for (int jj = 0; jj < kLanes; ++jj) coef[jj] = jj < m ? (c[j0 + jj] - real(1)) * d[jj] : real(0);
    for (int i = 0; i < w; i += L * kLanes) {
      Lanes acc[L];
#pragma GCC unroll 4
      for (int l = 0; l < L; ++l) acc[l] = lanes_at(out + i + l * kLanes);
#pragma GCC unroll 16
      for (int jj = 0; jj < kLanes; ++jj)
#pragma GCC unroll 4
        for (int l = 0; l < L; ++l) acc[l] += lanes_at(group[jj] + i + l * kLanes) * coef[jj];
#pragma GCC unroll 4
      for (int l = 0; l < L; ++l) lanes_at(out + i + l * kLanes) = acc[l];
    }
  }
}

void confidence_pass(const real* const* rows, count_t n, int w, const real* c, const real* v, real* out) {
  const int lanes = w / kLanes;
  if (lanes % 4 == 0) return confidence_lanes<4>(rows, n, w, c, v, out);
  if (lanes % 3 == 0) return confidence_lanes<3>(rows, n, w, c, v, out);
  if (lanes % 2 == 0) return confidence_lanes<2>(rows, n, w, c, v, out);
  confidence_lanes<1>(rows, n, w, c, v, out);
}

void set_nan(real* out, int d) { std::fill(out, out + d, std::numeric_limits<real>::quiet_NaN()); }

// The precision and prior mean of unknown i (the bias is unknown k).
real precision_of(const ExplicitRow& how, int k, int i) {
  return how.precision ? how.precision[i] : (i < k ? how.factor_reg : how.bias_reg);
}
real mean_of(const ExplicitRow& how, int i) { return how.mean ? how.mean[i] : real(0); }

// Fewer ratings than unknowns, solved (no draw), every precision positive: with D the
// precisions, m the prior means and G = [F, 1] (biased), x = m + D^-1 G^T y where
// (G D^-1 G^T + I) y = t - G m.
void solve_pushed_through(const real* g, int w, const RowProblem& row, const ExplicitRow& how, const real* t, real* out,
                          AlsWorkspace& ws) {
  const int n = static_cast<int>(row.n), np = padded(n), k = row.k;
  Eigen::Map<const Matrix> F(g, n, w);
  Eigen::Map<Vector> inv_sqrt(room(ws.x, w), w), mean(room(ws.p, w), w);  // D^-1/2 and m of the factors
  inv_sqrt.setZero();
  mean.setZero();
  for (int i = 0; i < k; ++i) {
    inv_sqrt[i] = real(1) / std::sqrt(precision_of(how, k, i));
    mean[i] = mean_of(how, i);
  }
  const Matrix Fs = F * inv_sqrt.asDiagonal();
  Eigen::Map<ColMatrix> A(room(ws.normal, static_cast<std::size_t>(np) * np), np, np);
  auto small = A.topLeftCorner(n, n);
  small.setConstant(how.biases ? real(1) / precision_of(how, k, k) : real(0));
  small.selfadjointView<Eigen::Lower>().rankUpdate(Fs);
  small.diagonal().array() += real(1);
  real* y = room(ws.rhs, np);
  const real bias_mean = how.biases ? mean_of(how, k) : real(0);
  Eigen::Map<Vector>(y, n) = Eigen::Map<const Vector>(t, n) - F * mean - Vector::Constant(n, bias_mean);
  if (!cholesky_solve(A.data(), np, y, n)) return set_nan(out, k + how.biases);
  Eigen::Map<Vector> x(room(ws.sums, w), w);
  x.noalias() = inv_sqrt.asDiagonal() * (Fs.transpose() * Eigen::Map<const Vector>(y, n));
  for (int i = 0; i < k; ++i) out[i] = mean[i] + x[i];
  if (how.biases) out[k] = bias_mean + Eigen::Map<const Vector>(y, n).sum() / precision_of(how, k, k);
}

}  // namespace

void solve_explicit_row(const RowProblem& row, const ExplicitRow& how, real* out, AlsWorkspace& ws) {
  const int k = row.k, d = k + (how.biases ? 1 : 0), w = padded(k);
  if (row.n == 0) {  // no ratings: the prior alone
    for (int i = 0; i < d; ++i)
      out[i] = mean_of(how, i) + (how.draw ? how.draw_scale * how.draw[i] / std::sqrt(precision_of(how, k, i)) : real(0));
    return;
  }
  bool positive = true;
  for (int i = 0; i < d; ++i) positive = positive && precision_of(how, k, i) > 0;
  const bool pushed = row.n < d && !how.draw && positive;
  real* a = room(ws.normal, static_cast<std::size_t>(w) * w);
  // Each chunk of neighbours goes into the normal equations while its rows are in the cache;
  // the first sets the blocks on and below the diagonal, all that is read.
  // The rows of the next chunk (the next rows' neighbours past the last) are requested while
  // the SYRK adds this one.
  gather(row, how.mu, how.biases, pushed, ws, [&](count_t j0, count_t j1) {
    if (!pushed) {
      ws.requested = std::min(j1 + kGatherChunk, row.n + row.ahead);
      const count_t ahead = neighbour_rows(row, j1, ws.requested, ws.ahead);
      TickTimed timed(ws.arithmetic_ticks);
      syrk_lower(ws.rows.data() + j0, j1 - j0, w, a, w, real(1), j0 == 0, ws.ahead.data(), ahead);
    }
  });
  const real* t = ws.t.data();
  TickTimed timed(ws.arithmetic_ticks);
  if (pushed) return solve_pushed_through(ws.block.data(), w, row, how, t, out, ws);

  real* b = ws.rhs.data();        // F^T t
  const real* s = ws.sums.data();  // F^T 1
  for (int i = 0; i < k; ++i) {
    const real c = precision_of(how, k, i);
    a[i * w + i] += c;
    b[i] += c * mean_of(how, i);
  }
  real t_sum = 0, q = 0;
  if (how.biases) {
    // Eliminate the bias: its equation is s.f + (n + c_b) bias = sum t + c_b m_b.
    Lanes sum = {};
    count_t j = 0;
    for (; j + kLanes <= row.n; j += kLanes) sum += lanes_at(t + j);
    t_sum = lanes_sum(sum);
    for (; j < row.n; ++j) t_sum += t[j];
    const real cb = precision_of(how, k, k);
    t_sum += cb * mean_of(how, k);
    q = static_cast<real>(row.n) + cb;
    for (int c = 0; c < k; ++c) {
      const real sc = s[c] / q;
      for (int i = c / kLanes * kLanes; i < w; i += kLanes) lanes_at(a + c * w + i) -= lanes_at(s + i) * sc;
      b[c] -= sc * t_sum;
    }
  }
  if (!cholesky_solve(a, w, b, k)) return set_nan(out, d);
  if (how.draw) {
    real* z = room(ws.r, w);
    std::copy(how.draw, how.draw + k, z);
    cholesky_upper_solve(a, w, z, k);
    for (int i = 0; i < k; ++i) b[i] += how.draw_scale * z[i];
  }
  std::copy(b, b + k, out);
  if (how.biases) {
    real sf = 0;
    for (int i = 0; i < k; ++i) sf += s[i] * b[i];
    out[k] = (t_sum - sf) / q + (how.draw ? how.draw_scale * how.draw[k] / std::sqrt(q) : real(0));
  }
}

void solve_implicit_cholesky(const RowProblem& row, const real* gram, real lambda, real* out, AlsWorkspace& ws) {
  const int k = row.k, w = padded(k);
  gather(row, 0, false, true, ws, [](count_t, count_t) {});
  TickTimed timed(ws.arithmetic_ticks);
  real* g = ws.block.data();
  real* b = ws.rhs.data();  // sum c_j y_j
  for (count_t j = 0; j < row.n; ++j) {
    const real scale = std::sqrt(row.values[j] - real(1));
    for (int i = 0; i < k; ++i) g[j * w + i] *= scale;
  }
  real* a = room(ws.normal, static_cast<std::size_t>(w) * w);
  std::fill(a, a + static_cast<std::size_t>(w) * w, real(0));
  for (int c = 0; c < k; ++c) {
    std::copy(gram + c * k, gram + c * k + k, a + c * w);
    a[c * w + c] += lambda;
  }
  syrk_lower(g, w, row.n, w, a, w, real(1));
  if (!cholesky_solve(a, w, b, k)) return set_nan(out, k);
  std::copy(b, b + k, out);
}

void solve_implicit_cg(const RowProblem& row, const real* gram_full, real lambda, int steps, real* out,
                       AlsWorkspace& ws) {
  const int k = row.k, w = padded(k);
  gather(row, 0, false, row.n > kInPlaceRows, ws, [](count_t, count_t) {});  // and ws.rhs = G^T c
  TickTimed timed(ws.arithmetic_ticks);
  const real* const* g = ws.rows.data();
  // The CG vectors are padded to w with zeros, as the rows of G, for confidence_pass.
  real* xp = room(ws.x, w);
  real* rp = room(ws.r, w);
  real* pp = room(ws.p, w);
  real* app = room(ws.ap, w);
  std::copy(out, out + k, xp);
  std::fill(xp + k, xp + w, real(0));
  std::fill(pp + k, pp + w, real(0));
  Eigen::Map<Vector> x(xp, k), r(rp, k), p(pp, k), ap(app, k);
  Eigen::Map<const ColMatrix> gram(gram_full, k, k);
  // r = b - A x = sum_j c_j y_j - sum_j (c_j - 1)(y_j.x) y_j - (gram + lambda I) x
  confidence_pass(g, row.n, w, row.values, xp, rp);
  r = Eigen::Map<const Vector>(ws.rhs.data(), k) - r;
  r.noalias() -= gram * x;  // gram is stored full: a plain GEMV beats a symmetric one
  r -= lambda * x;
  p = r;
  real rs_old = r.squaredNorm();
  for (int s = 0; s < steps && rs_old > real(1e-20); ++s) {
    // A p = (gram + lambda I) p + sum_j (c_j - 1)(y_j.p) y_j
    confidence_pass(g, row.n, w, row.values, pp, app);
    ap.noalias() += gram * p;
    ap += lambda * p;
    const real pap = p.dot(ap);
    if (!(pap > 0)) break;
    const real a = rs_old / pap;
    x += a * p;
    r -= a * ap;
    const real rs_new = r.squaredNorm();
    p = r + (rs_new / rs_old) * p;
    rs_old = rs_new;
  }
  std::copy(xp, xp + k, out);
}

void gram(const real* rows, count_t count, int k, int ld, real* out) {
  Eigen::Map<ColMatrix> g(out, k, k);
  g.setZero();
  if (count > 0) {
    Eigen::Map<const Matrix, 0, Eigen::OuterStride<>> block(rows, count, k, Eigen::OuterStride<>(ld));
    g.selfadjointView<Eigen::Lower>().rankUpdate(block.transpose());
  }
  for (int c = 1; c < k; ++c)
    for (int r = 0; r < c; ++r) g(r, c) = g(c, r);  // full, so sums over ranks stay symmetric
}

}  // namespace crossmf::CROSSMF_LEVEL
