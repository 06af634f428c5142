#include "jobs/train_output.h"

#include <tuple>
#include <utility>

#include "io/output_writer.h"
#include "io/schema.h"
#include "src/base/log.h"
#include "src/kernels/kernels.h"
#include "src/model/file_order.h"

namespace crossmf {

namespace {

using namespace schema;  // the output's names: kModel..., attr::k...

// What each output group's writer needs: the writer, this rank's slices of users and items, and
// the routing that puts per-user rows (kept in scattered order on their owners) in file order.
struct OutputRows {
  OutputWriter& w;
  h5::File& file;
  const Comm& comm;
  const Partition& part;
  UserFileOrder& users;
  const TrainOptions& o;
  count_t n_users, n_items;
  Slice us, is;

  // Per-user rows of `cols` values (1-D when 0), `stride` apart in `rows`, routed to file order
  // and streamed to the file piece by piece.
  template <class T>
  void routed(const std::string& name, const T* rows, int stride, int cols) {
    w.rows_streamed<T>(name, n_users, cols, us.begin,
                       [&](auto page_offset, auto piece) { users.stream(rows, stride, std::max(cols, 1), page_offset, piece); });
  }
  template <class V>
  void per_user(const std::string& name, const V& local, int cols) {
    routed(name, local.data(), std::max(cols, 1), cols);
  }
  // This rank's items' rows, already in file order.
  template <class T>
  void per_item(const std::string& name, std::span<const T> mine, int cols) {
    w.rows<T>(name, mine, n_items, cols, is.begin);
  }
};

// Factors and biases routed straight from the [f, bias] rows; without biases the bias datasets
// hold zeros. The /model attributes say how they were trained.
void write_model(OutputRows& out, const TrainResults& r) {
  const Factors& f = r.factors;
  const int k = f.k, width = f.width();
  out.routed(kModelUserFactors, f.users.data(), width, k);
  out.per_item<real>(kModelItemFactors, items_in_file_order<real>(out.comm, out.part, f.items.data(), width, k), k);
  if (f.biases)
    out.routed(kModelUserBias, f.users.data() + k, width, 0);
  else
    out.w.rows<real>(kModelUserBias, std::vector<real>(out.us.end - out.us.begin, 0), out.n_users, 0, out.us.begin);
  out.per_item<real>(kModelItemBias, f.biases ? items_in_file_order<real>(out.comm, out.part, f.items.data() + k, width, 1)
                                              : std::vector<real>(out.is.end - out.is.begin, 0), 0);
  for (const char* b : {kModelUserBias, kModelItemBias}) out.file.set_attr(b, attr::kGlobalMean, static_cast<double>(f.mu));
}

// BMF: the users' prior a fold-in solves with (score), and the rated prior's item vectors.
void write_fold_in_prior(OutputRows& out, const TrainResults& r) {
  const FoldInPrior& p = r.fold_in;
  if (p.prior.mean.empty()) return;
  out.w.whole<real>(kModelUserPriorMean, p.prior.mean);
  out.w.whole<real>(kModelUserPriorPrecision, p.prior.precision);
  out.file.set_attr(kModelUserPriorPrecision, attr::kNoisePrecision, p.noise);
  out.file.set_attr(kModelUserPriorPrecision, attr::kMeaning,
                    std::string("bmf: per factor then the bias, the users' prior that crossmf score folds new users in "
                                "with; noise_precision: of the ratings"));
  const int k = r.factors.k;
  if (p.rated.size() > 0)
    out.per_item<real>(kModelRatedVectors, items_in_file_order<real>(out.comm, out.part, p.rated.data(), k, k), k);
}

// New items: which items were placed from /items/features, and the map that placed them.
void write_feature_map(OutputRows& out, const TrainResults& r) {
  if (r.item_from_features.empty()) return;
  const auto from_features = std::span(r.item_from_features).subspan(out.is.begin, out.is.end - out.is.begin);
  out.per_item<std::uint8_t>(kModelItemFromFeatures, from_features, 0);
  out.file.set_attr(kModelItemFromFeatures, attr::kMeaning,
                    std::string("1 = no interactions: factors placed from /items/features by /model/feature_map"));
  const FeatureMap& fm = r.feature_map;
  std::vector<double> weights(fm.weights.size());
  Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(weights.data(), fm.weights.rows(), fm.weights.cols()) = fm.weights;
  out.w.whole<double>(kModelFeatureMap, weights, static_cast<int>(fm.weights.cols()));
  out.file.set_attr(kModelFeatureMap, attr::kMeaning,
                    std::string("ridge map [1, standardised item features] -> [item factors, bias]; rows: intercept then features"));
  out.w.whole<double>(kModelFeatureMean, fm.mean);
  out.w.whole<double>(kModelFeatureScale, fm.scale);
}

void write_training_choice(OutputRows& out, const TrainResults& r) {
  out.file.set_attr(kModel, attr::kAlgorithm, r.algorithm);
  out.file.set_attr(kModel, attr::kFeedback, std::string(r.implicit ? "implicit" : "explicit"));
  out.file.set_attr(kModel, attr::kIterationsRun, std::int64_t{r.iterations_run});
  out.file.set_attr(kModel, attr::kLambda, r.lambda);
  if (r.implicit) out.file.set_attr(kModel, attr::kAlpha, r.alpha);
  if (r.trained) return;
  out.file.set_attr(kRoot, attr::kModel, r.model);
  out.file.set_attr(kRoot, attr::kModelFingerprint, r.model_fingerprint);
}

// --lambda/--alpha auto: one row per candidate tried.
void write_tuning(OutputRows& out, const TrainResults& r) {
  const auto& trials = r.tuning.trials;
  if (trials.empty()) return;
  auto column = [&](auto field) {
    std::vector<double> v;
    for (const Trial& t : trials) v.push_back(static_cast<double>(t.*field));
    return v;
  };
  out.w.whole<double>(kTuningLambda, column(&Trial::lambda));
  out.w.whole<double>(kTuningAlpha, column(&Trial::alpha));
  std::vector<double> score = column(&Trial::score);
  if (!r.implicit)
    for (double& s : score) s = -s;  // an RMSE
  out.w.whole<double>(r.implicit ? kTuningValidationNdcg : kTuningValidationRmse, score);
  out.w.whole<double>(kTuningIterations, column(&Trial::iterations));
  out.w.whole<double>(kTuningSeconds, column(&Trial::seconds));
  out.file.set_attr(kTuning, attr::kValidationRatings, std::int64_t{r.tuning.validation_ratings});
  out.file.set_attr(kTuning, attr::kMeaning,
                    std::string("--lambda/--alpha auto: one row per candidate, in the order tried, scored on a validation "
                                "split of the training ratings; /model lambda and alpha hold the choice"));
}

// The per-iteration history, the tuning trials and the final held-out metrics.
void write_metrics(OutputRows& out, const TrainResults& r) {
  for (const std::string& c : r.history.columns) out.w.whole<double>(path(kMetricsHistory, c), r.history.values.at(c));
  write_tuning(out, r);
  if (!out.file.exists(kMetrics)) out.file.create_group(kMetrics);  // score: no history
  const Metrics& m = r.metrics;
  if (r.implicit) {
    for (auto [name, v] : {std::pair{attr::kPrecisionAtK, m.precision}, {attr::kRecallAtK, m.recall},
                           {attr::kNdcgAtK, m.ndcg}, {attr::kMapAtK, m.map}, {attr::kAuc, m.auc}})
      out.file.set_attr(kMetrics, name, v);
    out.file.set_attr(kMetrics, attr::kK, std::int64_t{out.o.top_n});
    out.file.set_attr(kMetrics, attr::kUsersEvaluated, std::int64_t{m.users});
  } else {
    out.file.set_attr(kMetrics, attr::kRmse, m.rmse);
    out.file.set_attr(kMetrics, attr::kMae, m.mae);
  }
  out.file.set_attr(kMetrics, attr::kHeldOutRatings, std::int64_t{out.part.test_nnz});
}

// Behaviour per user, and the segments with what characterises each.
void write_profiles(OutputRows& out, const TrainResults& r) {
  const Behaviour& b = r.behaviour;
  const Segments& s = r.segments;
  out.per_user(kProfilesActivity, b.activity, 0);
  out.per_user(kProfilesMeanRating, b.mean_rating, 0);
  if (b.domains > 0) {
    out.per_user(kProfilesDomainShare, b.domain_share, b.domains);
    out.file.set_attr(kProfilesDomainShare, attr::kNames, r.domain_names);
  }
  out.per_user(kProfilesSegment, s.segment, 0);
  std::vector<real> centroids(s.centroids.data(), s.centroids.data() + s.centroids.size());
  out.w.whole<real>(kProfilesCentroids, centroids, r.factors.k);
  out.w.whole<count_t>(kSegmentsSize, s.size);
  if (b.domains > 0) {
    out.w.whole<double>(kSegmentsDomainMix, s.domain_mix, b.domains);
    out.file.set_attr(kSegmentsDomainMix, attr::kNames, r.domain_names);
  }
  out.w.whole<index_t>(kSegmentsTopItems, s.top_items, s.S > 0 ? static_cast<int>(s.top_items.size() / s.S) : 1);
  out.file.set_attr(kProfiles, attr::kKmeansIterations, std::int64_t{s.iterations});
}

// What sets each segment apart, and its label (src/model/profile.h says how it is chosen).
void write_segment_traits(OutputRows& out, const TrainResults& r) {
  const SegmentTraits& t = r.segment_traits;
  const int D = r.behaviour.domains;
  out.w.whole<double>(kSegmentsActivity, t.activity);
  out.w.whole<double>(kSegmentsRisk, t.risk);
  if (D > 0) {
    out.w.whole<double>(kSegmentsDomainLift, t.domain_lift, D);
    out.file.set_attr(kSegmentsDomainLift, attr::kNames, r.domain_names);
  }
  out.file.create_strings(kSegmentsLabel, t.label);
  out.file.set_attr(kSegmentsLabel, attr::kMeaning,
                    std::string("<domain>-leaning: domain_lift above 1.2; heavy/light readers, high/low risk: segment "
                                "mean at least 1.25x / at most 0.8x the mean of all segmented users"));
}

// Each top-N list, the fallback and gating flags, and each item's most similar items.
void write_recommendations(OutputRows& out, const TrainResults& r) {
  const Recommendations& rec = r.recommendations;
  const int N = out.o.top_n;
  for (std::size_t l = 0; l < rec.lists.size(); ++l) {
    const std::string list = path(kRecommendations, rec.lists[l]);
    out.per_user(path(list, kItemsLeaf), rec.items[l], N);
    out.per_user(path(list, kScoresLeaf), rec.scores[l], N);
  }
  out.per_user(kRecommendationsFallback, rec.fallback, 0);
  out.file.set_attr(kRecommendations, attr::kFallbackMeaning, std::string("1 = user has no ratings: most popular items"));
  if (!r.gated.empty()) {
    out.per_user(kRecommendationsGated, r.gated, 0);
    out.file.set_attr(kRecommendations, attr::kGatedMeaning,
                      std::string("1 = risk above --risk-threshold: do not offer finance/insurance items to this user"));
  }
  if (!r.trained) return;
  out.per_item<index_t>(kSimilarItemsItems, r.similar.items, N);
  out.per_item<real>(kSimilarItemsScores, r.similar.scores, N);
}

// How well the risk model's scores matched the held-out labels, by score quantile.
void write_reliability(OutputRows& out, const ScoreHistogram& h) {
  std::vector<double> pred(h.rel_n.size()), obs(h.rel_n.size());
  for (std::size_t q = 0; q < h.rel_n.size(); ++q) {
    pred[q] = h.rel_n[q] > 0 ? h.rel_sum_p[q] / h.rel_n[q] : NAN;
    obs[q] = h.rel_n[q] > 0 ? h.rel_sum_y[q] / h.rel_n[q] : NAN;
  }
  out.w.whole<double>(kRiskReliabilityPredicted, pred);
  out.w.whole<double>(kRiskReliabilityObserved, obs);
  out.w.whole<double>(kRiskReliabilityCount, h.rel_n);
}

// The risk model's status; when fitted, the scores, tiers, model and its held-out quality.
void write_risk(OutputRows& out, const RiskModel& risk) {
  out.file.create_group(kRisk);
  out.file.set_attr(kRisk, attr::kStatus, risk.available ? std::string("fitted") : risk.status);
  if (!risk.available) return;
  out.per_user(kRiskScore, risk.score, 0);
  out.per_user(kRiskTier, risk.tier, 0);
  out.per_user(kRiskSplit, risk.split, 0);
  out.file.set_attr(kRiskTier, attr::kNames, std::vector<std::string>{"low", "medium", "high"});
  out.file.set_attr(kRiskSplit, attr::kMeaning, std::string("-1 unlabelled, 0 fitted on, 1 held out"));
  out.w.whole<double>(kRiskCoefficients, risk.coef);
  out.file.set_attr(kRiskCoefficients, attr::kFeatureNames, risk.feature_names);
  out.w.whole<double>(kRiskFeatureMean, risk.feature_mean);
  out.w.whole<double>(kRiskFeatureStd, risk.feature_std);
  const ScoreHistogram& h = risk.held_out;
  out.file.set_attr(kRisk, attr::kAuc, h.auc());
  out.file.set_attr(kRisk, attr::kKs, h.ks());
  out.file.set_attr(kRisk, attr::kGini, 2 * h.auc() - 1);
  out.file.set_attr(kRisk, attr::kBrier, h.brier());
  out.file.set_attr(kRisk, attr::kThreshold, out.o.risk_threshold);
  out.file.set_attr(kRisk, attr::kNFit, std::int64_t{risk.n_fit});
  out.file.set_attr(kRisk, attr::kNHeldOut, std::int64_t{risk.n_held_out});
  write_reliability(out, h);
}

// Per user, the inputs that raise the risk score most, and by how much.
void write_risk_reasons(OutputRows& out, const TrainResults& r) {
  const RiskReasons& reasons = r.risk_reasons;
  if (!r.risk.available) return;
  out.per_user(kRiskReasons, reasons.index, reasons.n);
  out.per_user(kRiskReasonContributions, reasons.contribution, reasons.n);
  out.file.set_attr(kRiskReasons, attr::kMeaning,
                    std::string("index into /risk/coefficients feature_names of the largest positive terms coefficient x "
                                "input (factors raw, features standardised by feature_mean, feature_std), largest first; "
                                "-1 pads"));
}

// Per gated domain, each product's best eligible users and its control group.
void write_audiences(OutputRows& out, const TrainResults& r) {
  const int A = out.o.audience_size;
  for (const Audience& a : r.audiences) {
    const std::string g = path(kAudiences, a.domain);
    out.w.rows<index_t>(path(g, kItemsLeaf), a.items, a.products, 0, a.first);
    out.w.rows<index_t>(path(g, kUsersLeaf), a.users, a.products, A, a.first);
    out.w.rows<real>(path(g, kScoresLeaf), a.scores, a.products, A, a.first);
    out.w.rows<std::uint8_t>(path(g, kControlLeaf), a.control, a.products, A, a.first);
    out.file.set_attr(g, attr::kControlFraction, out.o.control_fraction);
    out.file.set_attr(g, attr::kEligibility, std::string(r.risk.available ? "risk score below --risk-threshold"
                                                                          : "no risk model: every user with ratings"));
  }
  if (!r.audiences.empty())
    out.file.set_attr(kAudiences, attr::kMaxOffersPerUser, std::int64_t{out.o.max_offers_per_user});
}

// The ids copied from the input in its own type (integers or fixed-length strings), each rank
// whole chunks of the input's layout (chunk_slice); then the item domains.
// Ids given as values (score): `mine` are rows [first, ...) of `name`, `n` rows in all.
void write_id_rows(OutputRows& out, const char* name, count_t n, const IdSlice& mine, count_t first, bool strings) {
  if (!strings) {
    out.w.rows<std::int64_t>(name, mine.integers, n, 0, first);
    return;
  }
  std::uint64_t width = 1;
  for (const std::string& id : mine.strings) width = std::max<std::uint64_t>(width, id.size());
  out.file.create_fixed_strings(name, n, out.comm.max(width)).write_strings(mine.strings, first);
}

// score: this rank's even slice of the model's items' ids, then of the items it placed.
IdSlice item_slice(const OutputRows& out, const IdSources& ids) {
  IdSlice mine;
  const count_t known = static_cast<count_t>(ids.all_items->keys.size());
  for (count_t i = out.is.begin; i < out.is.end; ++i) {
    const IdSlice& from = i < known ? *ids.all_items : *ids.more_items;
    const count_t at = i < known ? i : i - known;
    if (!from.strings.empty()) mine.strings.push_back(from.strings[at]);
    else mine.integers.push_back(from.integers[at]);
  }
  return mine;
}

void write_ids(OutputRows& out, const TrainResults& r, const IdSources& ids) {
  if (ids.chosen) write_id_rows(out, kUsersId, out.n_users, *ids.chosen, ids.chosen_first, ids.chosen_strings);
  if (ids.all_items)
    write_id_rows(out, kItemsId, out.n_items, item_slice(out, ids), out.is.begin, !ids.all_items->strings.empty());
  for (auto [name, n, file] : {std::tuple{kUsersId, out.n_users, &ids.users}, {kItemsId, out.n_items, &ids.items}}) {
    if (!file->exists(name) || (ids.chosen && name == kUsersId) || (ids.all_items && name == kItemsId)) continue;
    h5::Dataset from = file->dataset(name);
    const Slice mine = chunk_slice(n, static_cast<count_t>(from.chunk_rows()), out.comm.rank(), out.comm.size());
    if (!from.fixed_size()) {
      // Variable-length strings, which parallel HDF5 cannot write: stored fixed-length, as wide as
      // the longest.
      const std::vector<std::string> ids = from.read_strings(mine.begin, mine.end - mine.begin);
      std::uint64_t width = 1;
      for (const std::string& id : ids) width = std::max<std::uint64_t>(width, id.size());
      out.file.create_fixed_strings(name, n, out.comm.max(width)).write_strings(ids, mine.begin);
      continue;
    }
    const std::vector<char> bytes = from.read_raw(mine.begin, mine.end - mine.begin);
    out.file.create_like(name, from).write_raw(bytes, mine.begin, mine.end - mine.begin);
  }
  if (!ids.item_domain.empty()) {
    const std::vector<std::int32_t>& d = ids.item_domain;
    out.per_item<std::int32_t>(kItemsDomain, std::span(d).subspan(out.is.begin, out.is.end - out.is.begin), 0);
    out.file.set_attr(kItemsDomain, attr::kNames, r.domain_names);
  }
}

}  // namespace

std::size_t write_train_output(const std::string& path, const Comm& comm, const Config& config, const InputInfo& info,
                               const IdSources& ids, const Partition& part, const TrainResults& r) {
  // The routing's buffers hold the pieces the writer streams in the background: `users` is
  // made before, and outlives, the writer.
  UserFileOrder users(comm, part);
  OutputWriter w(path, comm, {config.resolved, r.fingerprint, config.train.input, kernels().description});
  OutputRows out{w, w.file(), comm, part, users, config.train, info.n_users, info.n_items,
                 even_slice(info.n_users, comm.rank(), comm.size()), even_slice(info.n_items, comm.rank(), comm.size())};
  write_model(out, r);
  write_fold_in_prior(out, r);
  write_feature_map(out, r);
  write_training_choice(out, r);
  write_metrics(out, r);
  write_profiles(out, r);
  write_segment_traits(out, r);
  write_recommendations(out, r);
  write_risk(out, r.risk);
  write_risk_reasons(out, r);
  write_audiences(out, r);
  write_ids(out, r, ids);
  const std::size_t bytes = w.bytes_written();
  w.close();
  return bytes;
}

}  // namespace crossmf
