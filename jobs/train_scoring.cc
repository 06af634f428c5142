#include "jobs/train_scoring.h"

#include "jobs/train_loop.h"
#include "src/base/log.h"
#include "src/base/signals.h"
#include "src/model/file_order.h"
#include "src/model/new_items.h"
#include "src/model/risk.h"

namespace crossmf {

namespace {

// L2 of the feature map that places new items and of the risk model's logistic regression: one
// unit of prior precision per coefficient keeps both solvable when features are collinear.
constexpr double kNewItemRidge = 1.0;
constexpr double kRiskRidge = 1.0;
// Items listed per segment in its profile.
constexpr int kSegmentTopItems = 10;
// Reason codes per scored user (CONTRACT.md: /risk/reasons [n_users,3]).
constexpr int kRiskReasons = 3;

// Items without interactions get factors from their features.
void place_new(TrainContext& run, const std::vector<count_t>& popularity) {
  const InputInfo& info = run.info();
  if (!info.has_item_features) return;
  TrainResults& r = run.results;
  r.feature_map = place_new_items(run.part, run.side.item_features, info.item_features, popularity, kNewItemRidge,
                                  run.factors, &r.item_from_features);
  spdlog::info("new items: {} items without interactions placed from {} item features", r.feature_map.placed,
               info.item_features);
}

void fit_risk_model(TrainContext& run) {
  const InputInfo& info = run.info();
  RiskInputs ri;
  ri.F = info.user_features;
  ri.names = info.user_feature_names;
  if (info.has_user_features) ri.features = users_from_file_order<real>(run.comm, run.part, run.side.user_features, ri.F);
  if (info.has_labels) {
    ri.labels = to_owners<real>(run.comm, run.part, run.side.labels.user, run.side.labels.value);
    ri.have_labels = true;
  }
  RiskModel& risk = run.results.risk;
  {
    Timed t(run.time().compute);
    risk = fit_risk(run.comm, run.part, run.factors, ri, run.o.risk_threshold, kRiskRidge, run.o.seed);
    run.results.risk_reasons = risk_reasons(risk, run.factors, ri, kRiskReasons);
  }
  if (risk.available)
    spdlog::info("risk: logistic model on {} fitted, {} held-out labelled users: AUC {:.4f}, KS {:.4f}, Brier {:.4f} "
                 "({} Newton steps)", risk.n_fit, risk.n_held_out, risk.held_out.auc(), risk.held_out.ks(),
                 risk.held_out.brier(), risk.newton_iterations);
  else
    spdlog::warn("risk: {}; finance and insurance offers are not risk-gated", risk.status);
}

// Recommendations, profiles, similar items and audiences, risky users gated. With `centroids`
// (score), users join the trained segments and the items' similar items are not recomputed.
void recommend_and_profile(TrainContext& run, const std::vector<std::int32_t>& domain,
                           const std::vector<count_t>& popularity, const Matrix* centroids = nullptr) {
  const TrainOptions& o = run.o;
  const Partition& part = run.part;
  TrainResults& r = run.results;
  std::vector<std::uint8_t> risky(part.local_users, 0), eligible(part.local_users, 0);
  for (index_t u = 0; u < part.local_users; ++u) {
    risky[u] = r.risk.available && r.risk.score[u] >= o.risk_threshold;
    eligible[u] = !risky[u] && part.by_user.ptr[u + 1] > part.by_user.ptr[u];
  }
  if (o.gating == Gating::kFlag) r.gated = risky;
  Timed t(run.time().compute);
  r.recommendations = recommend(part, run.factors, o.top_n, domain, r.domain_names, popularity,
                                o.gating == Gating::kWithhold ? risky : std::vector<std::uint8_t>{}, r.gated_domain,
                                run.threads);
  r.behaviour = behaviour(part, domain, static_cast<int>(r.domain_names.size()));
  if (centroids) {
    r.segments = assign_segments(run.comm, part, run.factors, r.behaviour, *centroids, kSegmentTopItems, run.threads);
  } else {
    r.segments = segment_users(run.comm, part, run.factors, r.behaviour, o.segments, kSegmentTopItems, o.seed, run.threads);
    r.similar = similar_items(run.comm, part, run.factors, o.top_n, run.threads);
  }
  r.segment_traits = describe_segments(run.comm, r.segments, r.behaviour,
                                       r.risk.available ? std::span<const real>(r.risk.score) : std::span<const real>(),
                                       r.domain_names);
  if (o.max_offers_per_user > 0) {
    std::vector<std::pair<std::string, int>> gated;
    for (std::size_t d = 0; d < r.domain_names.size(); ++d)
      if (r.gated_domain[d]) gated.push_back({r.domain_names[d], static_cast<int>(d)});
    r.audiences = assign_audiences(run.comm, part, run.factors, gated, domain, eligible, o.audience_size,
                                   o.max_offers_per_user, o.control_fraction, o.seed, run.threads, &r.contacts);
    return;
  }
  for (std::size_t d = 0; d < r.domain_names.size(); ++d)
    if (r.gated_domain[d])
      r.audiences.push_back(build_audience(run.comm, part, run.factors, r.domain_names[d], static_cast<int>(d), domain,
                                           eligible, o.audience_size, o.control_fraction, o.seed, run.threads));
}

// The risk model as stored in a trained output, applied to the users folded in.
void apply_stored_risk(TrainContext& run, const ScoringModel& m) {
  RiskModel& risk = run.results.risk;
  risk.available = m.risk;
  if (!m.risk) {
    risk.status = "the model has no risk model";
    risk.score.assign(run.part.local_users, NAN);
    risk.tier.assign(run.part.local_users, -1);
    spdlog::warn("risk: {} has none; finance and insurance offers are not risk-gated", run.config.score.model);
    return;
  }
  risk.coef = m.risk_coef;
  risk.feature_mean = m.risk_mean;
  risk.feature_std = m.risk_std;
  risk.feature_names = m.risk_names;
  risk.split.assign(run.part.local_users, -1);
  RiskInputs ri;
  ri.F = static_cast<int>(m.risk_mean.size());
  if (ri.F > 0) ri.features = users_from_file_order<real>(run.comm, run.part, run.side.user_features, ri.F);
  Timed t(run.time().compute);
  score_risk(run.part, run.factors, ri, run.o.risk_threshold, risk);
  run.results.risk_reasons = risk_reasons(risk, run.factors, ri, kRiskReasons);
}

void log_scoring(const TrainContext& run) {
  const TrainResults& r = run.results;
  const double seconds = run.comm.max(r.recommendations.seconds), flops = run.comm.sum(r.recommendations.flops);
  spdlog::info("recommendations: top-{} for {} users in {} lists, {:.2f}s, {:.1f} GFLOP/s scoring; {} segments "
               "({} k-means steps); {} audiences", run.o.top_n, run.part.n_users, r.recommendations.lists.size(),
               seconds, seconds > 0 ? flops / seconds * 1e-9 : 0.0, r.segments.S, r.segments.iterations,
               r.audiences.size());
  if (run.o.max_offers_per_user > 0) {
    const ContactStats& c = r.contacts;
    spdlog::info("contact policy: at most {} offers per user, {} per product: {} offers to {} eligible users, {:.2f} "
                 "per user, {} at the cap, {} with none, most {}; affinity {:.6g}, {:.3f}% of the bound {:.6g} "
                 "({} auction rounds, epsilon {:.3g}{})", run.o.max_offers_per_user, run.o.audience_size, c.pairs,
                 c.eligible_users, c.eligible_users > 0 ? double(c.pairs) / c.eligible_users : 0.0, c.users_full,
                 c.users_none, c.max_offers, c.affinity, c.bound > 0 ? 100 * c.affinity / c.bound : 100.0, c.bound,
                 c.rounds, c.epsilon, c.converged ? "" : ", stopped at the round cap");
  }
}

void name_domains(TrainContext& run, const std::vector<std::string>& names) {
  run.results.domain_names = names;
  for (const auto& name : names) run.results.gated_domain.push_back(is_gated_domain(name));
}

}  // namespace

void score_folded_users(TrainContext& run, const ScoringModel& m, const std::vector<std::int32_t>& domain) {
  const std::vector<count_t> popularity = item_popularity(run.comm, run.part);
  name_domains(run, m.domain_names);
  apply_stored_risk(run, m);
  run.side = SideTables();
  const Matrix centroids = Eigen::Map<const Matrix>(m.centroids.data(), m.segments, m.k);
  recommend_and_profile(run, domain, popularity, &centroids);
  stop_point(run.comm, "scoring", kNothingWritten);
  log_scoring(run);
}

void score_users(TrainContext& run) {
  const Comm& comm = run.comm;
  const std::vector<std::int32_t> domain = std::move(run.side.domain);
  const std::vector<count_t> popularity = item_popularity(comm, run.part);
  place_new(run, popularity);
  name_domains(run, run.info().domain_names);
  fit_risk_model(run);
  run.side = SideTables();
  recommend_and_profile(run, domain, popularity);
  stop_point(comm, "scoring", after_training(run.o));
  log_scoring(run);
}

}  // namespace crossmf
