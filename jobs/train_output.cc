#include "jobs/train_output.h"

#include <utility>

#include "io/output_writer.h"
#include "io/schema.h"
#include "src/base/log.h"
#include "src/kernels/kernels.h"
#include "src/model/file_order.h"

namespace crossmf {

std::size_t write_train_output(const std::string& path, const Comm& comm, const Config& config, const InputInfo& info,
                               InputReader& input, const Partition& part, const TrainResults& r) {
  const TrainOptions& o = config.train;
  // Per-user arrays are kept in scattered order on their owners; one routing puts them all in
  // file order, piece by piece, each piece written from the routing's buffers while the next is
  // made: so `users` is made before, and outlives, the writer.
  UserFileOrder users(comm, part);
  OutputWriter w(path, comm, {config.resolved, r.fingerprint, o.input, kernels().description});
  h5::File& file = w.file();
  const Factors& f = r.factors;
  const int k = f.k, width = f.width(), N = o.top_n;
  const Slice us = even_slice(info.n_users, comm.rank(), comm.size());
  const Slice is = even_slice(info.n_items, comm.rank(), comm.size());
  auto routed = [&](const std::string& name, const auto* rows, int stride, int cols) {
    using T = std::decay_t<decltype(*rows)>;
    w.rows_streamed<T>(name, info.n_users, cols, us.begin,
                       [&](auto phase, auto piece) { users.stream(rows, stride, std::max(cols, 1), phase, piece); });
  };
  auto users_out = [&](const std::string& name, const auto& local, int cols) {
    routed(name, local.data(), std::max(cols, 1), cols);
  };

  // Model: factors and biases routed straight from the [f, bias] rows; without biases the bias
  // datasets hold zeros.
  const count_t my_users = us.end - us.begin, my_items = is.end - is.begin;
  routed("/model/user_factors", f.users.data(), width, k);
  w.rows<real>("/model/item_factors", items_in_file_order<real>(comm, part, f.items.data(), width, k), info.n_items, k, is.begin);
  const std::vector<real> zeros(f.biases ? 0 : my_users, 0);
  if (f.biases)
    routed("/model/user_bias", f.users.data() + k, width, 0);
  else
    w.rows<real>("/model/user_bias", zeros, info.n_users, 0, us.begin);
  w.rows<real>("/model/item_bias", f.biases ? items_in_file_order<real>(comm, part, f.items.data() + k, width, 1)
                                            : std::vector<real>(my_items, 0), info.n_items, 0, is.begin);
  for (const char* b : {"/model/user_bias", "/model/item_bias"}) file.set_attr(b, "global_mean", static_cast<double>(f.mu));
  if (!r.item_from_features.empty()) {
    std::vector<std::uint8_t> mine(r.item_from_features.begin() + is.begin, r.item_from_features.begin() + is.end);
    w.rows<std::uint8_t>("/model/item_from_features", mine, info.n_items, 0, is.begin);
    file.set_attr("/model/item_from_features", "meaning",
                  std::string("1 = no interactions: factors placed from /items/features by /model/feature_map"));
    const FeatureMap& fm = r.feature_map;
    std::vector<double> weights(fm.weights.size());
    Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(weights.data(), fm.weights.rows(), fm.weights.cols()) = fm.weights;
    w.whole<double>("/model/feature_map", weights, static_cast<int>(fm.weights.cols()));
    file.set_attr("/model/feature_map", "meaning",
                  std::string("ridge map [1, standardised item features] -> [item factors, bias]; rows: intercept then features"));
    w.whole<double>("/model/feature_mean", fm.mean);
    w.whole<double>("/model/feature_scale", fm.scale);
  }
  file.set_attr("/model", "algorithm", r.algorithm);
  file.set_attr("/model", "feedback", std::string(r.implicit ? "implicit" : "explicit"));
  file.set_attr("/model", "iterations_run", std::int64_t{r.iterations_run});
  file.set_attr("/model", "lambda", r.lambda);
  if (r.implicit) file.set_attr("/model", "alpha", r.alpha);

  // Metrics.
  for (const std::string& c : r.history.columns) w.whole<double>("/metrics/history/" + c, r.history.values.at(c));
  if (const auto& trials = r.tuning.trials; !trials.empty()) {
    auto column = [&](auto field) {
      std::vector<double> v;
      for (const Trial& t : trials) v.push_back(static_cast<double>(t.*field));
      return v;
    };
    w.whole<double>("/metrics/tuning/lambda", column(&Trial::lambda));
    w.whole<double>("/metrics/tuning/alpha", column(&Trial::alpha));
    std::vector<double> score = column(&Trial::score);
    if (!r.implicit)
      for (double& s : score) s = -s;  // an RMSE
    w.whole<double>(r.implicit ? "/metrics/tuning/validation_ndcg_at_k" : "/metrics/tuning/validation_rmse", score);
    w.whole<double>("/metrics/tuning/iterations", column(&Trial::iterations));
    w.whole<double>("/metrics/tuning/seconds", column(&Trial::seconds));
    file.set_attr("/metrics/tuning", "validation_ratings", std::int64_t{r.tuning.validation_ratings});
    file.set_attr("/metrics/tuning", "meaning",
                  std::string("--lambda/--alpha auto: one row per candidate, in the order tried, scored on a validation "
                              "split of the training ratings; /model lambda and alpha hold the choice"));
  }
  const Metrics& m = r.metrics;
  if (r.implicit) {
    for (auto [name, v] : {std::pair{"precision_at_k", m.precision}, {"recall_at_k", m.recall}, {"ndcg_at_k", m.ndcg},
                           {"map_at_k", m.map}, {"auc", m.auc}})
      file.set_attr("/metrics", name, v);
    file.set_attr("/metrics", "k", std::int64_t{N});
    file.set_attr("/metrics", "users_evaluated", std::int64_t{m.users});
  } else {
    file.set_attr("/metrics", "rmse", m.rmse);
    file.set_attr("/metrics", "mae", m.mae);
  }
  file.set_attr("/metrics", "held_out_ratings", std::int64_t{part.test_nnz});

  // Profiles.
  const Behaviour& b = r.behaviour;
  const Segments& s = r.segments;
  users_out("/profiles/activity", b.activity, 0);
  users_out("/profiles/mean_rating", b.mean_rating, 0);
  if (b.domains > 0) {
    users_out("/profiles/domain_share", b.domain_share, b.domains);
    file.set_attr("/profiles/domain_share", "names", r.domain_names);
  }
  users_out("/profiles/segment", s.segment, 0);
  std::vector<real> centroids(s.centroids.data(), s.centroids.data() + s.centroids.size());
  w.whole<real>("/profiles/centroids", centroids, k);
  w.whole<count_t>("/profiles/segments/size", s.size);
  if (b.domains > 0) {
    w.whole<double>("/profiles/segments/domain_mix", s.domain_mix, b.domains);
    file.set_attr("/profiles/segments/domain_mix", "names", r.domain_names);
  }
  w.whole<index_t>("/profiles/segments/top_items", s.top_items, s.S > 0 ? static_cast<int>(s.top_items.size() / s.S) : 1);
  file.set_attr("/profiles", "kmeans_iterations", std::int64_t{s.iterations});

  // Recommendations.
  const Recommendations& rec = r.recommendations;
  for (std::size_t l = 0; l < rec.lists.size(); ++l) {
    users_out("/recommendations/" + rec.lists[l] + "/items", rec.items[l], N);
    users_out("/recommendations/" + rec.lists[l] + "/scores", rec.scores[l], N);
  }
  users_out("/recommendations/fallback", rec.fallback, 0);
  file.set_attr("/recommendations", "fallback_meaning", std::string("1 = user has no ratings: most popular items"));
  if (!r.gated.empty()) {
    users_out("/recommendations/gated", r.gated, 0);
    file.set_attr("/recommendations", "gated_meaning",
                  std::string("1 = risk above --risk-threshold: do not offer finance/insurance items to this user"));
  }
  w.rows<index_t>("/similar_items/items", r.similar.items, info.n_items, N, is.begin);
  w.rows<real>("/similar_items/scores", r.similar.scores, info.n_items, N, is.begin);

  // Risk.
  const RiskModel& risk = r.risk;
  file.create_group("/risk");
  file.set_attr("/risk", "status", risk.available ? std::string("fitted") : risk.status);
  if (risk.available) {
    users_out("/risk/score", risk.score, 0);
    users_out("/risk/tier", risk.tier, 0);
    users_out("/risk/split", risk.split, 0);
    file.set_attr("/risk/tier", "names", std::vector<std::string>{"low", "medium", "high"});
    file.set_attr("/risk/split", "meaning", std::string("-1 unlabelled, 0 fitted on, 1 held out"));
    w.whole<double>("/risk/coefficients", risk.coef);
    file.set_attr("/risk/coefficients", "feature_names", risk.feature_names);
    w.whole<double>("/risk/feature_mean", risk.feature_mean);
    w.whole<double>("/risk/feature_std", risk.feature_std);
    const ScoreHistogram& h = risk.held_out;
    file.set_attr("/risk", "auc", h.auc());
    file.set_attr("/risk", "ks", h.ks());
    file.set_attr("/risk", "gini", 2 * h.auc() - 1);
    file.set_attr("/risk", "brier", h.brier());
    file.set_attr("/risk", "threshold", o.risk_threshold);
    file.set_attr("/risk", "n_fit", std::int64_t{risk.n_fit});
    file.set_attr("/risk", "n_held_out", std::int64_t{risk.n_held_out});
    std::vector<double> pred(h.rel_n.size()), obs(h.rel_n.size());
    for (std::size_t q = 0; q < h.rel_n.size(); ++q) {
      pred[q] = h.rel_n[q] > 0 ? h.rel_sum_p[q] / h.rel_n[q] : NAN;
      obs[q] = h.rel_n[q] > 0 ? h.rel_sum_y[q] / h.rel_n[q] : NAN;
    }
    w.whole<double>("/risk/reliability/predicted", pred);
    w.whole<double>("/risk/reliability/observed", obs);
    w.whole<double>("/risk/reliability/count", h.rel_n);
  }

  // Audiences.
  for (const Audience& a : r.audiences) {
    const std::string g = "/audiences/" + a.domain;
    const int A = o.audience_size;
    w.rows<index_t>(g + "/items", a.items, a.products, 0, a.first);
    w.rows<index_t>(g + "/users", a.users, a.products, A, a.first);
    w.rows<real>(g + "/scores", a.scores, a.products, A, a.first);
    w.rows<std::uint8_t>(g + "/control", a.control, a.products, A, a.first);
    file.set_attr(g, "control_fraction", o.control_fraction);
    file.set_attr(g, "eligibility", std::string(risk.available ? "risk score below --risk-threshold" : "no risk model: every user with ratings"));
  }

  // Ids copied from the input in its own type (integers or fixed-length strings), each rank whole
  // chunks of the input's layout (chunk_slice).
  for (auto [name, n] : {std::pair{schema::kUsersId, info.n_users}, {schema::kItemsId, info.n_items}}) {
    if (!input.file().exists(name)) continue;
    h5::Dataset from = input.file().dataset(name);
    const Slice mine = chunk_slice(n, static_cast<count_t>(from.chunk_rows()), comm.rank(), comm.size());
    if (!from.fixed_size()) {
      // Variable-length strings, which parallel HDF5 cannot write: stored fixed-length, as wide as
      // the longest.
      const std::vector<std::string> ids = from.read_strings(mine.begin, mine.end - mine.begin);
      std::uint64_t width = 1;
      for (const std::string& id : ids) width = std::max<std::uint64_t>(width, id.size());
      file.create_fixed_strings(name, n, comm.max(width)).write_strings(ids, mine.begin);
      continue;
    }
    const std::vector<char> bytes = from.read_raw(mine.begin, mine.end - mine.begin);
    file.create_like(name, from).write_raw(bytes, mine.begin, mine.end - mine.begin);
  }
  if (info.has_domains) {
    std::vector<std::int32_t> d = input.read_domains();
    std::vector<std::int32_t> mine(d.begin() + is.begin, d.begin() + is.end);
    w.rows<std::int32_t>("/items/domain", mine, info.n_items, 0, is.begin);
    file.set_attr("/items/domain", "names", r.domain_names);
  }
  const std::size_t bytes = w.bytes_written();
  w.close();
  return bytes;
}

}  // namespace crossmf
