// Bayesian matrix factorisation by Gibbs sampling (Salakhutdinov & Mnih 2008, with the
// per-dimension Normal-Gamma hyperpriors of libFM that Rendle, Zhang and Koren 2019 use): the
// draws that ALS does not make. A sweep draws the users' prior (mean and precision of each
// factor and of the bias) from the users' rows, every user row from its conditional (the
// explicit row kernel with a draw, src/kernels/kernels.h), the items' prior and rows the same
// way, and the noise precision from the training error; with the rated priors (AlsOptions), each
// side's rows are followed by the vectors that shift their prior means. Every stream is keyed by the seed, the
// sweep and what it draws, so the chain is the same on any number of ranks and threads.
#pragma once
#include <cstdint>
#include <vector>

#include "src/base/types.h"
#include "src/comm/comm.h"

namespace crossmf {

// The prior of one side's rows: k + 1 precisions and means, the bias last.
struct RowPrior {
  std::vector<real> precision, mean;
};

// The stream of one draw: the seed, the sweep, what is drawn (kGibbsUsers, ...) and an id.
std::uint64_t gibbs_stream(std::uint64_t seed, int sweep, int what, std::uint64_t id);
enum GibbsDraw : int { kUserPrior = 1, kUserRows, kItemPrior, kItemRows, kNoise, kRatedPrior, kRatedRows, kRatedItems, kRaterPrior, kRaterRows, kRaterUsers };

// Collective. The prior of `local` rows of `width` values here (all ranks' rows together),
// from the posterior of a Normal-Gamma hyperprior per dimension (mean 0, precision Gamma(1, 1),
// the mean's precision scaled by 1): the same draw on every rank.
RowPrior draw_prior(const Comm& comm, const real* rows, index_t local, int width, std::uint64_t stream);

// Collective. The same posterior's expectation, not a draw: the prior a fold-in uses (score).
RowPrior expected_prior(const Comm& comm, const real* rows, index_t local, int width);

// Collective. Per dimension, the precision of zero-mean rows (`local` rows of `width` here, all
// ranks' rows together) from a Gamma(1, 1) hyperprior: the same draw on every rank.
std::vector<real> draw_zero_mean_precision(const Comm& comm, const real* rows, index_t local, int width, std::uint64_t stream);

// The noise precision given `squared_error` summed over `ratings` (Gamma(1, 1) prior).
double draw_noise_precision(double squared_error, count_t ratings, std::uint64_t stream);

// n standard normal values from a stream.
void normal_draws(std::uint64_t stream, real* z, int n);

}  // namespace crossmf
