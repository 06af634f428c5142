// Distributed alternating least squares (explicit ALS-WR with biases; implicit HKV with the
// Gram-matrix trick). Per iteration:
//   user half: every rank solves its users against the replicated item factors
//              (implicit: Y^T Y is one k x k allreduce);
//   item half: user rows travel along the routing of the partition to the ranks owning items
//              they rated, every rank solves its item block, and the blocks are allgathered so
//              every rank again holds all item factors.
// Traffic per iteration is O((m + n) k): factors move, normal equations never do.
#pragma once
#include "src/base/huge_pages.h"
#include "src/model/factors.h"
#include "src/model/gibbs.h"
#include "src/model/trainer.h"
#include "src/kernels/kernels.h"

namespace crossmf {

struct AlsOptions {
  bool implicit = false;
  // Each row's L2 weight is lambda * m^exponent, with m its mass: explicit, its rating count
  // (exponent 1 is ALS-WR); implicit, the summed extra confidence of its positives plus the
  // count of the other side, which weighs the unobserved (Rendle et al. 2021's frequency-scaled
  // regularisation; exponent 0 is plain HKV).
  double lambda = 0.05;
  double lambda_exponent = -1;  // < 0: 1 explicit (ALS-WR), 0 implicit
  double bias_lambda = -1;  // explicit biases; < 0: lambda
  // Explicit: Bayesian MF by Gibbs sampling (src/model/gibbs.h) instead of least squares; the
  // factors are the mean of the draws after `burn_in` sweeps. lambda and its exponent are unused.
  bool gibbs = false;
  int burn_in = 0;
  double noise_precision = 0;  // of the ratings; <= 0: drawn each sweep from the chain's residuals
  // Gibbs: each user's prior mean moves by |N(u)|^-1/2 times the sum of a vector of each item
  // they rated (Bayesian SVD++), and with rater_prior each item's by |N(i)|^-1/2 times the sum of
  // a vector of each user who rated it ("flipped"); the vectors are drawn too, by
  // `rated_cg_steps` CG steps a sweep.
  bool rated_prior = false;
  bool rater_prior = false;
  int rated_cg_steps = 8;
  std::uint64_t seed = 42;
  double alpha = 1.0;
  bool log_confidence = false;
  double epsilon = 1.0;
  bool cholesky = false;  // implicit: exact solve instead of CG
  int cg_steps = 3;
  int threads = 1;
};

// What fixes a user's prior when a BMF model folds in new users (score): the mean and
// precision of each factor and of the bias (k + 1 values, the bias last), the noise precision
// of the ratings, and with the rated prior the items' vectors (n_items x k, scattered order)
// that shift each user's prior mean by |N(u)|^-1/2 times the sum over the items they rated.
struct FoldInPrior {
  RowPrior prior;
  double noise = 2;
  Matrix rated;
};

class Als : public Trainer {
 public:
  // `part` and `f` must outlive the solver.
  Als(const Comm& comm, const Partition& part, const AlsOptions& opt, Factors& f);
  IterationStats iterate(Timings& t) override;
  // Objective value (global, on every rank): squared error + regulariser.
  double loss(Timings& t) const override;
  // One half-step alone (for tests against a dense solve).
  IterationStats user_half(Timings& t);
  IterationStats item_half(Timings& t);
  // Fold-in (score): every local user's row solved exactly against the fixed item rows: the
  // user half-step of the model's objective, with Cholesky for implicit feedback whatever the
  // solver, and for a BMF model the mean of the row's conditional under `bmf` (no draw).
  IterationStats fold_in(const FoldInPrior* bmf, Timings& t);
  // Collective. BMF: what a fold-in of this model needs: the prior's expectation given the
  // chain's latest user rows less their shifts, its noise precision and rated prior's vectors.
  FoldInPrior fold_in_prior();
  // BMF: the chain's state, saved in checkpoints beside the mean of the draws; with the rated
  // priors, each row followed by its k-vector of the other side's prior (zeros when unused).
  int state_width() const override { return opt_.gibbs ? f_.width() + (shifts() ? f_.k : 0) : 0; }
  real* user_state() override;
  real* item_state() override;
  void set_iterations_done(int done) override;
  // Rated priors: one draw of the items' vectors given the users' rows and their prior, and of
  // the users' vectors given the items' (tests call them directly).
  void draw_rated(const RowPrior& user_prior, Timings& t, IterationStats& s);
  void draw_raters(const RowPrior& item_prior, Timings& t, IterationStats& s);
  const Matrix& rated() const { return rated_; }
  const Matrix& raters() const { return raters_; }

 private:
  ColMatrix gram(const Matrix& rows, index_t first, index_t count, Timings& t, IterationStats& s) const;
  // Solves every row of `csr` against the neighbour rows `other` (`count` rows of f_.width());
  // adds its flops and arithmetic seconds to s.
  // Gibbs: how one half's rows are drawn. Row r's normal draws come from the stream of its
  // original id, scatter.inverse(first + r).
  struct RowDraws {
    const RowPrior& prior;
    int what;  // GibbsDraw
    const Scatter& scatter;
    index_t first;
    const real* row_mean = nullptr;  // rows x k added to the prior's mean (rated prior)
    bool draw = true;  // false: the conditional's mean (fold-in)
  };
  void solve_rows(const Csr& csr, const real* other, index_t count, const ColMatrix& gram,
                  const std::vector<real>& conf, const std::vector<real>& reg, const std::vector<real>& bias_reg,
                  const RowDraws* draws, real* out, IterationStats& s);
  bool shifts() const { return opt_.gibbs && (opt_.rated_prior || opt_.rater_prior); }
  // The checkpoint's rows of one side: the chain's, then the vectors that side's rows own.
  real* packed_state(Matrix& chain, const Matrix& vectors, Matrix& state);
  // Rated priors, with R the ratings' pattern and the scales |N|^-1/2 where given (else 1):
  // out = diag(user_scale) R diag(item_scale) rows, local users from all items; and its
  // transpose, all items (replicated) from the local users, along the item half's routing.
  void items_to_users(const Matrix& item_rows, const real* item_scale, const real* user_scale, Matrix& out) const;
  void users_to_items(const Matrix& user_rows, const real* user_scale, const real* item_scale, Matrix& out, Timings& t);
  // BMF: the chain's squared training error, global, and the noise precision drawn from it.
  void draw_noise(Timings& t);
  // sum over local users and local items of (row L2 weight) |row|^2, bias terms included.
  double regulariser() const;
  const Comm& comm_;
  const Partition& part_;
  AlsOptions opt_;
  Factors& f_;
  std::vector<real> conf_by_user_, conf_by_item_;  // implicit confidences
  // Per row, local users and local items: the L2 weight of the factors and of the bias.
  std::vector<real> reg_by_user_, reg_by_item_, bias_reg_by_user_, bias_reg_by_item_;
  // User rows received for the item half (rows of f_.width()), gathered at random like packed_.
  std::vector<real, HugePageAllocator<real>> routed_;
  Matrix send_buffer_;
  // The neighbour rows repacked for the kernels (RowProblem) unless they are rows of exactly
  // padded(k) factors: factors padded to padded(k) on 64-byte lines, biases apart.
  std::vector<real, HugePageAllocator<real>> packed_, packed_bias_;
  // Gibbs: the chain's state (f_ holds the running mean of the draws between sweeps), the
  // sweeps made, those averaged, the noise precision and the last draw's squared error.
  Matrix chain_users_, chain_items_;
  int sweeps_ = 0, kept_ = 0;
  double noise_ = 2;
  double chain_error_ = 0;
  // Rated priors: the items' vectors (replicated) and the users' shifts they make (local);
  // the users' vectors (local) and the items' shifts (replicated); |N|^-1/2 of each local user
  // and of every item; each set of vectors' prior precision per dimension.
  Matrix rated_, user_shift_, raters_, item_shift_;
  std::vector<real> user_scale_, item_scale_, rated_precision_, raters_precision_;
  Matrix user_state_, item_state_;  // the checkpoint's rows, packed on request
};

// Confidence of an implicit strength r: 1 + alpha r, or 1 + alpha log(1 + r / epsilon).
real confidence(real r, const AlsOptions& opt);

}  // namespace crossmf
