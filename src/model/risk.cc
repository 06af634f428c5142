#include "src/model/risk.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "src/numerics/random.h"

namespace crossmf {

namespace {
double sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

// The model's inputs for local user u: [1, factors, standardised features].
void model_inputs(const RiskModel& r, const Factors& f, const RiskInputs& in, index_t u, Eigen::VectorXd& x) {
  const int k = f.k, F = in.F;
  x.resize(1 + k + F);
  x(0) = 1;
  for (int q = 0; q < k; ++q) x(1 + q) = f.users(u, q);
  for (int j = 0; j < F; ++j)
    x(1 + k + j) = (in.features[static_cast<std::size_t>(u) * F + j] - r.feature_mean[j]) / r.feature_std[j];
}
}  // namespace

std::vector<std::string> risk_feature_names(int k, const std::vector<std::string>& user_features) {
  std::vector<std::string> names{"intercept"};
  for (int q = 0; q < k; ++q) names.push_back(fmt::format("factor_{}", q));
  names.insert(names.end(), user_features.begin(), user_features.end());
  return names;
}

void score_risk(const Partition& part, const Factors& f, const RiskInputs& in, double threshold, RiskModel& r) {
  const Eigen::Map<const Eigen::VectorXd> w(r.coef.data(), static_cast<Eigen::Index>(r.coef.size()));
  r.score.assign(part.local_users, std::numeric_limits<real>::quiet_NaN());
  r.tier.assign(part.local_users, -1);
  Eigen::VectorXd x;
  for (index_t u = 0; u < part.local_users; ++u) {
    model_inputs(r, f, in, u, x);
    const double p = sigmoid(w.dot(x));
    r.score[u] = static_cast<real>(p);
    r.tier[u] = p >= threshold ? 2 : (p >= threshold / 2 ? 1 : 0);
  }
}

RiskModel fit_risk(const Comm& comm, const Partition& part, const Factors& f, const RiskInputs& in, double threshold,
                   double l2, std::uint64_t seed) {
  RiskModel r;
  const index_t m = part.local_users;
  const int k = f.k, F = in.F, D = 1 + k + F;
  r.score.assign(m, std::numeric_limits<real>::quiet_NaN());
  r.tier.assign(m, -1);
  r.split.assign(m, -1);
  const count_t labelled = comm.sum<count_t>(static_cast<count_t>(in.labels.size()));
  if (!in.have_labels || labelled < 10) {
    r.status = in.have_labels ? "fewer than 10 labelled users: no risk model" : "no /labels in the input: no risk model";
    return r;
  }
  // Standardisation of the raw features over all users.
  r.feature_mean.assign(F, 0);
  r.feature_std.assign(F, 1);
  if (F > 0) {
    std::vector<double> s(2 * F, 0);
    for (index_t u = 0; u < m; ++u)
      for (int j = 0; j < F; ++j) {
        const double v = in.features[static_cast<std::size_t>(u) * F + j];
        s[j] += v;
        s[F + j] += v * v;
      }
    comm.sum(std::span<double>(s));
    for (int j = 0; j < F; ++j) {
      r.feature_mean[j] = s[j] / part.n_users;
      const double var = s[F + j] / part.n_users - r.feature_mean[j] * r.feature_mean[j];
      r.feature_std[j] = var > 1e-24 ? std::sqrt(var) : 1.0;
    }
  }
  r.feature_names = risk_feature_names(k, in.names);
  auto features_of = [&](index_t u, Eigen::VectorXd& x) { model_inputs(r, f, in, u, x); };
  // Fit / held-out split by original id.
  for (auto [u, y] : in.labels) {
    const index_t original = part.user_scatter.inverse(part.user_begin + u);
    r.split[u] = to_unit(hash2(seed ^ 0x7269736bULL, static_cast<std::uint64_t>(original))) < 0.8 ? 0 : 1;
  }
  // Newton's method.
  Eigen::VectorXd w = Eigen::VectorXd::Zero(D), x;
  for (int it = 0; it < 50; ++it) {
    std::vector<double> gh(D + D * D, 0);
    Eigen::Map<Eigen::VectorXd> g(gh.data(), D);
    Eigen::Map<Eigen::MatrixXd> H(gh.data() + D, D, D);
    for (auto [u, y] : in.labels) {
      if (r.split[u] != 0) continue;
      features_of(u, x);
      const double p = sigmoid(w.dot(x));
      g += (p - y) * x;
      H.selfadjointView<Eigen::Lower>().rankUpdate(x, p * (1 - p));
    }
    comm.sum(std::span<double>(gh));
    Eigen::MatrixXd Hf = H.selfadjointView<Eigen::Lower>();
    // The intercept is not penalised (a tiny ridge keeps H positive definite).
    Eigen::VectorXd pen = Eigen::VectorXd::Constant(D, l2);
    pen(0) = 1e-9;
    g += pen.cwiseProduct(w);
    Hf.diagonal() += pen;
    const Eigen::VectorXd step = Hf.ldlt().solve(g);
    w -= step;
    r.newton_iterations = it + 1;
    if (step.norm() < 1e-10 * (1 + w.norm())) break;
  }
  r.coef.assign(w.data(), w.data() + D);
  // Scores, tiers and held-out quality.
  score_risk(part, f, in, threshold, r);
  count_t fit = 0, held = 0;
  for (auto [u, y] : in.labels) {
    if (r.split[u] == 1) { r.held_out.add(r.score[u], y > 0.5); ++held; }
    else ++fit;
  }
  std::vector<double> packed = r.held_out.pack();
  comm.sum(std::span<double>(packed));
  r.held_out.unpack(packed);
  r.n_fit = comm.sum(fit);
  r.n_held_out = comm.sum(held);
  r.available = true;
  return r;
}

RiskReasons risk_reasons(const RiskModel& r, const Factors& f, const RiskInputs& in, int n) {
  RiskReasons out;
  if (!r.available) return out;
  out.n = n;
  const index_t m = static_cast<index_t>(r.score.size());
  out.index.assign(static_cast<std::size_t>(m) * n, -1);
  out.contribution.assign(static_cast<std::size_t>(m) * n, std::numeric_limits<real>::quiet_NaN());
  Eigen::VectorXd x;
  std::vector<std::pair<double, std::int32_t>> terms;
  for (index_t u = 0; u < m; ++u) {
    model_inputs(r, f, in, u, x);
    terms.clear();
    for (int j = 1; j < x.size(); ++j) {
      const double t = r.coef[j] * x(j);
      if (t > 0) terms.emplace_back(-t, j);  // ascending order = largest term first, then smaller index
    }
    const std::size_t keep = std::min<std::size_t>(n, terms.size());
    std::partial_sort(terms.begin(), terms.begin() + keep, terms.end());
    for (std::size_t q = 0; q < keep; ++q) {
      out.index[static_cast<std::size_t>(u) * n + q] = terms[q].second;
      out.contribution[static_cast<std::size_t>(u) * n + q] = static_cast<real>(-terms[q].first);
    }
  }
  return out;
}

}  // namespace crossmf
