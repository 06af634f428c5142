// Risk score: L2-regularised logistic regression of the 0/1 outcome labels on
// [1, user factors, standardised user features], fitted by Newton's method with the gradient and
// Hessian summed across ranks. Labelled users are split (seeded, by original id) into a fit part
// (80%) and a held-out part on which AUC, KS, Gini, Brier and a reliability table are reported.
#pragma once
#include <string>
#include <vector>

#include "src/model/factors.h"
#include "src/numerics/binary_metrics.h"

namespace crossmf {

struct RiskModel {
  bool available = false;
  std::string status;                     // why not, when not available
  std::vector<std::string> feature_names; // intercept first
  std::vector<double> coef;
  std::vector<double> feature_mean, feature_std;
  std::vector<real> score;                // per local user: probability (NaN when unavailable)
  std::vector<std::int8_t> tier;          // per local user: 0 low, 1 medium, 2 high, -1 none
  std::vector<std::int8_t> split;         // per local user: -1 unlabelled, 0 fit, 1 held out
  ScoreHistogram held_out;
  count_t n_fit = 0, n_held_out = 0;
  int newton_iterations = 0;
};

struct RiskInputs {
  std::vector<real> features;   // local users x F (scattered order), may be empty
  int F = 0;
  std::vector<std::string> names;
  std::vector<std::pair<index_t, real>> labels;  // (local user, 0/1)
  bool have_labels = false;
};

// The names of the model's inputs, as /risk/coefficients' attribute feature_names holds them:
// intercept, factor_0 .. factor_{k-1}, then the user features.
std::vector<std::string> risk_feature_names(int k, const std::vector<std::string>& user_features);

// Per local user, r.score and r.tier from the model r holds (coef, feature_mean, feature_std):
// fit_risk's last step, and score's from a stored model.
void score_risk(const Partition& part, const Factors& f, const RiskInputs& in, double threshold, RiskModel& r);

RiskModel fit_risk(const Comm& comm, const Partition& part, const Factors& f, const RiskInputs& in, double threshold,
                   double l2, std::uint64_t seed);

// Reason codes (adverse-action reasons): per user, the model inputs whose term coefficient x
// input raises the score most. Inputs as the model sees them: factors raw, user features
// standardised by the model's feature_mean and feature_std; the intercept is never a reason.
struct RiskReasons {
  int n = 0;                          // reasons per user
  std::vector<std::int32_t> index;    // local users x n: into feature_names, largest term first; -1 pads
  std::vector<real> contribution;     // local users x n: the term, > 0; NaN pads
};

// Local, no communication. The `n` largest positive terms per local user (ties: the smaller
// index first), fewer when fewer are positive. Empty when the model is not available.
RiskReasons risk_reasons(const RiskModel& r, const Factors& f, const RiskInputs& in, int n);

}  // namespace crossmf
