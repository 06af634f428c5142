// crossmf train: the batch job. Reads top to bottom as the pipeline:
//   open input -> check output folder -> read slices -> partition -> train (ALS) with per-
//   iteration evaluation -> final evaluation -> risk -> recommendations (risk-gated) ->
//   profiles and segments -> similar items -> audiences -> write output atomically -> timings.
#include <omp.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>
#include <map>
#include <memory>
#include <tuple>

#include "io/atomic_output.h"
#include "io/checkpoint.h"
#include "io/h5.h"
#include "io/input_reader.h"
#include "io/schema.h"
#include "jobs/jobs.h"
#include "jobs/phase_log.h"
#include "jobs/train_output.h"
#include "src/base/log.h"
#include "src/base/signals.h"
#include "src/kernels/kernels.h"
#include "src/model/als.h"
#include "src/model/evaluate.h"
#include "src/model/file_order.h"
#include "src/model/new_items.h"
#include "src/model/risk.h"
#include "src/model/sgd.h"
#include "src/model/tune.h"

namespace crossmf {

namespace {

// Held-out score where larger is better, for early stopping.
double score_of(const Metrics& m, bool implicit) { return implicit ? m.ndcg : -m.rmse; }

// `train_rmse`: explicit only, also the RMSE over every training rating.
Metrics evaluate(const Comm& comm, const Partition& part, const Factors& f, const TrainOptions& o, bool implicit,
                 int threads, bool final, bool train_rmse) {
  if (implicit) return evaluate_ranking(comm, part, f, o.top_n, final ? o.eval_users : 2000, o.seed, threads);
  return evaluate_explicit(comm, part, f, threads, train_rmse);
}

// True when no value is NaN or infinite: v * 0 is 0 for finite v, NaN otherwise, and the sum
// vectorises. (Eigen's allFinite walked the row-major factors column by column, one scalar
// compare each: 1.2 s of a 20-epoch SGD run on MovieLens-20M, more than its evaluations.)
bool all_finite(const real* v, std::size_t n) {
  real s = 0;
#pragma omp simd reduction(+ : s)
  for (std::size_t j = 0; j < n; ++j) s += v[j] * real(0);
  return s == 0;
}

// Non-finite factors are found on the rank that has them, before any reduction spreads them.
// (Exploding but finite values are caught by the objective check in the loop.)
void check_finite(const Partition& part, const Factors& f, int iteration, const TrainOptions& o, double lambda) {
  const std::size_t w = static_cast<std::size_t>(f.width());
  if (!all_finite(f.users.data(), f.users.size()) ||
      !all_finite(f.items.data() + static_cast<std::size_t>(part.item_begin) * w, static_cast<std::size_t>(part.local_items) * w)) {
    const std::string advice = o.algorithm == "sgd"
        ? fmt::format("lower --learning-rate (now {}){}", o.learning_rate, o.sgd_sync == "delta" ? " or use --sgd-sync average" : "")
        : fmt::format("raise --lambda (now {}) or lower --alpha (now {})", lambda, o.alpha);
    fail(Exit::numeric, "factors became NaN or infinite at iteration {}; {}, and check the input values for extremes",
         iteration, advice);
  }
}

// The options that shape the training result: a resumed run must use the same ones. Others
// (iterations, output, threads for ALS, downstream options) may change between runs.
std::string training_options(const std::string& resolved, const TrainOptions& o, bool tune_alpha, int threads) {
  static const std::set<std::string> keys = {"algorithm", "feedback", "factors", "lambda", "lambda-exponent", "bias-lambda", "burn-in", "noise-precision", "rated-prior", "rated-steps", "alpha", "confidence",
                                             "epsilon", "solver", "cg-steps", "biases", "learning-rate", "sync-every",
                                             "sgd-sync", "implicit-loss", "negatives", "test-fraction", "split", "seed"};
  // Defaults that depend on the feedback as resolved for this input: "auto" and "als" are one run.
  const std::map<std::string, std::string> chosen = {
      {"algorithm", o.algorithm}, {"factors", std::to_string(o.factors)},
      {"alpha", tune_alpha ? std::string("auto") : fmt::format("{}", o.alpha)}};
  std::istringstream in(resolved);
  std::string line, out;
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    if (chosen.count(key)) out += key + " = " + chosen.at(key) + "\n";
    else if (keys.count(key)) out += line + "\n";
  }
  // SGD's block schedule depends on the thread count only past Sgd::kBlocks threads.
  if (o.algorithm == "sgd" && threads > Sgd::kBlocks) out += fmt::format("threads (resolved) = {}\n", threads);
  return out;
}

struct Progress {
  int done = 0;
  double best = -INFINITY, first_loss = 0, spent = 0;
  int since_best = 0;
  bool complete = false;  // the iterations ran out, or training stopped early
};

CheckpointState snapshot(const Comm& comm, const Partition& part, const Factors& f, Trainer& trainer,
                         const History& history, const Progress& p, const CheckpointState& identity) {
  CheckpointState s = identity;
  s.iteration = p.done;
  s.best = p.best;
  s.first_loss = p.first_loss;
  s.spent = p.spent;
  s.since_best = p.since_best;
  s.complete = p.complete;
  s.mu = f.mu;
  s.width = f.width();
  s.history_columns = history.columns;
  s.history = history.values;
  UserFileOrder users(comm, part);
  s.users = users(f.users.data(), f.width(), f.width());
  s.items = items_in_file_order<real>(comm, part, f.items.data(), f.width(), f.width());
  s.state_width = trainer.state_width();
  if (const int sw = s.state_width; sw > 0) {
    s.user_state = users(trainer.user_state(), sw, sw);
    s.item_state = items_in_file_order<real>(comm, part, trainer.item_state(), sw, sw);
  }
  return s;
}

void restore(const Comm& comm, const Partition& part, const CheckpointState& s, Factors& f, Trainer& trainer,
             History& history, Progress& p) {
  std::vector<real> users = users_from_file_order<real>(comm, part, s.users, s.width);
  std::copy(users.begin(), users.end(), f.users.data());
  items_from_file_order<real>(comm, part, s.items, s.width, f.items.data());
  if (const int sw = trainer.state_width(); sw > 0) {
    const std::vector<real> state = users_from_file_order<real>(comm, part, s.user_state, sw);
    std::copy(state.begin(), state.end(), trainer.user_state());
    items_from_file_order<real>(comm, part, s.item_state, sw, trainer.item_state());
  }
  f.mu = static_cast<real>(s.mu);
  history.columns = s.history_columns;
  history.values = s.history;
  p.done = static_cast<int>(s.iteration);
  p.best = s.best;
  p.first_loss = s.first_loss;
  p.spent = s.spent;
  p.since_best = static_cast<int>(s.since_best);
  p.complete = s.complete;
  trainer.set_iterations_done(p.done);
}

// What this run asks of its input, checked before any long work. The same on every rank.
void check_run_fits_input(const TrainOptions& o, const InputInfo& info, bool implicit, bool tune_alpha) {
  if (o.algorithm == "bmf" && implicit)
    fail(Exit::usage, "--algorithm bmf is for explicit ratings; {} is implicit: use als or sgd", o.input);
  if (o.algorithm == "bmf" && o.lambda == kAuto)
    fail(Exit::usage, "--lambda auto tunes als or sgd, and {} is explicit, which bmf trains by default; bmf draws its "
                      "regularisation from the data: drop --lambda auto, or give --algorithm als", o.input);
  if (tune_alpha && !implicit)
    fail(Exit::usage, "--alpha auto tunes the confidence of implicit feedback, but {} is explicit: drop --alpha", o.input);
  if (o.algorithm == "bmf" && o.burn_in >= o.iterations)
    fail(Exit::usage, "--burn-in {} is out of range: give a value below --iterations ({}), or -1 for a quarter of them",
         o.burn_in, o.iterations);
  if (o.split == "time" && !info.has_test && o.test_fraction > 0 && !info.has_time)
    fail(Exit::usage, "--split time holds out each user's latest ratings, but {} has no /ratings/time; use --split "
                      "random, or add unix times as /ratings/time", o.input);
  // Attributes of the output, which HDF5 caps at 64 KiB each: known now, not at the write.
  if (info.has_labels && !h5::File::strings_attribute_fits(risk_feature_names(o.factors, info.user_feature_names)))
    fail(Exit::usage, "--factors {} with {} user features: the output's /risk/coefficients attribute feature_names "
                      "would hold {} names, more than an HDF5 attribute holds (64 KiB); lower --factors", o.factors,
         info.user_features, 1 + o.factors + info.user_features);
  if (info.has_domains && !h5::File::strings_attribute_fits(info.domain_names))
    fail(Exit::data, "{}: /items/domain attribute names has {} domains, more than an attribute of the output holds "
                     "(64 KiB of names); merge domains", o.input, info.domain_names.size());
}

// The options as trained: a value chosen on the validation split replaces "auto" (or the default
// that asks for it), so that the stored config trains the same model again without the search.
std::string resolved_as_trained(const std::string& resolved, const TuneResult& tuned, bool lambda, bool alpha) {
  std::istringstream in(resolved);
  std::string line, out;
  while (std::getline(in, line)) {
    for (auto [name, chosen, value] : {std::tuple{"lambda", lambda, tuned.lambda}, {"alpha", alpha, tuned.alpha}})
      if (chosen && line.starts_with(std::string(name) + " = ")) {
        out += fmt::format("# {} chosen on a validation split of the training ratings (auto)\n", name);
        line = fmt::format("{} = {}", name, value);
      }
    out += line + "\n";
  }
  return out;
}

bool file_exists(const Comm& comm, const std::string& path) {
  std::error_code ec;
  int exists = comm.root() ? std::filesystem::exists(path, ec) : 0;
  comm.bcast(std::span<int>(&exists, 1));
  return exists != 0;
}

}  // namespace

void run_train(const Config& config, const Comm& comm) {
  TrainOptions o = config.train;  // algorithm and iterations resolved once the feedback is known
  Timings time;
  Stopwatch total;
  const int threads = resolve_threads(o.threads);
  omp_set_num_threads(threads);
  spdlog::info("crossmf {} train: {} ranks x {} threads, kernels {}", CROSSMF_VERSION, comm.size(), threads,
               kernels().description);
  spdlog::info("options:\n{}", config.resolved);
  PhaseLog phases(comm);
  phases.begin("read");
  const std::string unchanged = "nothing was written and an existing output is unchanged; run again to start over";

  // 1. Before any long work: leftovers of earlier runs, the input's metadata, what this run asks
  //    of it, and a writable output folder.
  phase(comm, [&] {
    if (!comm.root()) return;
    AtomicOutput::clear_stale(o.output);
    if (!o.checkpoint.empty()) AtomicOutput::clear_stale(o.checkpoint);
  });
  if (!o.checkpoint.empty()) check_checkpoint_path(o.checkpoint, comm);
  std::unique_ptr<InputReader> input;
  phase(comm, [&] {
    Timed t(time.io);
    input = std::make_unique<InputReader>(o.input, comm);
  });
  const InputInfo& info = input->info();
  const bool implicit = o.feedback == "auto" ? info.implicit : o.feedback == "implicit";
  o.algorithm = o.effective_algorithm(implicit);
  const bool tune_lambda = o.tunes_lambda(implicit), tune_alpha = o.tunes_alpha(implicit);
  o.iterations = o.effective_iterations(implicit);
  o.factors = o.effective_factors(implicit);
  o.alpha = o.effective_alpha();
  phase(comm, [&] { check_run_fits_input(o, info, implicit, config.train.alpha == kAuto); });
  AtomicOutput output(o.output, comm);
  spdlog::info("input {}: {} users, {} items, {} ratings ({}){}; {} for {} iterations, k = {}", o.input, info.n_users, info.n_items,
               info.nnz, implicit ? "implicit" : "explicit",
               info.has_test ? fmt::format(", {} held-out in /test", info.test_nnz) : "", o.algorithm, o.iterations, o.factors);
  if (o.algorithm == "bmf" && (o.lambda >= 0 || o.lambda_exponent >= 0 || o.bias_lambda >= 0))
    spdlog::warn("--lambda, --lambda-exponent and --bias-lambda are unused by bmf{}, which draws its regularisation "
                 "from the data; give --algorithm als to use them", config.train.algorithm == "auto" ? " (the default for explicit ratings)" : "");
  stop_point(comm, "opening the input", unchanged);

  // 2. Every table validated as it is read: the optional ones whole or per rank, then each rank
  //    its own slice of the ratings; ratings then move to their owners.
  SideTables side;
  {
    Timed t(time.io);
    side = input->read_side_tables();
  }
  Triplets train, test;
  phase(comm, [&] {
    Timed t(time.io);
    train = input->read_ratings(false, o.split == "time", implicit);
  });
  if (info.has_test) phase(comm, [&] {
    Timed t(time.io);
    test = input->read_ratings(true, false, implicit);
  });
  stop_point(comm, "reading the input", unchanged);
  const std::string fingerprint = fmt::format("{} checksum={:016x}", info.fingerprint,
                                              ratings_checksum(comm, train) + 3 * ratings_checksum(comm, test));
  Partition part;
  phases.begin("partition");
  phase(comm, [&] {
    try {
      part = build_partition(comm, info.n_users, info.n_items, std::move(train), info.has_test ? &test : nullptr,
                             {o.test_fraction, o.split == "time", o.seed}, o.seed, threads, time);
    } catch (const Error& e) {  // name the file: the partition only knows ratings
      if (e.code() != Exit::data) throw;
      throw Error(e.code(), fmt::format("{}: /ratings: {}", o.input, e.what()));
    }
  });
  test = Triplets();
  spdlog::info("partition: {} training and {} held-out ratings; nnz imbalance (max/mean) users {:.3f}, items {:.3f}; "
               "{} user rows routed to item owners per iteration",
               part.train_nnz, part.test_nnz, part.user_imbalance, part.item_imbalance,
               comm.sum<count_t>(part.recv_rows));
  if (part.train_nnz == 0)
    throw AgreedError(Exit::data, fmt::format("{}: no training ratings left after the split; lower --test-fraction or give more ratings", o.input));
  stop_point(comm, "partitioning the ratings", unchanged);

  // 3. Model and trainer; --lambda and --alpha auto are chosen first, on a validation split of
  //    the training ratings.
  double lambda = o.effective_lambda(implicit);
  AlsOptions ao;
  ao.implicit = implicit;
  ao.lambda_exponent = o.effective_lambda_exponent();
  ao.bias_lambda = o.bias_lambda;
  ao.gibbs = o.algorithm == "bmf";
  ao.burn_in = o.burn_in >= 0 ? o.burn_in : o.iterations / 4;
  // Fixed at Salakhutdinov and Mnih's 2: drawn from the chain's residuals it was 1 on Ciao (RMSE
  // 1.031 against 0.970 fixed) and no better on MovieLens (bench/README.md, accuracy).
  ao.noise_precision = o.noise_precision >= 0 ? o.noise_precision : 2.0;
  ao.rated_prior = ao.gibbs && (o.rated_prior == "both" || o.rated_prior == "users");
  ao.rater_prior = ao.gibbs && (o.rated_prior == "both" || o.rated_prior == "items");
  ao.rated_cg_steps = o.rated_steps;
  ao.seed = o.seed;
  ao.log_confidence = o.confidence == "log";
  ao.epsilon = o.epsilon;
  ao.cholesky = o.solver == "cholesky";
  ao.cg_steps = o.cg_steps;
  ao.threads = threads;
  SgdOptions so;
  so.implicit = implicit;
  so.implicit_loss = o.implicit_loss;
  so.negatives = o.negatives;
  so.learning_rate = o.learning_rate;
  so.sync_every = o.sync_every;
  so.average = o.sgd_sync == "average";
  so.seed = o.seed;
  so.threads = threads;
  auto make_trainer = [&](const Partition& on, Factors& model, double lam, double alp) -> std::unique_ptr<Trainer> {
    if (o.algorithm == "sgd") {
      SgdOptions s = so;
      s.lambda = lam;
      s.alpha = alp;
      return std::make_unique<Sgd>(comm, on, s, model);
    }
    AlsOptions a = ao;
    a.lambda = lam;
    a.alpha = alp;
    return std::make_unique<Als>(comm, on, a, model);
  };
  TuneResult tuned;
  if (tune_lambda || tune_alpha) {
    phases.begin("tune");
    TuneOptions to;
    to.input = o.input;
    to.lambda = tune_lambda;
    to.asked = o.lambda == kAuto || config.train.alpha == kAuto;
    to.alpha = tune_alpha;
    to.lambda0 = lambda;
    to.alpha0 = o.alpha;
    to.implicit = implicit;
    to.k = o.factors;
    to.biases = !implicit && o.biases;
    // Fixed, not from --iterations, which a resumed run may change: the choice must not.
    to.iterations = 15;
    to.warm_iterations = 5;
    to.fraction = o.test_fraction > 0 ? o.test_fraction : 0.1;
    to.top_n = o.top_n;
    to.eval_users = o.eval_users;
    to.seed = o.seed;
    to.threads = threads;
    tuned = tune(comm, part, to, make_trainer, [&] { stop_point(comm, "choosing --lambda/--alpha", unchanged); }, time);
    lambda = tuned.lambda;
    o.alpha = tuned.alpha;
  }
  Factors f;
  start_factors(comm, part, o.factors, !implicit && o.biases, o.seed, f);
  std::unique_ptr<Trainer> trainer = make_trainer(part, f, lambda, o.alpha);

  // 4. Iterations, one log line each from rank 0.
  History history;
  const bool held_out = part.test_nnz > 0;
  Progress p;
  CheckpointState identity;
  identity.input_fingerprint = fingerprint;
  identity.options = training_options(config.resolved, o, tune_alpha, threads);
  identity.kernels = kernels().description;
  if (o.resume && file_exists(comm, o.checkpoint)) {
    phase(comm, [&] {
      Timed t(time.io);
      CheckpointState saved;
      read_checkpoint(o.checkpoint, comm, identity, info.n_users, info.n_items, f.width(), trainer->state_width(),
                      saved);
      restore(comm, part, saved, f, *trainer, history, p);
    });
    spdlog::info("resumed from {} after iteration {}{}", o.checkpoint, p.done, p.complete ? " (training was complete)" : "");
  } else if (o.resume) {
    spdlog::info("--resume: no checkpoint at {} yet, starting from the beginning", o.checkpoint);
  }
  stop_point(comm, "preparing to train", unchanged);
  phases.begin("train");
  const int first_iteration = p.done + 1;
  auto save = [&](int it) {
    Stopwatch cw;
    phase(comm, [&] {
      Timed t(time.io);
      write_checkpoint(o.checkpoint, comm, snapshot(comm, part, f, *trainer, history, p, identity), info.n_users, info.n_items);
    });
    spdlog::info("checkpoint after iteration {} written to {} ({:.2f}s)", it, o.checkpoint, comm.max(cw.seconds()));
  };
  int saved_at = o.resume ? p.done : 0;
  for (int it = p.done + 1; !p.complete && it <= o.iterations; ++it) {
    Stopwatch watch;
    const double comm_before = time.comm;
    IterationStats st = trainer->iterate(time);
    const double comm_seconds = comm.max(time.comm - comm_before);
    phase(comm, [&] { check_finite(part, f, it, o, lambda); });
    const double work_seconds = std::max(comm.max(st.work_seconds), 1e-12);
    const count_t bytes = comm.sum(st.bytes_sent);
    const double seconds = comm.max(watch.seconds());
    const double loss = trainer->loss(time);
    if (it == 1) p.first_loss = loss;
    if (!std::isfinite(loss) || loss > 1e4 * std::max(p.first_loss, 1e-12))
      throw AgreedError(Exit::numeric, fmt::format("training diverged at iteration {} (objective {:.4g}, first {:.4g}); "
                                                   "lower --learning-rate (now {}) or raise --lambda (now {})",
                                                   it, loss, p.first_loss, o.learning_rate, lambda));
    // The training RMSE of the epoch's own errors when the trainer has it (SGD), else a full pass (ALS).
    const bool train_pass = !implicit && std::isnan(st.train_rmse);
    const Metrics m = held_out || train_pass ? evaluate(comm, part, f, o, implicit, threads, false, train_pass) : Metrics{};
    const double train_rmse = train_pass ? m.train_rmse : st.train_rmse;
    p.spent += seconds;
    p.done = it;
    const double eta = p.spent / it * (o.iterations - it);
    history.add("iteration", it);
    history.add("loss", loss);
    history.add("seconds", seconds);
    history.add("bytes_sent", static_cast<double>(bytes));
    history.add("comm_seconds", comm_seconds);  // in collectives during the iteration, max over ranks
    std::string speed;
    if (o.algorithm != "sgd") {
      const double gflops = comm.sum(st.flops) / work_seconds * 1e-9;
      history.add("solve_gflops", gflops);
      history.add("gflop", comm.sum(st.flops) * 1e-9);
      // The same flops over the time in their arithmetic alone, as a rate of all the job's cores.
      const double arithmetic = std::max(comm.sum(st.arithmetic_seconds), 1e-12);
      history.add("arithmetic_gflops", comm.sum(st.flops) / arithmetic * comm.size() * threads * 1e-9);
      speed = fmt::format("{:.1f} GFLOP/s", gflops);
    } else {
      const double per_core = static_cast<double>(comm.sum(st.updates)) / work_seconds / (comm.size() * threads);
      history.add("updates_per_second_per_core", per_core);
      speed = fmt::format("{:.1f} M updates/s/core", per_core * 1e-6);
    }
    if (implicit) {
      for (auto [c, v] : {std::pair{"precision_at_k", m.precision}, {"recall_at_k", m.recall}, {"ndcg_at_k", m.ndcg},
                          {"map_at_k", m.map}, {"auc", m.auc}})
        history.add(c, v);
      spdlog::info("iter {:>3}/{} loss {:.6g}  p@{} {:.4f} ndcg {:.4f} auc {:.4f}  {:.2f}s  {}  {:.1f} MB sent  ETA {}",
                   it, o.iterations, loss, o.top_n, m.precision, m.ndcg, m.auc, seconds, speed, bytes / 1e6,
                   human_seconds(eta));
    } else {
      history.add("train_rmse", train_rmse);
      history.add("rmse", m.rmse);
      history.add("mae", m.mae);
      spdlog::info("iter {:>3}/{} loss {:.6g}  train rmse {:.4f}  test rmse {:.4f} mae {:.4f}  {:.2f}s  {}  {:.1f} MB sent  ETA {}",
                   it, o.iterations, loss, train_rmse, m.rmse, m.mae, seconds, speed, bytes / 1e6, human_seconds(eta));
    }
    // BMF's held-out error wanders until the draws are averaged: no early stop in the burn-in.
    if (held_out && o.patience > 0 && !(ao.gibbs && it <= ao.burn_in)) {
      const double score = score_of(m, implicit);
      if (std::isinf(p.best) || score > p.best + 1e-9 * std::abs(p.best)) { p.best = score; p.since_best = 0; }
      else if (++p.since_best >= o.patience) {
        spdlog::info("early stop: held-out metric has not improved for {} iterations", o.patience);
        p.complete = true;
        break;
      }
    }
    p.complete = it == o.iterations;
    // Checkpoint when due, and stop (every rank at the same iteration) when a signal came: the
    // highest signal number over ranks, so the message is the same everywhere.
    const int stop = comm.max(stop_signal());
    if (!o.checkpoint.empty() && (stop || p.complete || (o.checkpoint_every > 0 && it % o.checkpoint_every == 0))) {
      save(it);
      saved_at = it;
    }
    if (stop)
      throw AgreedError(Exit::terminated,
                        stop_message(stop, fmt::format("training (after iteration {})", it),
                                     o.checkpoint.empty()
                                         ? "no --checkpoint was given, so the training is lost (give --checkpoint to keep it); an existing output is unchanged"
                                         : fmt::format("checkpoint {} written; run again with --resume to continue; an "
                                                       "existing output is unchanged", o.checkpoint)));
  }
  // An early stop leaves the loop before its checkpoint: the final state is saved too, so that a
  // stop while scoring or writing resumes without training again.
  if (!o.checkpoint.empty() && saved_at != p.done) save(p.done);
  const std::string trained =
      o.checkpoint.empty()
          ? "no --checkpoint was given, so the training is lost (give --checkpoint to keep it); an existing output is unchanged"
          : fmt::format("checkpoint {} holds the trained model: run again with --resume to score and write without "
                        "training again; an existing output is unchanged", o.checkpoint);
  stop_point(comm, "finishing training", trained);

  phases.per("train", p.done - first_iteration + 1);

  // 5. Final held-out metrics over every evaluated user.
  phases.begin("evaluate");
  TrainResults r;
  r.implicit = implicit;
  r.algorithm = o.algorithm;
  r.iterations_run = p.done;
  r.lambda = lambda;
  r.alpha = implicit ? o.alpha : NAN;
  r.tuning = std::move(tuned);
  r.fingerprint = fingerprint;
  r.metrics = held_out ? evaluate(comm, part, f, o, implicit, threads, true, false) : Metrics{};

  // 6. What the platform acts on.
  phases.begin("score");
  const std::vector<std::int32_t> domain = std::move(side.domain);
  const std::vector<real> item_features = std::move(side.item_features);
  const int G = info.item_features;
  RiskInputs ri;
  ri.F = info.user_features;
  ri.names = info.user_feature_names;
  if (info.has_user_features) ri.features = users_from_file_order<real>(comm, part, side.user_features, ri.F);
  if (info.has_labels) {
    ri.labels = to_owners<real>(comm, part, side.labels.user, side.labels.value);
    ri.have_labels = true;
  }
  side = SideTables();
  // New items (no interactions) are placed in the latent space from their features.
  const std::vector<count_t> popularity = item_popularity(comm, part);
  if (info.has_item_features) {
    r.feature_map = place_new_items(part, item_features, G, popularity, 1.0, f, &r.item_from_features);
    spdlog::info("new items: {} items without interactions placed from {} item features", r.feature_map.placed, G);
  }
  r.domain_names = info.domain_names;
  for (const auto& name : r.domain_names) r.gated_domain.push_back(name == "finance" || name == "insurance");
  {
    Timed t(time.compute);
    r.risk = fit_risk(comm, part, f, ri, o.risk_threshold, 1.0, o.seed);
  }
  if (r.risk.available)
    spdlog::info("risk: logistic model on {} fitted, {} held-out labelled users: AUC {:.4f}, KS {:.4f}, Brier {:.4f} "
                 "({} Newton steps)", r.risk.n_fit, r.risk.n_held_out, r.risk.held_out.auc(), r.risk.held_out.ks(),
                 r.risk.held_out.brier(), r.risk.newton_iterations);
  else
    spdlog::warn("risk: {}; finance and insurance offers are not risk-gated", r.risk.status);
  std::vector<std::uint8_t> risky(part.local_users, 0), eligible(part.local_users, 0);
  for (index_t u = 0; u < part.local_users; ++u) {
    risky[u] = r.risk.available && r.risk.score[u] >= o.risk_threshold;
    eligible[u] = !risky[u] && part.by_user.ptr[u + 1] > part.by_user.ptr[u];
  }
  if (o.gating == "flag") r.gated = risky;
  {
    Timed t(time.compute);
    r.recommendations = recommend(part, f, o.top_n, domain, r.domain_names, popularity,
                                  o.gating == "withhold" ? risky : std::vector<std::uint8_t>{}, r.gated_domain, threads);
    r.behaviour = behaviour(part, domain, static_cast<int>(r.domain_names.size()));
    r.segments = segment_users(comm, part, f, r.behaviour, o.segments, 10, o.seed, threads);
    r.similar = similar_items(comm, part, f, o.top_n, threads);
    for (std::size_t d = 0; d < r.domain_names.size(); ++d)
      if (r.gated_domain[d])
        r.audiences.push_back(build_audience(comm, part, f, r.domain_names[d], static_cast<int>(d), domain, eligible,
                                             o.audience_size, o.control_fraction, o.seed, threads));
  }
  stop_point(comm, "scoring", trained);
  const double rec_seconds = comm.max(r.recommendations.seconds);
  const double rec_flops = comm.sum(r.recommendations.flops);
  spdlog::info("recommendations: top-{} for {} users in {} lists, {:.2f}s, {:.1f} GFLOP/s scoring; {} segments "
               "({} k-means steps); {} audiences", o.top_n, info.n_users, r.recommendations.lists.size(), rec_seconds,
               rec_seconds > 0 ? rec_flops / rec_seconds * 1e-9 : 0.0, r.segments.S, r.segments.iterations, r.audiences.size());

  // 7. Output, written to a temporary file and renamed when complete.
  r.factors = std::move(f);
  r.history = std::move(history);
  std::size_t bytes = 0;
  Stopwatch write_watch;
  phases.begin("write");
  phase(comm, [&] {
    Timed t(time.io);
    Config as_trained = config;
    as_trained.resolved = resolved_as_trained(config.resolved, r.tuning, !r.tuning.trials.empty() && tune_lambda,
                                              !r.tuning.trials.empty() && tune_alpha);
    bytes = output.naming_target([&] { return write_train_output(output.temp_path(), comm, as_trained, info, *input, part, r); });
  });
  stop_point(comm, "writing the output", trained);
  output.commit();
  phases.end();
  const double write_seconds = comm.max(write_watch.seconds());
  const count_t all_bytes = comm.sum<count_t>(static_cast<count_t>(bytes));
  spdlog::info("wrote {:.1f} MB in {:.2f}s ({:.0f} MB/s)", all_bytes / 1e6, write_seconds, all_bytes / 1e6 / std::max(write_seconds, 1e-9));
  const Metrics& final_m = r.metrics;

  // 8. Summary: where the time went (max over ranks).
  const double io = comm.max(time.io), cm = comm.max(time.comm), cp = comm.max(time.compute), all = comm.max(total.seconds());
  if (implicit)
    spdlog::info("held-out: precision@{} {:.4f} recall {:.4f} ndcg {:.4f} map {:.4f} auc {:.4f} ({} users)", o.top_n,
                 final_m.precision, final_m.recall, final_m.ndcg, final_m.map, final_m.auc, final_m.users);
  else
    spdlog::info("held-out: rmse {:.4f} mae {:.4f} ({} ratings)", final_m.rmse, final_m.mae, final_m.ratings);
  spdlog::info("time: total {:.2f}s = compute {:.2f}s + communication {:.2f}s + I/O {:.2f}s (max over ranks)", all, cp, cm, io);
  phases.report();
  const double peak = static_cast<double>(phases.peak_bytes());
  spdlog::info("peak memory per rank: max {:.1f} MB, mean {:.1f} MB", comm.max(peak) / 1e6, comm.sum(peak) / comm.size() / 1e6);
  spdlog::info("wrote {}", o.output);
}

}  // namespace crossmf
