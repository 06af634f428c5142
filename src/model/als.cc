#include "src/model/als.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "src/model/evaluate.h"

namespace crossmf {

namespace {

// Floating-point operations of one row's solve, for GFLOP/s reporting.
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

}  // namespace

real confidence(real r, const AlsOptions& opt) {
  return opt.log_confidence ? real(1 + opt.alpha * std::log1p(r / opt.epsilon)) : real(1 + opt.alpha * r);
}

Als::Als(const Comm& comm, const Partition& part, const AlsOptions& opt, Factors& f)
    : comm_(comm), part_(part), opt_(opt), f_(f) {
  if (opt_.implicit) {
    conf_by_user_.resize(part.by_user.val.size());
    conf_by_item_.resize(part.by_item.val.size());
    for (std::size_t k = 0; k < conf_by_user_.size(); ++k) conf_by_user_[k] = confidence(part.by_user.val[k], opt_);
    for (std::size_t k = 0; k < conf_by_item_.size(); ++k) conf_by_item_[k] = confidence(part.by_item.val[k], opt_);
  }
}

ColMatrix Als::gram(const Matrix& rows, index_t first, index_t count, Timings& t, IterationStats& s) const {
  const int k = f_.k;
  ColMatrix g = ColMatrix::Zero(k, k);
  {
    Timed timed(t.compute);
    Timed arithmetic(s.arithmetic_seconds);  // one thread
    kernels().gram(rows.data() + static_cast<std::size_t>(first) * rows.cols(), count, k, static_cast<int>(rows.cols()),
                   g.data());
    s.flops += double(count) * k * k;
  }
  Timed timed(t.comm);
  comm_.sum(std::span<real>(g.data(), g.size()));
  if (comm_.size() > 1) s.bytes_sent += static_cast<count_t>(g.size() * sizeof(real));
  return g;
}

void Als::solve_rows(const Csr& csr, const real* other, index_t count, const ColMatrix& gram,
                     const std::vector<real>& conf, real* out, IterationStats& s) {
  const int k = f_.k, w = f_.width(), pw = padded(k);
  const index_t rows = csr.rows();
  const real* neighbours = other;
  const real* bias = nullptr;
  if (w != pw || f_.biases) {  // repack: 4 whole cache lines a row for k = 64 instead of 5 straddled ones
    packed_.resize(static_cast<std::size_t>(count) * pw);
    packed_bias_.resize(f_.biases ? count : 0);
#pragma omp parallel for num_threads(opt_.threads) schedule(static)
    for (index_t r = 0; r < count; ++r) {
      const real* src = other + static_cast<std::size_t>(r) * w;
      real* dst = packed_.data() + static_cast<std::size_t>(r) * pw;
      std::copy(src, src + k, dst);
      std::fill(dst + k, dst + pw, real(0));
      if (f_.biases) packed_bias_[r] = src[k];
    }
    neighbours = packed_.data();
    bias = f_.biases ? packed_bias_.data() : nullptr;
  }
  const TickRate rate;
  const Kernels& K = kernels();
  double flops = 0, arithmetic = 0;  // arithmetic in ticks
#pragma omp parallel num_threads(opt_.threads) reduction(+ : flops, arithmetic)
  {
    AlsWorkspace ws;
    // Blocks of rows a thread at a time: within one, the next rows' neighbours are known
    // (RowProblem::ahead) and fetched while this row's arithmetic runs.
    constexpr index_t kBlock = 16;
#pragma omp for schedule(dynamic)
    for (index_t r0 = 0; r0 < rows; r0 += kBlock)
      for (index_t r = r0, r1 = std::min(rows, r0 + kBlock); r < r1; ++r) {
        const count_t begin = csr.ptr[r], n = csr.ptr[r + 1] - begin;
        RowProblem row{neighbours, k, csr.col.data() + begin,
                       (opt_.implicit ? conf.data() : csr.val.data()) + begin, n, bias, csr.ptr[r1] - begin - n};
        real* x = out + static_cast<std::size_t>(r) * w;
        if (!opt_.implicit) {
          K.solve_explicit_row(row, f_.biases, f_.mu, static_cast<real>(opt_.lambda), x, ws);
          flops += explicit_row_flops(n, w);
        } else if (opt_.cholesky) {
          K.solve_implicit_cholesky(row, gram.data(), static_cast<real>(opt_.lambda), x, ws);
          flops += implicit_cholesky_row_flops(n, k);
        } else {
          K.solve_implicit_cg(row, gram.data(), static_cast<real>(opt_.lambda), opt_.cg_steps, x, ws);
          flops += implicit_cg_row_flops(n, k, opt_.cg_steps);
        }
      }
    arithmetic += static_cast<double>(ws.arithmetic_ticks);
  }
  s.flops += flops;
  s.arithmetic_seconds += arithmetic * rate.seconds_per_tick();
}

IterationStats Als::user_half(Timings& t) {
  IterationStats s;
  ColMatrix g;
  if (opt_.implicit) g = gram(f_.items, part_.item_begin, part_.local_items, t, s);
  Stopwatch watch;
  {
    Timed timed(t.compute);
    solve_rows(part_.by_user, f_.items.data(), static_cast<index_t>(f_.items.rows()), g, conf_by_user_,
               f_.users.data(), s);
  }
  s.work_seconds += watch.seconds();
  return s;
}

IterationStats Als::item_half(Timings& t) {
  IterationStats s;
  const int w = f_.width(), P = comm_.size(), me = comm_.rank();
  ColMatrix g;
  if (opt_.implicit) g = gram(f_.users, 0, part_.local_users, t, s);
  {
    Timed timed(t.compute);
    send_buffer_.resize(static_cast<Eigen::Index>(part_.send_rows.size()), w);
    for (std::size_t r = 0; r < part_.send_rows.size(); ++r) send_buffer_.row(r) = f_.users.row(part_.send_rows[r]);
    routed_.resize(static_cast<std::size_t>(part_.recv_rows) * w);
  }
  {
    Timed timed(t.comm);
    std::vector<count_t> sc(P), rc(P);
    for (int p = 0; p < P; ++p) { sc[p] = part_.send_counts[p] * w; rc[p] = part_.recv_counts[p] * w; }
    comm_.alltoallv<real>(std::span<const real>(send_buffer_.data(), send_buffer_.size()), sc,
                          std::span<real>(routed_.data(), routed_.size()), rc);
    for (int p = 0; p < P; ++p)
      if (p != me) s.bytes_sent += sc[p] * static_cast<count_t>(sizeof(real));
  }
  Stopwatch watch;
  {
    Timed timed(t.compute);
    real* block = f_.items.data() + static_cast<std::size_t>(part_.item_begin) * w;
    solve_rows(part_.by_item, routed_.data(), static_cast<index_t>(part_.recv_rows), g, conf_by_item_, block, s);
  }
  s.work_seconds += watch.seconds();
  {
    Timed timed(t.comm);
    std::vector<count_t> counts(P);
    for (int p = 0; p < P; ++p) counts[p] = static_cast<count_t>(part_.items.size(p)) * w;
    const real* mine = f_.items.data() + static_cast<std::size_t>(part_.item_begin) * w;
    comm_.allgatherv<real>(std::span<const real>(mine, counts[me]), std::span<real>(f_.items.data(), f_.items.size()), counts);
    s.bytes_sent += counts[me] * static_cast<count_t>(sizeof(real)) * (P - 1);
  }
  return s;
}

IterationStats Als::iterate(Timings& t) {
  IterationStats a = user_half(t);
  IterationStats b = item_half(t);
  IterationStats both = a;
  both.flops += b.flops;
  both.bytes_sent += b.bytes_sent;
  both.work_seconds += b.work_seconds;
  both.arithmetic_seconds += b.arithmetic_seconds;
  return both;
}

double Als::loss(Timings& t) const {
  if (!opt_.implicit) return explicit_objective(comm_, part_, f_, opt_.lambda, opt_.threads, t);
  // Implicit: sum over all (u, i) of c (p - x.y)^2 + lambda (|X|^2 + |Y|^2)
  //   = sum_u x_u^T (Y^T Y) x_u + sum over observed of [c (1 - s)^2 - s^2] + lambda (...).
  const int k = f_.k;
  double err = 0, reg = 0;
  Eigen::MatrixXd yty = Eigen::MatrixXd::Zero(k, k);
  {
    Timed timed(t.compute);
    const Csr& c = part_.by_user;
#pragma omp parallel num_threads(opt_.threads) reduction(+ : err, reg)
    {
      std::vector<real> p;
#pragma omp for schedule(dynamic, 64)
      for (index_t u = 0; u < c.rows(); ++u) {
        f_.predict(u, c.col.data() + c.ptr[u], c.ptr[u + 1] - c.ptr[u], p);
        for (count_t j = c.ptr[u]; j < c.ptr[u + 1]; ++j) {
          const double s = p[j - c.ptr[u]], conf = conf_by_user_[j];
          err += conf * (1 - s) * (1 - s) - s * s;
        }
        reg += f_.users.row(u).squaredNorm();
      }
    }
    for (index_t i = 0; i < part_.local_items; ++i) {
      Eigen::VectorXd y = f_.items.row(part_.item_begin + i).head(k).cast<double>();
      yty.noalias() += y * y.transpose();
      reg += y.squaredNorm();
    }
  }
  {
    Timed timed(t.comm);
    comm_.sum(std::span<double>(yty.data(), yty.size()));
  }
  {
    Timed timed(t.compute);
    for (index_t u = 0; u < part_.local_users; ++u) {
      Eigen::VectorXd x = f_.users.row(u).head(k).cast<double>();
      err += x.dot(yty * x);
    }
  }
  double both[2] = {err, reg};
  Timed timed(t.comm);
  comm_.sum(std::span<double>(both, 2));
  return both[0] + opt_.lambda * both[1];
}

}  // namespace crossmf
