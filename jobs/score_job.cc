// crossmf score: users of a new input folded into a trained output's model, without retraining.
// run_score at the bottom reads as the pipeline:
//   open the model and the input -> read the ratings, items matched to the model's by external
//   id -> partition -> fold in (each user's half-step of the model's objective against its fixed
//   items) -> held-out metrics if the input has /test -> risk, recommendations, segments and
//   audiences from the model's stored parts (train_scoring.cc) -> write the output atomically.
#include <algorithm>

#include "io/h5.h"
#include "io/id_keys.h"
#include "io/schema.h"
#include "jobs/jobs.h"
#include "jobs/train_scoring.h"
#include "src/base/log.h"
#include "src/base/signals.h"
#include "src/kernels/kernels.h"
#include "src/model/id_match.h"

namespace crossmf {

namespace {

// The job: train's context over the model's options (its objective and downstream settings),
// the model's stored parts, and the item map from the input to the model.
struct ScoreJob {
  ScoreJob(const Config& c, const Comm& comm) : as_model(c), run(as_model, comm) {}
  Config as_model;  // the score options, with .train the model's
  TrainContext run;
  ScoringModel model;
  std::vector<index_t> item_in_model;  // per input item: the model's row, or -1
  // --users: the chosen users of this rank's slice of the input, their ids and first new row.
  IdSlice chosen;
  count_t chosen_first = 0, n_chosen = 0;
  // Items the model does not know, placed from their features by its map: rows after its own.
  count_t n_new = 0;
  IdSlice new_ids;
  std::vector<real> new_rows;  // n_new x (k + 1)
  FeatureMap map;
  std::vector<std::int32_t> new_domain;  // by the model's domain names; -1: none
  count_t n_items() const { return model.n_items + n_new; }
};

// Models score can fold users into, and what it needs of them; the same on every rank.
void check_model(const ScoreJob& job) {
  const ScoringModel& m = job.model;
  const ScoreOptions& s = job.as_model.score;
  const TrainOptions& o = job.run.o;
  if (s.factors != -1 && s.factors != m.k)
    fail(Exit::usage, "--model {} has {} factors, not --factors {}; give --factors {} or drop it", s.model, m.k,
         s.factors, m.k);
  if (m.algorithm == name_of(Algorithm::kSgd) && m.implicit)
    fail(Exit::usage, "--model {} was trained by sgd with the {} loss, which has no user half-step to solve; score "
                      "folds in models trained by als or bmf, or by sgd on explicit ratings: train with --algorithm als",
         s.model, name_of(o.implicit_loss));
  if (m.algorithm == name_of(Algorithm::kBmf) && m.prior_mean.empty())
    fail(Exit::usage, "--model {} is a bmf model without {}, which crossmf train stores since score exists; train it "
                      "again with this crossmf", s.model, schema::kModelUserPriorMean);
}

// The input: ids to match by, the model's feedback, and the features its risk model reads.
void check_input(const ScoreJob& job) {
  const InputInfo& info = job.run.info();
  const ScoringModel& m = job.model;
  const ScoreOptions& s = job.as_model.score;
  for (auto [has, name] : {std::pair{info.has_user_ids, schema::kUsersId}, {info.has_item_ids, schema::kItemsId}})
    if (!has)
      fail(Exit::usage, "--input {} has no {}: score matches users and items to the model by external id; give ids "
                        "(crossmf import and generate write them)", s.input, name);
  if (info.implicit != m.implicit)
    fail(Exit::usage, "--input {} holds {} feedback but --model {} was trained on {}; score an input of the model's "
                      "feedback", s.input, info.implicit ? "implicit" : "explicit", s.model,
         m.implicit ? "implicit" : "explicit");
  const int F = static_cast<int>(m.risk_mean.size());
  if (m.risk && F > 0 && info.user_features != F)
    fail(Exit::data, "--input {}: /users/features has {} columns but the risk model of --model {} reads {} ({}); "
                     "give the users' features as in training", s.input, info.user_features, s.model, F,
         fmt::join(std::vector<std::string>(m.risk_names.end() - F, m.risk_names.end()), ", "));
}

// Stage 1: the model (the options it was trained with, its items and stored parts), then the
// input's metadata, each checked before any long work.
void open_model_and_input(ScoreJob& job) {
  TrainContext& run = job.run;
  const ScoreOptions& s = job.as_model.score;
  const Comm& comm = run.comm;
  agreed(comm, [&] { if (comm.root()) AtomicOutput::clear_stale(s.output); });
  {
    Timed t(run.time().io);
    job.model = read_scoring_model(s.model, "--model", comm);
  }
  const ScoringModel& m = job.model;
  agreed(comm, [&] {
    job.as_model.train = train_options_from_ini(m.config, s.model);
    job.as_model.train.input = s.input;
    job.as_model.train.output = s.output;
    run.o = job.as_model.train;
    run.o.algorithm = *choice_named<Algorithm>(m.algorithm);
    run.o.factors = m.k;
    run.o.alpha = m.alpha;
    run.implicit = m.implicit;
    run.lambda = m.lambda;
    check_model(job);
  });
  agreed(comm, [&] {
    Timed t(run.time().io);
    run.input = std::make_unique<InputReader>(s.input, comm);
    check_input(job);
  });
  run.output = std::make_unique<AtomicOutput>(s.output, comm);
  const InputInfo& info = run.info();
  spdlog::info("model {}: {} trained, k = {}, {} items, {} segments, risk model {}; input {}: {} users, {} items, {} "
               "ratings", s.model, m.algorithm, m.k, m.n_items, m.segments, m.risk ? "yes" : "no", s.input,
               info.n_users, info.n_items, info.nnz);
  stop_point(comm, "opening the model and the input", kNothingWritten);
}

// The input's items as the model's rows; ratings of items the model does not know are left out.
count_t to_model_items(const std::vector<index_t>& in_model, Triplets& t) {
  count_t kept = 0;
  for (count_t e = 0; e < t.size(); ++e) {
    const index_t item = in_model[t.item[e]];
    if (item < 0) continue;
    t.user[kept] = t.user[e];
    t.item[kept] = item;
    t.value[kept] = t.value[e];
    if (!t.time.empty()) t.time[kept] = t.time[e];
    ++kept;
  }
  for (auto* v : {&t.user, &t.item}) v->resize(kept);
  t.value.resize(kept);
  if (!t.time.empty()) t.time.resize(kept);
  return kept;
}

// The model's map from item features to factors, when it has one and the input's features fit it.
bool feature_map_fits(ScoreJob& job) {
  const ScoringModel& m = job.model;
  const InputInfo& info = job.run.info();
  if (m.feature_map.empty() || !info.has_item_features) return false;
  const int G = static_cast<int>(m.feature_mean.size()), width = m.implicit ? m.k : m.k + 1;
  if (info.item_features != G) {
    spdlog::warn("--input {}: /items/features has {} columns, the feature map of --model {} reads {}: new items are "
                 "not placed", job.as_model.score.input, info.item_features, job.as_model.score.model, G);
    return false;
  }
  job.map.G = G;
  job.map.mean = m.feature_mean;
  job.map.scale = m.feature_scale;
  job.map.weights = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      m.feature_map.data(), G + 1, width);
  return true;
}

// Input item i's domain as the model names its domains; -1 when it has none there.
std::int32_t model_domain(const ScoreJob& job, index_t i) {
  const std::vector<std::int32_t>& d = job.run.side.domain;
  if (d.empty() || d[i] < 0) return -1;
  const std::string& name = job.run.info().domain_names[d[i]];
  const auto& names = job.model.domain_names;
  const auto at = std::find(names.begin(), names.end(), name);
  return at == names.end() ? -1 : static_cast<std::int32_t>(at - names.begin());
}

// Items the model does not know, placed from their /items/features by its feature map (as train
// places items without interactions): rows after the model's, in the input's order.
void place_unknown_items(ScoreJob& job, const IdSlice& items) {
  if (!feature_map_fits(job)) return;
  const ScoringModel& m = job.model;
  const std::vector<real>& features = job.run.side.item_features;
  const int G = job.map.G;
  std::vector<real> row(m.k + 1, 0);
  for (std::size_t i = 0; i < job.item_in_model.size(); ++i) {
    if (job.item_in_model[i] >= 0) continue;
    job.item_in_model[i] = static_cast<index_t>(m.n_items + job.n_new++);
    map_features(job.map, features.data() + i * G, row.data());
    job.new_rows.insert(job.new_rows.end(), row.begin(), row.end());
    if (!items.strings.empty()) job.new_ids.strings.push_back(items.strings[i]);
    else job.new_ids.integers.push_back(items.integers[i]);
    job.new_ids.keys.push_back(items.keys[i]);
    job.new_domain.push_back(model_domain(job, static_cast<index_t>(i)));
  }
  job.map.placed = static_cast<index_t>(job.n_new);
  if (job.n_new > 0)
    spdlog::info("new items: {} items of {} that --model {} does not know placed from their {} features by its map",
                 job.n_new, job.as_model.score.input, job.as_model.score.model, G);
}

// The input's items the model does not know and could not place, named in a warning.
void warn_unknown_items(const ScoreJob& job, const IdSlice& ids, count_t dropped) {
  const count_t unknown = std::count(job.item_in_model.begin(), job.item_in_model.end(), index_t{-1});
  if (unknown == 0) return;
  std::vector<std::string> names;
  for (index_t i = 0; i < static_cast<index_t>(job.item_in_model.size()) && names.size() < 5; ++i)
    if (job.item_in_model[i] < 0) names.push_back(ids.text(i));
  spdlog::warn("{} of {} items of {} are not in --model {} ({}{}): their {} ratings are left out; train again to "
               "include them", unknown, job.item_in_model.size(), job.as_model.score.input, job.as_model.score.model,
               fmt::join(names, ", "), unknown > 5 ? ", ..." : "", dropped);
}

// The chosen ids of this rank's slice of the input's users, each one's new index (or -1).
std::vector<index_t> renumber_chosen(ScoreJob& job, const IdSlice& ids, const std::vector<Key128>& wanted) {
  const Comm& comm = job.run.comm;
  const std::vector<std::uint8_t> listed = listed_anywhere(comm, ids.keys, wanted);
  std::vector<index_t> renumber(listed.size(), -1);
  count_t n = 0;
  for (std::size_t r = 0; r < listed.size(); ++r)
    if (listed[r]) {
      if (!ids.strings.empty()) job.chosen.strings.push_back(ids.strings[r]);
      else job.chosen.integers.push_back(ids.integers[r]);
      renumber[r] = static_cast<index_t>(n++);
    }
  job.chosen_first = comm.exscan(n);
  for (index_t& r : renumber)
    if (r >= 0) r += static_cast<index_t>(job.chosen_first);
  job.n_chosen = comm.sum(n);
  return renumber;
}

// --users: the chosen users of the input, renumbered in its file order; their ratings and
// features move to the ranks of the new numbering, the others are dropped.
void choose_users(ScoreJob& job, Triplets& train, Triplets& test) {
  TrainContext& run = job.run;
  const Comm& comm = run.comm;
  const ScoreOptions& s = job.as_model.score;
  const count_t n_users = run.info().n_users;
  const Slice mine = even_slice(n_users, comm.rank(), comm.size());
  IdSlice ids;
  h5::Kind kind{};
  agreed(comm, [&] {
    const h5::Dataset d = run.input->file().dataset(schema::kUsersId);
    ids = read_id_slice(d, mine.begin, mine.end - mine.begin, "user");
    kind = d.kind();
  });
  const std::vector<Key128> wanted = read_id_list(s.users, kind, "--users", comm);  // this rank's share
  const count_t n_wanted = comm.sum(static_cast<count_t>(wanted.size()));
  const std::vector<index_t> renumber = renumber_chosen(job, ids, wanted);
  if (job.n_chosen == 0)
    throw AgreedError(Exit::usage, fmt::format("--users {}: none of its {} ids is a user of --input {}; give ids of "
                                               "its /users/id", s.users, n_wanted, s.input));
  if (job.n_chosen < n_wanted)
    spdlog::warn("--users {}: {} of its {} ids are not users of {}: left out", s.users, n_wanted - job.n_chosen,
                 n_wanted, s.input);
  train = keep_users(comm, train, n_users, renumber);
  test = keep_users(comm, test, n_users, renumber);
  const int F = run.info().user_features;
  std::vector<real>& features = run.side.user_features;
  if (F > 0) {  // rows of the chosen, in new order, to the ranks whose new slices hold them
    std::vector<real> kept;
    std::vector<int> dest;
    for (std::size_t r = 0; r < renumber.size(); ++r)
      if (renumber[r] >= 0) {
        kept.insert(kept.end(), features.begin() + r * F, features.begin() + (r + 1) * F);
        dest.push_back(rank_of_row(renumber[r], job.n_chosen, comm.size()));
      }
    features = route<real>(comm, kept, dest, F);
  }
  spdlog::info("--users {}: {} of the {} users of {} scored", s.users, job.n_chosen, n_users, s.input);
}

// Stage 2: the ratings, items matched to the model's by id, then partitioned over the model's items.
void read_and_partition(ScoreJob& job) {
  TrainContext& run = job.run;
  const Comm& comm = run.comm;
  const InputInfo& info = run.info();
  const ScoreOptions& s = job.as_model.score;
  IdSlice items;
  {
    Timed t(run.time().io);
    run.side = run.input->read_side_tables();
    agreed(comm, [&] { items = read_id_slice(run.input->file().dataset(schema::kItemsId), 0, info.n_items, "item"); });
    job.item_in_model = match_keys(items.keys, job.model.item_keys);
    place_unknown_items(job, items);
  }
  Triplets train, test;
  agreed(comm, [&] {
    Timed t(run.time().io);
    train = run.input->read_ratings(false, false, run.implicit);
    if (info.has_test) test = run.input->read_ratings(true, false, run.implicit);
  });
  if (!s.users.empty()) choose_users(job, train, test);
  const count_t read = comm.sum(train.size());
  const count_t kept = comm.sum(to_model_items(job.item_in_model, train));
  to_model_items(job.item_in_model, test);
  warn_unknown_items(job, items, read - kept);
  const count_t on_known = comm.sum<count_t>(std::count_if(train.item.begin(), train.item.end(),
                                                           [&](index_t i) { return i < job.model.n_items; }));
  if (on_known == 0)
    throw AgreedError(Exit::usage, fmt::format("--input {} has no rating of an item --model {} knows (by /items/id): "
                                               "give the model trained on this platform", s.input, s.model));
  run.fingerprint = fmt::format("{} checksum={:016x}", info.fingerprint,
                                ratings_checksum(comm, train) + 3 * ratings_checksum(comm, test));
  run.timer.section("partition");
  run.part = build_partition(comm, s.users.empty() ? info.n_users : job.n_chosen, job.n_items(), std::move(train), info.has_test ? &test : nullptr,
                             {0, false, run.o.seed}, run.o.seed, run.threads, run.time());
  stop_point(comm, "partitioning the ratings", kNothingWritten);
}

// The model's items as the partition orders them, [f, bias] rows (the bias dropped without biases).
void place_model_items(const ScoreJob& job, Factors& f) {
  const ScoringModel& m = job.model;
  const Partition& part = job.run.part;
  f.items.resize(part.n_items, f.width());
  for (index_t j = 0; j < part.n_items; ++j) {
    const real* from = j < m.n_items ? m.item_rows.data() + static_cast<std::size_t>(j) * (m.k + 1)
                                     : job.new_rows.data() + static_cast<std::size_t>(j - m.n_items) * (m.k + 1);
    std::copy_n(from, f.width(), f.items.data() + static_cast<std::size_t>(part.item_scatter.forward(j)) * f.width());
  }
}

// BMF: the users' prior the model stored, its rated prior's item vectors in the partition's order.
FoldInPrior stored_prior(const ScoreJob& job) {
  const ScoringModel& m = job.model;
  const Partition& part = job.run.part;
  FoldInPrior p;
  p.prior.mean = m.prior_mean;
  p.prior.precision = m.prior_precision;
  p.noise = m.noise;
  if (!m.rated.empty()) {  // placed items rated by no one in training: no vector
    p.rated = Matrix::Zero(part.n_items, m.k);
    for (index_t j = 0; j < m.n_items; ++j)
      std::copy_n(m.rated.data() + static_cast<std::size_t>(j) * m.k, m.k, p.rated.row(part.item_scatter.forward(j)).data());
  }
  return p;
}

// Stage 3: every user's factors (and bias) by one exact user half-step of the model's objective.
void fold_in(ScoreJob& job) {
  TrainContext& run = job.run;
  const ScoringModel& m = job.model;
  Factors& f = run.factors;
  f.k = m.k;
  f.biases = !run.implicit && run.o.biases;
  f.mu = f.biases ? m.mu : 0;
  place_model_items(job, f);
  f.users = Matrix::Zero(run.part.local_users, f.width());
  AlsOptions a = als_options(run);
  a.lambda = m.lambda;
  a.alpha = m.alpha;
  a.gibbs = false;
  if (run.o.algorithm == Algorithm::kSgd) {  // SGD's L2 is lambda per rating on every parameter
    a.lambda_exponent = 1;
    a.bias_lambda = -1;
  }
  const bool bmf = run.o.algorithm == Algorithm::kBmf;
  const FoldInPrior prior = bmf ? stored_prior(job) : FoldInPrior{};
  run.timer.section("fold-in");
  Stopwatch watch;
  Als als(run.comm, run.part, a, f);
  const IterationStats s = als.fold_in(bmf ? &prior : nullptr, run.time());
  const double seconds = run.comm.max(watch.seconds());
  spdlog::info("fold-in: {} users against {} fixed items ({} objective, k = {}): {:.2f}s, {:.0f} users/s, {:.1f} GFLOP/s",
               run.part.n_users, job.n_items(), m.algorithm, m.k, seconds, run.part.n_users / std::max(seconds, 1e-9),
               run.comm.sum(s.flops) / std::max(seconds, 1e-9) * 1e-9);
}

// Stage 4: held-out metrics when the input has /test.
void evaluate_scored(ScoreJob& job) {
  TrainContext& run = job.run;
  TrainResults& r = run.results;
  r.trained = false;
  r.implicit = run.implicit;
  r.algorithm = job.model.algorithm;
  r.lambda = job.model.lambda;
  r.alpha = run.implicit ? job.model.alpha : NAN;
  r.fingerprint = run.fingerprint;
  r.model = job.as_model.score.model;
  r.model_fingerprint = job.model.fingerprint;
  if (job.n_new > 0) {
    r.feature_map = job.map;
    r.item_from_features.assign(job.n_items(), 0);
    std::fill(r.item_from_features.begin() + job.model.n_items, r.item_from_features.end(), 1);
  }
  if (run.part.test_nnz == 0) return;
  run.timer.section("evaluate");
  r.metrics = run.implicit ? evaluate_ranking(run.comm, run.part, run.factors, run.o.top_n, run.o.eval_users, run.o.seed,
                                              run.threads)
                           : evaluate_explicit(run.comm, run.part, run.factors, run.threads, false);
}

// Every item's domain: the model's, then the placed items'; empty when the model has none.
std::vector<std::int32_t> item_domain(const ScoreJob& job) {
  std::vector<std::int32_t> d = job.model.item_domain;
  if (!d.empty()) d.insert(d.end(), job.new_domain.begin(), job.new_domain.end());
  return d;
}

// Stage 6: the output, in train's schema, written to a temporary file and renamed when complete.
void write_scored(ScoreJob& job) {
  TrainContext& run = job.run;
  const Comm& comm = run.comm;
  run.results.factors = std::move(run.factors);
  run.timer.section("write");
  InputInfo info = run.info();
  info.n_items = static_cast<index_t>(job.n_items());
  info.n_users = run.part.n_users;
  agreed(comm, [&] {
    Timed t(run.time().io);
    h5::File model = h5::File::open(job.as_model.score.model, comm.raw(), false, "a crossmf output (--model)");
    IdSources ids{run.input->file(), model, item_domain(job)};
    ids.all_items = &job.model.item_ids;
    ids.more_items = &job.new_ids;
    if (!job.as_model.score.users.empty()) {
      ids.chosen = &job.chosen;
      ids.chosen_first = job.chosen_first;
      ids.chosen_strings = run.input->file().dataset(schema::kUsersId).kind() == h5::Kind::string;
    }
    run.output->naming_target([&] {
      return write_train_output(run.output->temp_path(), comm, job.as_model, info, ids, run.part, run.results);
    });
  });
  stop_point(comm, "writing the output", kNothingWritten);
  run.output->commit();
  run.timer.end();
}

void report(ScoreJob& job) {
  const TrainContext& run = job.run;
  const Metrics& m = run.results.metrics;
  if (run.part.test_nnz > 0 && run.implicit)
    spdlog::info("held-out: precision@{} {:.4f} recall {:.4f} ndcg {:.4f} map {:.4f} auc {:.4f} ({} users)", run.o.top_n,
                 m.precision, m.recall, m.ndcg, m.map, m.auc, m.users);
  else if (run.part.test_nnz > 0)
    spdlog::info("held-out: rmse {:.4f} mae {:.4f} ({} ratings)", m.rmse, m.mae, m.ratings);
  job.run.timer.report();
  spdlog::info("wrote {}", job.as_model.score.output);
}

}  // namespace

void run_score(const Config& config, const Comm& comm) {
  ScoreJob job(config, comm);
  TrainContext& run = job.run;
  start_job(run, config.score.threads);

  run.timer.section("read");
  open_model_and_input(job);
  read_and_partition(job);
  fold_in(job);
  evaluate_scored(job);
  run.timer.section("score");
  score_folded_users(run, job.model, item_domain(job));
  write_scored(job);
  report(job);
}

}  // namespace crossmf
