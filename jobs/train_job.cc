// crossmf train: the batch job. run_train at the bottom reads as the pipeline, one stage each:
//   open the input -> read and partition it -> build the model (choosing lambda/alpha) ->
//   iterate (train_loop.cc) -> evaluate -> risk, recommendations, profiles, audiences
//   (train_scoring.cc) -> write the output atomically -> report where the time went.
#include <omp.h>

#include <cmath>
#include <sstream>
#include <tuple>

#include "io/checkpoint.h"
#include "io/h5.h"
#include "io/schema.h"
#include "jobs/jobs.h"
#include "jobs/train_loop.h"
#include "jobs/train_scoring.h"
#include "src/base/log.h"
#include "src/base/signals.h"
#include "src/kernels/kernels.h"
#include "src/model/als.h"
#include "src/model/risk.h"
#include "src/model/sgd.h"
#include "src/model/tune.h"
#include "src/model/warm_start.h"

namespace crossmf {

namespace {

// What this run asks of its input, checked before any long work. The same on every rank.
void check_run_fits_input(const TrainContext& run) {
  const TrainOptions& o = run.o;
  const InputInfo& info = run.info();
  const bool bmf = o.algorithm == Algorithm::kBmf;
  if (bmf && run.implicit)
    fail(Exit::usage, "--algorithm bmf is for explicit ratings; {} is implicit: use als or sgd", o.input);
  if (bmf && o.lambda == kAuto)
    fail(Exit::usage, "--lambda auto tunes als or sgd, and {} is explicit, which bmf trains by default; bmf draws its "
                      "regularisation from the data: drop --lambda auto, or give --algorithm als", o.input);
  if (run.config.train.alpha == kAuto && !run.implicit)
    fail(Exit::usage, "--alpha auto tunes the confidence of implicit feedback, but {} is explicit: drop --alpha", o.input);
  if (bmf && o.burn_in >= o.iterations)
    fail(Exit::usage, "--burn-in {} is out of range: give a value below --iterations ({}), or -1 for a quarter of them",
         o.burn_in, o.iterations);
  if (o.split == Split::kTime && !info.has_test && o.test_fraction > 0 && !info.has_time)
    fail(Exit::usage, "--split time holds out each user's latest ratings, but {} has no /ratings/time; use --split "
                      "random, or add unix times as /ratings/time", o.input);
  // Attributes of the output, which HDF5 caps at 64 KiB each: known now, not at the write.
  if (info.has_labels && !h5::File::strings_attribute_fits(risk_feature_names(o.factors, info.user_feature_names)))
    fail(Exit::usage, "--factors {} with {} user features: the output's /risk/coefficients attribute feature_names "
                      "would hold {} names, more than an HDF5 attribute holds (64 KiB); lower --factors", o.factors,
         info.user_features, 1 + o.factors + info.user_features);
  for (auto [has, name] : {std::pair{info.has_user_ids, schema::kUsersId}, {info.has_item_ids, schema::kItemsId}})
    if (!o.init_from.empty() && !has)
      fail(Exit::usage, "--init-from matches users and items by external id, but {} has no {}; give ids (crossmf "
                        "import and generate write them), or drop --init-from", o.input, name);
  if (info.has_domains && !h5::File::strings_attribute_fits(info.domain_names))
    fail(Exit::data, "{}: /items/domain attribute names has {} domains, more than an attribute of the output holds "
                     "(64 KiB of names); merge domains", o.input, info.domain_names.size());
}

// The defaults that depend on the feedback, resolved once the input says which it is.
void resolve_for_input(TrainContext& run) {
  TrainOptions& o = run.o;
  run.implicit = o.feedback == TrainFeedback::kAuto ? run.info().implicit : o.feedback == TrainFeedback::kImplicit;
  o.algorithm = o.effective_algorithm(run.implicit);
  run.tune_lambda = o.tunes_lambda(run.implicit);
  run.tune_alpha = o.tunes_alpha(run.implicit);
  o.iterations = o.effective_iterations(run.implicit);
  o.factors = o.effective_factors(run.implicit);
  o.alpha = o.effective_alpha();
}

// Stage 1, before any long work: leftovers of earlier runs, the input's metadata, what this run
// asks of it, and a writable output folder.
void open_input(TrainContext& run) {
  const TrainOptions& o = run.o;
  const Comm& comm = run.comm;
  agreed(comm, [&] {
    if (!comm.root()) return;
    AtomicOutput::clear_stale(o.output);
    if (!o.checkpoint.empty()) AtomicOutput::clear_stale(o.checkpoint);
  });
  if (!o.checkpoint.empty()) check_checkpoint_path(o.checkpoint, comm);
  agreed(comm, [&] {
    Timed t(run.time().io);
    run.input = std::make_unique<InputReader>(o.input, comm);
  });
  resolve_for_input(run);
  agreed(comm, [&] { check_run_fits_input(run); });
  run.output = std::make_unique<AtomicOutput>(o.output, comm);
  if (!o.init_from.empty()) {
    Timed t(run.time().io);
    run.previous = read_previous_model(o.init_from, "--init-from", o.factors, comm);
  }
  const InputInfo& info = run.info();
  spdlog::info("input {}: {} users, {} items, {} ratings ({}){}; {} for {} iterations, k = {}", o.input, info.n_users,
               info.n_items, info.nnz, run.implicit ? "implicit" : "explicit",
               info.has_test ? fmt::format(", {} held-out in /test", info.test_nnz) : "", name_of(o.algorithm),
               o.iterations, o.factors);
  if (o.algorithm == Algorithm::kBmf && (o.lambda >= 0 || o.lambda_exponent >= 0 || o.bias_lambda >= 0))
    spdlog::warn("--lambda, --lambda-exponent and --bias-lambda are unused by bmf{}, which draws its regularisation "
                 "from the data; give --algorithm als to use them",
                 run.config.train.algorithm == Algorithm::kAuto ? " (the default for explicit ratings)" : "");
  stop_point(comm, "opening the input", kNothingWritten);
}

// Stage 2: every table validated as it is read (the optional ones whole or per rank, then each
// rank its own slice of the ratings); the ratings then move to their owners.
void read_and_partition(TrainContext& run) {
  const TrainOptions& o = run.o;
  const Comm& comm = run.comm;
  const InputInfo& info = run.info();
  {
    Timed t(run.time().io);
    run.side = run.input->read_side_tables();
  }
  Triplets train, test;
  agreed(comm, [&] {
    Timed t(run.time().io);
    train = run.input->read_ratings(false, o.split == Split::kTime, run.implicit);
  });
  if (info.has_test) agreed(comm, [&] {
    Timed t(run.time().io);
    test = run.input->read_ratings(true, false, run.implicit);
  });
  stop_point(comm, "reading the input", kNothingWritten);
  run.fingerprint = fmt::format("{} checksum={:016x}", info.fingerprint,
                                ratings_checksum(comm, train) + 3 * ratings_checksum(comm, test));
  run.timer.section("partition");
  agreed(comm, [&] {
    try {
      run.part = build_partition(comm, info.n_users, info.n_items, std::move(train), info.has_test ? &test : nullptr,
                                 {o.test_fraction, o.split == Split::kTime, o.seed}, o.seed, run.threads, run.time());
    } catch (const Error& e) {  // name the file: the partition only knows ratings
      if (e.code() != Exit::data) throw;
      throw Error(e.code(), fmt::format("{}: /ratings: {}", o.input, e.what()));
    }
  });
  const Partition& part = run.part;
  spdlog::info("partition: {} training and {} held-out ratings; nnz imbalance (max/mean) users {:.3f}, items {:.3f}; "
               "{} user rows routed to item owners per iteration",
               part.train_nnz, part.test_nnz, part.user_imbalance, part.item_imbalance, comm.sum<count_t>(part.recv_rows));
  if (part.train_nnz == 0)
    throw AgreedError(Exit::data, fmt::format("{}: no training ratings left after the split; lower --test-fraction or "
                                              "give more ratings", o.input));
  stop_point(comm, "partitioning the ratings", kNothingWritten);
}

}  // namespace

AlsOptions als_options(const TrainContext& run) {
  const TrainOptions& o = run.o;
  AlsOptions a;
  a.implicit = run.implicit;
  a.lambda_exponent = o.effective_lambda_exponent();
  a.bias_lambda = o.bias_lambda;
  a.gibbs = o.algorithm == Algorithm::kBmf;
  a.burn_in = o.effective_burn_in();
  // Fixed at Salakhutdinov and Mnih's 2: drawn from the chain's residuals it fitted Ciao worse
  // and MovieLens no better (bench/README.md, accuracy).
  a.noise_precision = o.noise_precision >= 0 ? o.noise_precision : 2.0;
  a.rated_prior = a.gibbs && (o.rated_prior == RatedPrior::kBoth || o.rated_prior == RatedPrior::kUsers);
  a.rater_prior = a.gibbs && (o.rated_prior == RatedPrior::kBoth || o.rated_prior == RatedPrior::kItems);
  a.rated_cg_steps = o.rated_steps;
  a.seed = o.seed;
  a.log_confidence = o.confidence == Confidence::kLog;
  a.epsilon = o.epsilon;
  a.cholesky = o.solver == Solver::kCholesky;
  a.cg_steps = o.cg_steps;
  a.threads = run.threads;
  return a;
}

namespace {

SgdOptions sgd_options(const TrainContext& run) {
  const TrainOptions& o = run.o;
  SgdOptions s;
  s.implicit = run.implicit;
  s.implicit_loss = o.implicit_loss;
  s.negatives = o.negatives;
  s.learning_rate = o.learning_rate;
  s.sync_every = o.sync_every;
  s.average = o.sgd_sync == SgdSync::kAverage;
  s.seed = o.seed;
  s.threads = run.threads;
  return s;
}

// --lambda and --alpha auto: chosen on a validation split of the training ratings.
TuneResult choose_lambda_alpha(TrainContext& run, const MakeTrainer& make_trainer) {
  const TrainOptions& o = run.o;
  TuneOptions to;
  to.input = o.input;
  to.lambda = run.tune_lambda;
  to.asked = o.lambda == kAuto || run.config.train.alpha == kAuto;
  to.alpha = run.tune_alpha;
  to.lambda0 = run.lambda;
  to.alpha0 = o.alpha;
  to.implicit = run.implicit;
  to.k = o.factors;
  to.biases = !run.implicit && o.biases;
  // Fixed, not from --iterations, which a resumed run may change: the choice must not.
  to.iterations = 15;
  to.warm_iterations = 5;
  to.fraction = o.test_fraction > 0 ? o.test_fraction : 0.1;
  to.top_n = o.top_n;
  to.eval_users = o.eval_users;
  to.seed = o.seed;
  to.threads = run.threads;
  return tune(run.comm, run.part, to, make_trainer,
              [&] { stop_point(run.comm, "choosing --lambda/--alpha", kNothingWritten); }, run.time());
}

// --init-from: users and items the earlier model knows start from its rows.
void start_from_previous(TrainContext& run) {
  const InputInfo& info = run.info();
  const PreviousModel& p = run.previous;
  const std::vector<Key128> users = run.input->id_keys(schema::kUsersId, even_slice(info.n_users, run.comm.rank(), run.comm.size()));
  const std::vector<Key128> items = run.input->id_keys(schema::kItemsId, even_slice(info.n_items, run.comm.rank(), run.comm.size()));
  const WarmStarted n = warm_start(run.comm, run.part, users, items, {p.user_keys, p.user_rows}, {p.item_keys, p.item_rows},
                                   run.factors);
  run.previous = PreviousModel();
  if (n.users == 0 && n.items == 0)
    throw AgreedError(Exit::usage, fmt::format("--init-from {} shares no user and no item id with {}; give the output of "
                                               "a training on this platform, or drop --init-from", run.o.init_from,
                                               run.o.input));
  spdlog::info("init-from {}: {} of {} users and {} of {} items start from its factors", run.o.init_from, n.users,
               info.n_users, n.items, info.n_items);
}

// Stage 3: the factors and their trainer, after choosing lambda and alpha when asked.
void build_model(TrainContext& run) {
  TrainOptions& o = run.o;
  run.lambda = o.effective_lambda(run.implicit);
  const AlsOptions ao = als_options(run);
  const SgdOptions so = sgd_options(run);
  const MakeTrainer make_trainer = [&run, ao, so](const Partition& on, Factors& model, double lambda,
                                                  double alpha) -> std::unique_ptr<Trainer> {
    if (run.o.algorithm == Algorithm::kSgd) {
      SgdOptions s = so;
      s.lambda = lambda;
      s.alpha = alpha;
      return std::make_unique<Sgd>(run.comm, on, s, model);
    }
    AlsOptions a = ao;
    a.lambda = lambda;
    a.alpha = alpha;
    return std::make_unique<Als>(run.comm, on, a, model);
  };
  if (run.tune_lambda || run.tune_alpha) {
    run.timer.section("tune");
    run.results.tuning = choose_lambda_alpha(run, make_trainer);
    run.lambda = run.results.tuning.lambda;
    o.alpha = run.results.tuning.alpha;
  }
  start_factors(run.comm, run.part, o.factors, !run.implicit && o.biases, o.seed, run.factors);
  if (!o.init_from.empty()) start_from_previous(run);
  run.trainer = make_trainer(run.part, run.factors, run.lambda, o.alpha);
}

// Stage 5: final held-out metrics over every evaluated user, and what the output records of the run.
void evaluate_final(TrainContext& run) {
  TrainResults& r = run.results;
  r.implicit = run.implicit;
  r.algorithm = name_of(run.o.algorithm);
  r.lambda = run.lambda;
  r.alpha = run.implicit ? run.o.alpha : NAN;
  r.fingerprint = run.fingerprint;
  if (run.o.algorithm == Algorithm::kBmf) r.fold_in = static_cast<Als&>(*run.trainer).fold_in_prior();
  r.metrics = run.part.test_nnz > 0 ? held_out_metrics(run, true, false) : Metrics{};
}

// The options as trained: a value chosen on the validation split replaces "auto" (or the default
// that asks for it), so that the stored config trains the same model again without the search.
std::string resolved_as_trained(const TrainContext& run) {
  const TuneResult& tuned = run.results.tuning;
  const bool searched = !tuned.trials.empty();
  std::istringstream in(run.config.resolved);
  std::string line, out;
  while (std::getline(in, line)) {
    for (auto [name, chosen, value] : {std::tuple{"lambda", searched && run.tune_lambda, tuned.lambda},
                                       {"alpha", searched && run.tune_alpha, tuned.alpha}})
      if (chosen && line.starts_with(std::string(name) + " = ")) {
        out += fmt::format("# {} chosen on a validation split of the training ratings (auto)\n", name);
        line = fmt::format("{} = {}", name, value);
      }
    out += line + "\n";
  }
  return out;
}

// Stage 7: the output, written to a temporary file and renamed when complete.
void write_output(TrainContext& run) {
  const Comm& comm = run.comm;
  run.results.factors = std::move(run.factors);
  std::size_t bytes = 0;
  Stopwatch watch;
  run.timer.section("write");
  agreed(comm, [&] {
    Timed t(run.time().io);
    Config as_trained = run.config;
    as_trained.resolved = resolved_as_trained(run);
    const IdSources ids{run.input->file(), run.input->file(),
                        run.info().has_domains ? run.input->read_domains() : std::vector<std::int32_t>{}};
    bytes = run.output->naming_target([&] {
      return write_train_output(run.output->temp_path(), comm, as_trained, run.info(), ids, run.part, run.results);
    });
  });
  stop_point(comm, "writing the output", after_training(run.o));
  run.output->commit();
  run.timer.end();
  const double seconds = comm.max(watch.seconds());
  const count_t all = comm.sum<count_t>(static_cast<count_t>(bytes));
  spdlog::info("wrote {:.1f} MB in {:.2f}s ({:.0f} MB/s)", all / 1e6, seconds, all / 1e6 / std::max(seconds, 1e-9));
}

// Stage 8: the held-out metrics and where the time went (max over ranks).
void report(TrainContext& run) {
  const Metrics& m = run.results.metrics;
  if (run.implicit)
    spdlog::info("held-out: precision@{} {:.4f} recall {:.4f} ndcg {:.4f} map {:.4f} auc {:.4f} ({} users)", run.o.top_n,
                 m.precision, m.recall, m.ndcg, m.map, m.auc, m.users);
  else
    spdlog::info("held-out: rmse {:.4f} mae {:.4f} ({} ratings)", m.rmse, m.mae, m.ratings);
  run.timer.report();
  spdlog::info("wrote {}", run.o.output);
}

}  // namespace

void start_job(TrainContext& run, int threads) {
  run.threads = resolve_threads(threads);
  omp_set_num_threads(run.threads);
  spdlog::info("crossmf {} {}: {} ranks x {} threads, kernels {}", CROSSMF_VERSION, name_of(run.config.command),
               run.comm.size(), run.threads, kernels().description);
  spdlog::info("options:\n{}", run.config.resolved);
}

void run_train(const Config& config, const Comm& comm) {
  TrainContext run(config, comm);
  start_job(run, run.o.threads);

  run.timer.section("read");
  open_input(run);
  read_and_partition(run);
  build_model(run);

  TrainLoop loop(run);
  loop.resume_if_asked();
  stop_point(comm, "preparing to train", kNothingWritten);
  run.timer.section("train");
  loop.run();
  stop_point(comm, "finishing training", after_training(run.o));

  run.timer.section("evaluate");
  evaluate_final(run);
  run.timer.section("score");
  score_users(run);
  write_output(run);
  report(run);
}

}  // namespace crossmf
