#include "src/model/als.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "src/model/evaluate.h"

namespace crossmf {

namespace {

// Runs f, adding its seconds to t.compute less those it added to t.comm.
template <class F>
void compute_part(Timings& t, F f) {
  const double comm = t.comm;
  Stopwatch watch;
  f();
  t.compute += watch.seconds() - (t.comm - comm);
}

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
  // Each row's mass (AlsOptions), then its L2 weights. The exponent 1 keeps ALS-WR's lambda n
  // exactly; 0 gives lambda, whatever the mass.
  auto weights = [&](const Csr& csr, const std::vector<real>& conf, index_t others, std::vector<real>& reg,
                     std::vector<real>& bias_reg) {
    const double bias_lambda = opt_.bias_lambda < 0 ? opt_.lambda : opt_.bias_lambda;
    reg.resize(csr.rows());
    bias_reg.resize(csr.rows());
    for (index_t r = 0; r < csr.rows(); ++r) {
      double mass = static_cast<double>(csr.ptr[r + 1] - csr.ptr[r]);
      if (opt_.implicit) {
        mass = static_cast<double>(others);
        for (count_t j = csr.ptr[r]; j < csr.ptr[r + 1]; ++j) mass += conf[j] - 1;
      }
      const double exponent = opt_.lambda_exponent >= 0 ? opt_.lambda_exponent : (opt_.implicit ? 0 : 1);
      const real scale = exponent == 0 ? real(1) : static_cast<real>(std::pow(mass, exponent));
      reg[r] = static_cast<real>(opt_.lambda) * scale;
      bias_reg[r] = static_cast<real>(bias_lambda) * scale;
    }
  };
  weights(part.by_user, conf_by_user_, part.n_items, reg_by_user_, bias_reg_by_user_);
  weights(part.by_item, conf_by_item_, part.n_users, reg_by_item_, bias_reg_by_item_);
  if (opt_.gibbs) {
    chain_users_ = f_.users;
    chain_items_ = f_.items;
  }
  if (shifts()) {
    const int k = f_.k;
    rated_ = Matrix::Zero(part.n_items, k);
    raters_ = Matrix::Zero(part.local_users, k);
    user_shift_ = Matrix::Zero(part.local_users, k);
    item_shift_ = Matrix::Zero(part.n_items, k);
    rated_precision_.assign(k, real(1));
    raters_precision_.assign(k, real(1));
    auto scale = [](count_t n) { return n > 0 ? static_cast<real>(1 / std::sqrt(static_cast<double>(n))) : real(0); };
    user_scale_.resize(part.local_users);
    for (index_t u = 0; u < part.local_users; ++u) user_scale_[u] = scale(part.by_user.ptr[u + 1] - part.by_user.ptr[u]);
    // Every item's rating count: R^T ones, gathered like the item factors.
    Matrix ones = Matrix::Ones(part.local_users, 1), counts;
    Timings t;
    users_to_items(ones, nullptr, nullptr, counts, t);
    item_scale_.resize(part.n_items);
    for (index_t j = 0; j < part.n_items; ++j) item_scale_[j] = scale(static_cast<count_t>(std::lround(counts(j, 0))));
  }
}

void Als::items_to_users(const Matrix& item_rows, const real* item_scale, const real* user_scale, Matrix& out) const {
  const Csr& csr = part_.by_user;
  out.resize(csr.rows(), item_rows.cols());
  // Scaled first, so that the kernel only adds: the same sums at every kernel level (no FMA).
  Matrix scaled;
  if (item_scale) scaled = Eigen::Map<const Vector>(item_scale, item_rows.rows()).asDiagonal() * item_rows;
  const Matrix& rows = item_scale ? scaled : item_rows;
  const Kernels& K = kernels();
  const int width = static_cast<int>(item_rows.cols());
#pragma omp parallel for num_threads(opt_.threads) schedule(static)
  for (index_t u = 0; u < csr.rows(); ++u) {
    K.gather_sum(rows.data(), width, csr.col.data() + csr.ptr[u], csr.ptr[u + 1] - csr.ptr[u],
                 out.data() + static_cast<std::size_t>(u) * width);
    if (user_scale) out.row(u) *= user_scale[u];
  }
}

void Als::users_to_items(const Matrix& user_rows, const real* user_scale, const real* item_scale, Matrix& out,
                         Timings& t) {
  const int k = static_cast<int>(user_rows.cols()), P = comm_.size(), me = comm_.rank();
  Matrix send(static_cast<Eigen::Index>(part_.send_rows.size()), k), routed(static_cast<Eigen::Index>(part_.recv_rows), k);
  for (std::size_t r = 0; r < part_.send_rows.size(); ++r)
    send.row(r) = user_rows.row(part_.send_rows[r]) * (user_scale ? user_scale[part_.send_rows[r]] : real(1));
  {
    Timed timed(t.comm);
    std::vector<count_t> sc(P), rc(P);
    for (int p = 0; p < P; ++p) { sc[p] = part_.send_counts[p] * k; rc[p] = part_.recv_counts[p] * k; }
    comm_.alltoallv<real>(std::span<const real>(send.data(), send.size()), sc, std::span<real>(routed.data(), routed.size()), rc);
  }
  out.resize(part_.n_items, k);
  const Csr& csr = part_.by_item;
  const Kernels& K = kernels();
#pragma omp parallel for num_threads(opt_.threads) schedule(static)
  for (index_t i = 0; i < csr.rows(); ++i) {
    K.gather_sum(routed.data(), k, csr.col.data() + csr.ptr[i], csr.ptr[i + 1] - csr.ptr[i],
                 out.data() + static_cast<std::size_t>(part_.item_begin + i) * k);
    if (item_scale) out.row(part_.item_begin + i) *= item_scale[part_.item_begin + i];
  }
  Timed timed(t.comm);
  std::vector<count_t> counts(P);
  for (int p = 0; p < P; ++p) counts[p] = static_cast<count_t>(part_.items.size(p)) * k;
  const real* mine = out.data() + static_cast<std::size_t>(part_.item_begin) * k;
  comm_.allgatherv<real>(std::span<const real>(mine, counts[me]), std::span<real>(out.data(), out.size()), counts);
}

namespace {

using Row = Eigen::Array<real, 1, Eigen::Dynamic>;

// Standard normal rows keyed by each row's original id: row r of `out` is scatter.inverse(first + r).
void normal_rows(std::uint64_t seed, int sweep, int what, const Scatter& scatter, index_t first, Matrix& out) {
  std::vector<real> z(out.cols());
  for (index_t r = 0; r < out.rows(); ++r) {
    normal_draws(gibbs_stream(seed, sweep, what, static_cast<std::uint64_t>(scatter.inverse(first + r))), z.data(),
                 static_cast<int>(z.size()));
    out.row(r) = Eigen::Map<const Row>(z.data(), static_cast<Eigen::Index>(z.size())).matrix();
  }
}

// One draw of the vectors V (rows x k) that shift the prior mean of the other side's rows by
// A V, given `residual` = those rows - prior mean - A V + e1 / sqrt(lambda): per dimension d the
// solution of (lambda_v I + lambda A^T A) v_d = lambda A^T (residual_d + A v_d) + sqrt(lambda_v) e2_d
// (perturb and solve: a draw from v_d's Gaussian conditional), by CG warm-started at V.
// `global`: V's rows are split over the ranks, so its dot products are summed.
template <class Apply, class Transpose>
void cg_draw(const Comm& comm, bool global, int steps, const Row& lambda, const Row& lambda_v, const Matrix& residual,
             const Matrix& e2, Apply A, Transpose At, Matrix& V) {
  // In double: summed over ranks in any order, they round to the same floats on any rank count.
  auto dots = [&](const Matrix& x, const Matrix& y) {
    Eigen::Array<double, 1, Eigen::Dynamic> d = (x.array().cast<double>() * y.array().cast<double>()).colwise().sum();
    if (global) comm.sum(std::span<double>(d.data(), static_cast<std::size_t>(d.size())));
    return Row(d.cast<real>());
  };
  Matrix r, ap;
  At(residual, r);
  r.array().rowwise() *= lambda;
  r.array() += (e2.array().rowwise() * lambda_v.sqrt()) - V.array().rowwise() * lambda_v;
  Matrix p = r;
  Row rr = dots(r, r);
  for (int step = 0; step < steps; ++step) {
    Matrix ax;
    A(p, ax);
    At(ax, ap);
    ap.array().rowwise() *= lambda;
    ap.array() += p.array().rowwise() * lambda_v;
    const Row pap = dots(p, ap);
    const Row a = (pap > 0).select(rr / pap, real(0));
    V.array() += p.array().rowwise() * a;
    r.array() -= ap.array().rowwise() * a;
    const Row next = dots(r, r);
    const Row b = (rr > 0).select(next / rr, real(0));
    p = (r.array() + p.array().rowwise() * b).matrix();
    rr = next;
  }
}

}  // namespace

void Als::draw_rated(const RowPrior& prior, Timings& t, IterationStats& s) {
  // Users' rows given their prior: P - mu - X Y ~ N(0, 1 / lambda), X = diag(user_scale) R.
  const int k = f_.k;
  const Eigen::Map<const Row> lambda(prior.precision.data(), k), mu(prior.mean.data(), k),
      lambda_y(rated_precision_.data(), k);
  Matrix residual(part_.local_users, k), e2(part_.n_items, k);
  normal_rows(opt_.seed, sweeps_, kRatedRows, part_.user_scatter, part_.user_begin, residual);
  residual.array().rowwise() /= lambda.sqrt();
  residual += f_.users.leftCols(k) - user_shift_;
  residual.array().rowwise() -= mu;
  normal_rows(opt_.seed, sweeps_, kRatedItems, part_.item_scatter, 0, e2);
  cg_draw(comm_, false, opt_.rated_cg_steps, lambda, Row(lambda_y), residual, e2,
          [&](const Matrix& y, Matrix& out) { items_to_users(y, nullptr, user_scale_.data(), out); },
          [&](const Matrix& x, Matrix& out) { users_to_items(x, user_scale_.data(), nullptr, out, t); }, rated_);
  s.flops += 4.0 * (opt_.rated_cg_steps + 1) * static_cast<double>(part_.by_user.nnz()) * k;
  rated_precision_ = draw_zero_mean_precision(comm_, rated_.data() + static_cast<std::size_t>(part_.item_begin) * k,
                                              part_.local_items, k, gibbs_stream(opt_.seed, sweeps_, kRatedPrior, 0));
}

void Als::draw_raters(const RowPrior& prior, Timings& t, IterationStats& s) {
  // Items' rows (replicated) given their prior: Q - mu - X' Z ~ N(0, 1 / lambda), X' = diag(item_scale) R^T.
  const int k = f_.k;
  const Eigen::Map<const Row> lambda(prior.precision.data(), k), mu(prior.mean.data(), k),
      lambda_z(raters_precision_.data(), k);
  Matrix residual(part_.n_items, k), e2(part_.local_users, k);
  normal_rows(opt_.seed, sweeps_, kRaterRows, part_.item_scatter, 0, residual);
  residual.array().rowwise() /= lambda.sqrt();
  residual += f_.items.leftCols(k) - item_shift_;
  residual.array().rowwise() -= mu;
  normal_rows(opt_.seed, sweeps_, kRaterUsers, part_.user_scatter, part_.user_begin, e2);
  cg_draw(comm_, true, opt_.rated_cg_steps, lambda, Row(lambda_z), residual, e2,
          [&](const Matrix& z, Matrix& out) { users_to_items(z, nullptr, item_scale_.data(), out, t); },
          [&](const Matrix& q, Matrix& out) { items_to_users(q, item_scale_.data(), nullptr, out); }, raters_);
  s.flops += 4.0 * (opt_.rated_cg_steps + 1) * static_cast<double>(part_.by_user.nnz()) * k;
  raters_precision_ = draw_zero_mean_precision(comm_, raters_.data(), part_.local_users, k,
                                               gibbs_stream(opt_.seed, sweeps_, kRaterPrior, 0));
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
  return g;
}

void Als::solve_rows(const Csr& csr, const real* other, index_t count, const ColMatrix& gram,
                     const std::vector<real>& conf, const std::vector<real>& reg, const std::vector<real>& bias_reg,
                     const RowDraws* draws, real* out, IterationStats& s) {
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
  // Gibbs: the rows' conditional, divided through by the noise precision (ExplicitRow).
  std::vector<real> precision;
  const bool row_mean = draws && draws->row_mean;
  if (draws)
    for (real p : draws->prior.precision) precision.push_back(static_cast<real>(p / noise_));
  double flops = 0, arithmetic = 0;  // arithmetic in ticks
#pragma omp parallel num_threads(opt_.threads) reduction(+ : flops, arithmetic)
  {
    AlsWorkspace ws;
    std::vector<real> z(draws ? w : 0), mean(row_mean ? w : 0);
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
          ExplicitRow how;
          how.biases = f_.biases;
          how.mu = f_.mu;
          how.factor_reg = reg[r];
          how.bias_reg = bias_reg[r];
          if (draws) {
            const index_t original = draws->scatter.inverse(draws->first + r);
            if (draws->draw)
              normal_draws(gibbs_stream(opt_.seed, sweeps_, draws->what, static_cast<std::uint64_t>(original)), z.data(), w);
            how.precision = precision.data();
            how.mean = draws->prior.mean.data();
            if (row_mean) {
              for (int i = 0; i < w; ++i) mean[i] = draws->prior.mean[i] + (i < k ? draws->row_mean[static_cast<std::size_t>(r) * k + i] : 0);
              how.mean = mean.data();
            }
            how.draw = draws->draw ? z.data() : nullptr;
            how.draw_scale = static_cast<real>(1 / std::sqrt(noise_));
          }
          K.solve_explicit_row(row, how, x, ws);
          flops += explicit_row_flops(n, w);
        } else if (opt_.cholesky) {
          K.solve_implicit_cholesky(row, gram.data(), reg[r], x, ws);
          flops += implicit_cholesky_row_flops(n, k);
        } else {
          K.solve_implicit_cg(row, gram.data(), reg[r], opt_.cg_steps, x, ws);
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
  RowPrior prior;
  const bool rated = opt_.gibbs && opt_.rated_prior;
  if (opt_.gibbs) {
    Matrix offset;
    if (rated) compute_part(t, [&] {  // the prior is of the rows less their shift
        items_to_users(rated_, nullptr, user_scale_.data(), user_shift_);
        offset = f_.users;
        offset.leftCols(f_.k) -= user_shift_;
      });
    Timed timed(t.comm);
    prior = draw_prior(comm_, rated ? offset.data() : f_.users.data(), part_.local_users, f_.width(),
                       gibbs_stream(opt_.seed, sweeps_, kUserPrior, 0));
  }
  const RowDraws draws{prior, kUserRows, part_.user_scatter, part_.user_begin, rated ? user_shift_.data() : nullptr};
  Stopwatch watch;
  {
    Timed timed(t.compute);
    solve_rows(part_.by_user, f_.items.data(), static_cast<index_t>(f_.items.rows()), g, conf_by_user_, reg_by_user_,
               bias_reg_by_user_, opt_.gibbs ? &draws : nullptr, f_.users.data(), s);
  }
  if (rated) compute_part(t, [&] { draw_rated(prior, t, s); });
  s.work_seconds += watch.seconds();
  return s;
}

IterationStats Als::fold_in(const FoldInPrior* bmf, Timings& t) {
  IterationStats s;
  ColMatrix g;
  if (opt_.implicit) g = gram(f_.items, part_.item_begin, part_.local_items, t, s);
  Matrix shift;
  RowPrior none;
  if (bmf) {
    noise_ = bmf->noise;
    if (bmf->rated.size() > 0) {
      std::vector<real> scale(part_.local_users);
      for (index_t u = 0; u < part_.local_users; ++u) {
        const count_t n = part_.by_user.ptr[u + 1] - part_.by_user.ptr[u];
        scale[u] = n > 0 ? static_cast<real>(1 / std::sqrt(static_cast<double>(n))) : real(0);
      }
      items_to_users(bmf->rated, nullptr, scale.data(), shift);
    }
  }
  opt_.cholesky = true;  // the exact half-step, whatever solver trained the model
  RowDraws mean_only{bmf ? bmf->prior : none, kUserRows, part_.user_scatter, part_.user_begin,
                     shift.size() > 0 ? shift.data() : nullptr, false};
  Stopwatch watch;
  {
    Timed timed(t.compute);
    solve_rows(part_.by_user, f_.items.data(), static_cast<index_t>(f_.items.rows()), g, conf_by_user_, reg_by_user_,
               bias_reg_by_user_, bmf ? &mean_only : nullptr, f_.users.data(), s);
  }
  s.work_seconds += watch.seconds();
  return s;
}

FoldInPrior Als::fold_in_prior() {
  FoldInPrior p;
  p.noise = noise_;
  // The chain's latest draw, not the mean of the draws: the mean's rows spread less than the
  // prior they were drawn from, and a prior fitted to them shrank new users too far.
  Matrix rows = chain_users_;
  if (opt_.rated_prior) {
    Matrix shift;
    items_to_users(rated_, nullptr, user_scale_.data(), shift);
    rows.leftCols(f_.k) -= shift;
    p.rated = rated_;
  }
  p.prior = expected_prior(comm_, rows.data(), part_.local_users, f_.width());
  return p;
}

IterationStats Als::item_half(Timings& t) {
  IterationStats s;
  const int w = f_.width(), P = comm_.size(), me = comm_.rank();
  ColMatrix g;
  if (opt_.implicit) g = gram(f_.users, 0, part_.local_users, t, s);
  RowPrior prior;
  const bool raters = opt_.gibbs && opt_.rater_prior;
  const std::size_t first = static_cast<std::size_t>(part_.item_begin);
  if (opt_.gibbs) {
    Matrix offset;
    if (raters) compute_part(t, [&] {  // the prior is of the rows less their shift
        users_to_items(raters_, nullptr, item_scale_.data(), item_shift_, t);
        offset = f_.items.middleRows(part_.item_begin, part_.local_items);
        offset.leftCols(f_.k) -= item_shift_.middleRows(part_.item_begin, part_.local_items);
      });
    Timed timed(t.comm);
    prior = draw_prior(comm_, raters ? offset.data() : f_.items.data() + first * w, part_.local_items, w,
                       gibbs_stream(opt_.seed, sweeps_, kItemPrior, 0));
  }
  const RowDraws draws{prior, kItemRows, part_.item_scatter, part_.item_begin,
                       raters ? item_shift_.data() + first * f_.k : nullptr};
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
  }
  Stopwatch watch;
  {
    Timed timed(t.compute);
    real* block = f_.items.data() + static_cast<std::size_t>(part_.item_begin) * w;
    solve_rows(part_.by_item, routed_.data(), static_cast<index_t>(part_.recv_rows), g, conf_by_item_, reg_by_item_,
               bias_reg_by_item_, opt_.gibbs ? &draws : nullptr, block, s);
  }
  s.work_seconds += watch.seconds();
  {
    Timed timed(t.comm);
    std::vector<count_t> counts(P);
    for (int p = 0; p < P; ++p) counts[p] = static_cast<count_t>(part_.items.size(p)) * w;
    const real* mine = f_.items.data() + static_cast<std::size_t>(part_.item_begin) * w;
    comm_.allgatherv<real>(std::span<const real>(mine, counts[me]), std::span<real>(f_.items.data(), f_.items.size()), counts);
  }
  if (raters) compute_part(t, [&] { draw_raters(prior, t, s); });
  return s;
}

IterationStats Als::iterate(Timings& t) {
  if (opt_.gibbs) {  // f_ holds the chain's state during the sweep
    std::swap(f_.users, chain_users_);
    std::swap(f_.items, chain_items_);
    ++sweeps_;
  }
  IterationStats a = user_half(t);
  IterationStats b = item_half(t);
  IterationStats both = a;
  both.flops += b.flops;
  both.work_seconds += b.work_seconds;
  both.arithmetic_seconds += b.arithmetic_seconds;
  if (opt_.gibbs) {
    draw_noise(t);
    std::swap(f_.users, chain_users_);
    std::swap(f_.items, chain_items_);
    // The running mean of the draws after the burn-in; before it, the latest draw.
    Timed timed(t.compute);
    if (sweeps_ <= opt_.burn_in) {
      f_.users = chain_users_;
      f_.items = chain_items_;
    } else {
      // The mean of the factors as drawn, not of the predictions: the chain drifts slowly
      // through rotations that leave predictions unchanged, so this mean shrinks the factors,
      // and that shrinkage predicted held-out ratings better both than the predictions' mean
      // and than a mean of draws rotated onto each other first (bench/README.md, accuracy).
      ++kept_;
      const real share = real(1) / static_cast<real>(kept_);
      f_.users += share * (chain_users_ - f_.users);
      f_.items += share * (chain_items_ - f_.items);
    }
  }
  return both;
}

void Als::draw_noise(Timings& t) {
  {
    Timed timed(t.compute);
    chain_error_ = local_squared_error(part_, f_, opt_.threads);
  }
  {
    Timed timed(t.comm);
    chain_error_ = comm_.sum(chain_error_);
  }
  noise_ = opt_.noise_precision > 0
               ? opt_.noise_precision
               : draw_noise_precision(chain_error_, part_.train_nnz, gibbs_stream(opt_.seed, sweeps_, kNoise, 0));
}

real* Als::packed_state(Matrix& chain, const Matrix& vectors, Matrix& state) {
  if (!opt_.gibbs) return nullptr;
  if (!shifts()) return chain.data();
  state.resize(chain.rows(), state_width());
  state << chain, vectors;
  return state.data();
}
real* Als::user_state() { return packed_state(chain_users_, raters_, user_state_); }
real* Als::item_state() { return packed_state(chain_items_, rated_, item_state_); }

void Als::set_iterations_done(int done) {
  if (!opt_.gibbs || done == 0) return;
  if (shifts()) {  // restored into the packed rows; the vectors' precisions drawn again as at the end of sweep `done`
    const int w = f_.width(), k = f_.k;
    chain_users_ = user_state_.leftCols(w);
    raters_ = user_state_.rightCols(k);
    chain_items_ = item_state_.leftCols(w);
    rated_ = item_state_.rightCols(k);
    rated_precision_ = draw_zero_mean_precision(comm_, rated_.data() + static_cast<std::size_t>(part_.item_begin) * k,
                                                part_.local_items, k, gibbs_stream(opt_.seed, done, kRatedPrior, 0));
    raters_precision_ = draw_zero_mean_precision(comm_, raters_.data(), part_.local_users, k,
                                                 gibbs_stream(opt_.seed, done, kRaterPrior, 0));
  }
  sweeps_ = done;
  kept_ = std::max(0, done - opt_.burn_in);
  // The noise precision the next sweep uses, drawn again from the restored chain as at the end of
  // sweep `done`.
  Timings t;
  std::swap(f_.users, chain_users_);
  std::swap(f_.items, chain_items_);
  draw_noise(t);
  std::swap(f_.users, chain_users_);
  std::swap(f_.items, chain_items_);
}

double Als::regulariser() const {
  const int k = f_.k, w = f_.width();
  auto rows = [&](const real* x, index_t count, const std::vector<real>& reg, const std::vector<real>& bias_reg) {
    double sum = 0;
    for (index_t r = 0; r < count; ++r) {
      const real* row = x + static_cast<std::size_t>(r) * w;
      double norm = 0;
      for (int i = 0; i < k; ++i) norm += static_cast<double>(row[i]) * row[i];
      sum += reg[r] * norm + (f_.biases ? bias_reg[r] * static_cast<double>(row[k]) * row[k] : 0.0);
    }
    return sum;
  };
  return rows(f_.users.data(), part_.local_users, reg_by_user_, bias_reg_by_user_) +
         rows(f_.items.data() + static_cast<std::size_t>(part_.item_begin) * w, part_.local_items, reg_by_item_,
              bias_reg_by_item_);
}

double Als::loss(Timings& t) const {
  if (opt_.gibbs) return chain_error_;  // the squared training error of the latest draw
  double sums[2] = {0, 0};  // error, regulariser
  {
    Timed timed(t.compute);
    sums[1] = regulariser();
  }
  if (!opt_.implicit) {
    Timed timed(t.compute);
    sums[0] = local_squared_error(part_, f_, opt_.threads);
  } else {
    // sum over all (u, i) of c (p - x.y)^2 = sum_u x_u^T (Y^T Y) x_u + sum over observed of
    // [c (1 - s)^2 - s^2], and the first term is the elementwise product of X^T X and Y^T Y.
    const int k = f_.k, w = f_.width();
    std::vector<real> grams(static_cast<std::size_t>(2) * k * k);
    {
      Timed timed(t.compute);
      const Kernels& K = kernels();
      K.gram(f_.users.data(), part_.local_users, k, w, grams.data());
      K.gram(f_.items.data() + static_cast<std::size_t>(part_.item_begin) * w, part_.local_items, k, w,
             grams.data() + k * k);
      const Csr& c = part_.by_user;
      double err = 0;
#pragma omp parallel num_threads(opt_.threads) reduction(+ : err)
      {
        std::vector<real> p;
#pragma omp for schedule(dynamic, 64)
        for (index_t u = 0; u < c.rows(); ++u) {
          f_.predict(u, c.col.data() + c.ptr[u], c.ptr[u + 1] - c.ptr[u], p);
          for (count_t j = c.ptr[u]; j < c.ptr[u + 1]; ++j) {
            const double s = p[j - c.ptr[u]], conf = conf_by_user_[j];
            err += conf * (1 - s) * (1 - s) - s * s;
          }
        }
      }
      sums[0] = err;
    }
    Timed timed(t.comm);
    comm_.sum(std::span<real>(grams));
    if (comm_.root())
      for (int j = 0; j < k * k; ++j) sums[0] += static_cast<double>(grams[j]) * grams[k * k + j];
  }
  Timed timed(t.comm);
  comm_.sum(std::span<double>(sums, 2));
  return sums[0] + sums[1];
}

}  // namespace crossmf
