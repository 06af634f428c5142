#include "src/model/gibbs.h"

#include <cmath>

#include "src/numerics/random.h"

namespace crossmf {

namespace {

// Gamma(shape, 1) by Marsaglia and Tsang's squeeze (shape >= 1 here: half a count plus one).
double gamma_draw(Rng& rng, double shape) {
  const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = rng.uniform();
    if (u < 1 - 0.0331 * x * x * x * x || std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
  }
}

}  // namespace

std::uint64_t gibbs_stream(std::uint64_t seed, int sweep, int what, std::uint64_t id) {
  return hash2(hash2(seed ^ 0x6769626273ULL, (static_cast<std::uint64_t>(sweep) << 8) | static_cast<std::uint64_t>(what)), id);
}

namespace {

// Per dimension over every rank's rows: the sums and sums of squares, then the count.
std::vector<double> row_sums(const Comm& comm, const real* rows, index_t local, int width) {
  std::vector<double> sums(2 * static_cast<std::size_t>(width) + 1, 0);
  for (index_t r = 0; r < local; ++r)
    for (int i = 0; i < width; ++i) {
      const double x = rows[static_cast<std::size_t>(r) * width + i];
      sums[i] += x;
      sums[width + i] += x * x;
    }
  sums[2 * width] = static_cast<double>(local);
  comm.sum(std::span<double>(sums));
  return sums;
}

// The Normal-Gamma posterior of dimension i: its shape, rate and the mean's centre.
struct Posterior {
  double shape, rate, centre, n;
};
Posterior posterior(const std::vector<double>& sums, int width, int i) {
  const double n = sums[2 * width], prior_scale = 1, shape0 = 1, rate0 = 1;
  const double mean = n > 0 ? sums[i] / n : 0;
  const double spread = std::max(0.0, sums[width + i] - n * mean * mean) + prior_scale * n / (prior_scale + n) * mean * mean;
  return {shape0 + (n + 1) / 2, rate0 + spread / 2, n * mean / (n + prior_scale), n + prior_scale};
}

}  // namespace

RowPrior draw_prior(const Comm& comm, const real* rows, index_t local, int width, std::uint64_t stream) {
  const std::vector<double> sums = row_sums(comm, rows, local, width);
  Rng rng(stream);
  RowPrior p;
  p.precision.resize(width);
  p.mean.resize(width);
  for (int i = 0; i < width; ++i) {
    const Posterior q = posterior(sums, width, i);
    const double precision = gamma_draw(rng, q.shape) / q.rate;
    p.precision[i] = static_cast<real>(precision);
    p.mean[i] = static_cast<real>(q.centre + rng.normal() / std::sqrt(q.n * precision));
  }
  return p;
}

RowPrior expected_prior(const Comm& comm, const real* rows, index_t local, int width) {
  const std::vector<double> sums = row_sums(comm, rows, local, width);
  RowPrior p;
  for (int i = 0; i < width; ++i) {
    const Posterior q = posterior(sums, width, i);
    p.precision.push_back(static_cast<real>(q.shape / q.rate));
    p.mean.push_back(static_cast<real>(q.centre));
  }
  return p;
}

std::vector<real> draw_zero_mean_precision(const Comm& comm, const real* rows, index_t local, int width, std::uint64_t stream) {
  std::vector<double> sums(static_cast<std::size_t>(width) + 1, 0);  // squares per dimension, then the count
  for (index_t r = 0; r < local; ++r)
    for (int i = 0; i < width; ++i) {
      const double x = rows[static_cast<std::size_t>(r) * width + i];
      sums[i] += x * x;
    }
  sums[width] = static_cast<double>(local);
  comm.sum(std::span<double>(sums));
  Rng rng(stream);
  std::vector<real> precision(width);
  for (int i = 0; i < width; ++i) precision[i] = static_cast<real>(gamma_draw(rng, 1 + sums[width] / 2) / (1 + sums[i] / 2));
  return precision;
}

double draw_noise_precision(double squared_error, count_t ratings, std::uint64_t stream) {
  Rng rng(stream);
  return gamma_draw(rng, 1 + static_cast<double>(ratings) / 2) / (1 + squared_error / 2);
}

void normal_draws(std::uint64_t stream, real* z, int n) {
  Rng rng(stream);
  for (int i = 0; i < n; ++i) z[i] = static_cast<real>(rng.normal());
}

}  // namespace crossmf
