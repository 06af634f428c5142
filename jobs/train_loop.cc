#include "jobs/train_loop.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "src/base/log.h"
#include "src/base/signals.h"
#include "src/kernels/kernels.h"
#include "src/model/evaluate.h"
#include "src/model/file_order.h"
#include "src/model/sgd.h"

namespace crossmf {

namespace {

// Users sampled for the ranking metrics logged after each iteration: enough for a stable
// early-stopping signal, few enough that evaluating stays a small share of an iteration.
constexpr std::int64_t kIterationEvalUsers = 2000;
// An objective this many times the first iteration's has diverged, though still finite.
constexpr double kDivergenceFactor = 1e4;

// Held-out score where larger is better, for early stopping.
double score_of(const Metrics& m, bool implicit) { return implicit ? m.ndcg : -m.rmse; }

// True when no value is NaN or infinite: v * 0 is 0 for finite v, NaN otherwise, and the sum
// vectorises (Eigen's allFinite walks row-major factors one scalar compare at a time).
bool all_finite(const real* v, std::size_t n) {
  real s = 0;
#pragma omp simd reduction(+ : s)
  for (std::size_t j = 0; j < n; ++j) s += v[j] * real(0);
  return s == 0;
}

// Non-finite factors are found on the rank that has them, before any reduction spreads them.
// (Exploding but finite values are caught by the objective check in the loop.)
void check_finite(const TrainContext& run, int iteration) {
  const Factors& f = run.factors;
  const TrainOptions& o = run.o;
  const std::size_t w = static_cast<std::size_t>(f.width());
  if (!all_finite(f.users.data(), f.users.size()) ||
      !all_finite(f.items.data() + static_cast<std::size_t>(run.part.item_begin) * w,
                  static_cast<std::size_t>(run.part.local_items) * w)) {
    const std::string advice =
        o.algorithm == Algorithm::kSgd
            ? fmt::format("lower --learning-rate (now {}){}", o.learning_rate,
                          o.sgd_sync == SgdSync::kDelta ? " or use --sgd-sync average" : "")
            : fmt::format("raise --lambda (now {}) or lower --alpha (now {})", run.lambda, o.alpha);
    fail(Exit::numeric, "factors became NaN or infinite at iteration {}; {}, and check the input values for extremes",
         iteration, advice);
  }
}

// The options that shape the training result: a resumed run must use the same ones. Others
// (iterations, output, threads for ALS, downstream options) may change between runs.
std::string training_options(const TrainContext& run) {
  static const std::set<std::string> keys = {
      "algorithm", "feedback", "factors", "lambda", "lambda-exponent", "bias-lambda", "burn-in", "noise-precision",
      "rated-prior", "rated-steps", "alpha", "confidence", "epsilon", "solver", "cg-steps", "biases", "learning-rate",
      "sync-every", "sgd-sync", "implicit-loss", "negatives", "test-fraction", "split", "seed", "init-from"};
  const TrainOptions& o = run.o;
  // Defaults that depend on the feedback as resolved for this input: "auto" and "als" are one run.
  const std::map<std::string, std::string> chosen = {
      {"algorithm", name_of(o.algorithm)}, {"factors", std::to_string(o.factors)},
      {"alpha", run.config.train.alpha == kAuto ? std::string("auto") : fmt::format("{}", o.alpha)}};
  std::istringstream in(run.config.resolved);
  std::string line, out;
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    if (chosen.count(key)) out += key + " = " + chosen.at(key) + "\n";
    else if (keys.count(key)) out += line + "\n";
  }
  // SGD's block schedule depends on the thread count only past Sgd::kBlocks threads.
  if (o.algorithm == Algorithm::kSgd && run.threads > Sgd::kBlocks)
    out += fmt::format("threads (resolved) = {}\n", run.threads);
  return out;
}

bool file_exists(const Comm& comm, const std::string& path) {
  std::error_code ec;
  int exists = comm.root() ? std::filesystem::exists(path, ec) : 0;
  comm.bcast(std::span<int>(&exists, 1));
  return exists != 0;
}

// Where a run without --checkpoint, or with one, stands after training.
std::string lost_or_kept(const TrainOptions& o, const std::string& kept) {
  return o.checkpoint.empty() ? "no --checkpoint was given, so the training is lost (give --checkpoint to keep it); an "
                                "existing output is unchanged"
                              : kept;
}

}  // namespace

Metrics held_out_metrics(TrainContext& run, bool final, bool train_rmse) {
  const TrainOptions& o = run.o;
  if (run.implicit)
    return evaluate_ranking(run.comm, run.part, run.factors, o.top_n, final ? o.eval_users : kIterationEvalUsers,
                            o.seed, run.threads);
  return evaluate_explicit(run.comm, run.part, run.factors, run.threads, train_rmse);
}

TrainLoop::TrainLoop(TrainContext& run) : run_(run), o_(run.o) {
  identity_.input_fingerprint = run.fingerprint;
  identity_.options = training_options(run);
  identity_.kernels = kernels().description;
}

void TrainLoop::resume_if_asked() {
  if (!o_.resume) return;
  if (!file_exists(run_.comm, o_.checkpoint)) {
    spdlog::info("--resume: no checkpoint at {} yet, starting from the beginning", o_.checkpoint);
    return;
  }
  agreed(run_.comm, [&] {
    Timed t(run_.time().io);
    CheckpointState saved;
    read_checkpoint(o_.checkpoint, run_.comm, identity_, run_.info().n_users, run_.info().n_items,
                    run_.factors.width(), run_.trainer->state_width(), saved);
    restore(saved);
  });
  spdlog::info("resumed from {} after iteration {}{}", o_.checkpoint, p_.done, p_.complete ? " (training was complete)" : "");
}

void TrainLoop::run() {
  const Comm& comm = run_.comm;
  const int first_iteration = p_.done + 1;
  int saved_at = o_.resume ? p_.done : 0;
  for (int it = p_.done + 1; !p_.complete && it <= o_.iterations; ++it) {
    const Step s = step(it);
    record(it, s);
    if (early_stop(it, s.metrics)) break;
    p_.complete = it == o_.iterations;
    // The highest signal number over ranks, so every rank stops here with the same message.
    const int stop = comm.max(stop_signal());
    if (!o_.checkpoint.empty() && (stop || p_.complete || (o_.checkpoint_every > 0 && it % o_.checkpoint_every == 0))) {
      save(it);
      saved_at = it;
    }
    stop_if_signalled(it, stop);
  }
  // An early stop leaves the loop before its checkpoint: the final state is saved too, so that a
  // stop while scoring or writing resumes without training again.
  if (!o_.checkpoint.empty() && saved_at != p_.done) save(p_.done);
  run_.results.iterations_run = p_.done;
  run_.results.history = std::move(history_);
  run_.timer.per("train", p_.done - first_iteration + 1);
}

TrainLoop::Step TrainLoop::step(int it) {
  const Comm& comm = run_.comm;
  Timings& time = run_.time();
  Step s;
  Stopwatch watch;
  const double comm_before = time.comm;
  const count_t bytes_before = comm.bytes_sent();
  s.stats = run_.trainer->iterate(time);
  const count_t bytes = comm.bytes_sent() - bytes_before;
  s.comm_seconds = comm.max(time.comm - comm_before);
  agreed(comm, [&] { check_finite(run_, it); });
  s.bytes = comm.sum(bytes);
  s.seconds = comm.max(watch.seconds());
  s.loss = run_.trainer->loss(time);
  if (it == 1) p_.first_loss = s.loss;
  if (!std::isfinite(s.loss) || s.loss > kDivergenceFactor * std::max(p_.first_loss, 1e-12))
    throw AgreedError(Exit::numeric, fmt::format("training diverged at iteration {} (objective {:.4g}, first {:.4g}); "
                                                 "lower --learning-rate (now {}) or raise --lambda (now {})",
                                                 it, s.loss, p_.first_loss, o_.learning_rate, run_.lambda));
  // The training RMSE of the epoch's own errors when the trainer has it (SGD), else a full pass (ALS).
  const bool train_pass = !run_.implicit && std::isnan(s.stats.train_rmse);
  if (run_.part.test_nnz > 0 || train_pass) s.metrics = held_out_metrics(run_, false, train_pass);
  s.train_rmse = train_pass ? s.metrics.train_rmse : s.stats.train_rmse;
  p_.spent += s.seconds;
  p_.done = it;
  return s;
}

void TrainLoop::record(int it, const Step& s) {
  const Comm& comm = run_.comm;
  const Metrics& m = s.metrics;
  const double eta = p_.spent / it * (o_.iterations - it);
  const double work_seconds = std::max(comm.max(s.stats.work_seconds), 1e-12);
  History& h = history_;
  h.add("iteration", it);
  h.add("loss", s.loss);
  h.add("seconds", s.seconds);
  h.add("bytes_sent", static_cast<double>(s.bytes));
  h.add("comm_seconds", s.comm_seconds);  // in collectives during the iteration, max over ranks
  std::string speed;
  if (o_.algorithm != Algorithm::kSgd) {
    const double flops = comm.sum(s.stats.flops), gflops = flops / work_seconds * 1e-9;
    h.add("solve_gflops", gflops);
    h.add("gflop", flops * 1e-9);
    // The same flops over the time in their arithmetic alone, as a rate of all the job's cores.
    const double arithmetic = std::max(comm.sum(s.stats.arithmetic_seconds), 1e-12);
    h.add("arithmetic_gflops", flops / arithmetic * comm.size() * run_.threads * 1e-9);
    speed = fmt::format("{:.1f} GFLOP/s", gflops);
  } else {
    const double per_core = static_cast<double>(comm.sum(s.stats.updates)) / work_seconds / (comm.size() * run_.threads);
    h.add("updates_per_second_per_core", per_core);
    speed = fmt::format("{:.1f} M updates/s/core", per_core * 1e-6);
  }
  const double mb = static_cast<double>(s.bytes) / 1e6;
  if (run_.implicit) {
    for (auto [c, v] : {std::pair{"precision_at_k", m.precision}, {"recall_at_k", m.recall}, {"ndcg_at_k", m.ndcg},
                        {"map_at_k", m.map}, {"auc", m.auc}})
      h.add(c, v);
    spdlog::info("iter {:>3}/{} loss {:.6g}  p@{} {:.4f} ndcg {:.4f} auc {:.4f}  {:.2f}s  {}  {:.1f} MB sent  ETA {}", it,
                 o_.iterations, s.loss, o_.top_n, m.precision, m.ndcg, m.auc, s.seconds, speed, mb, human_seconds(eta));
  } else {
    h.add("train_rmse", s.train_rmse);
    h.add("rmse", m.rmse);
    h.add("mae", m.mae);
    spdlog::info("iter {:>3}/{} loss {:.6g}  train rmse {:.4f}  test rmse {:.4f} mae {:.4f}  {:.2f}s  {}  {:.1f} MB sent  ETA {}",
                 it, o_.iterations, s.loss, s.train_rmse, m.rmse, m.mae, s.seconds, speed, mb, human_seconds(eta));
  }
}

bool TrainLoop::early_stop(int it, const Metrics& m) {
  // BMF's held-out error wanders until the draws are averaged: no early stop in the burn-in.
  const bool burning_in = o_.algorithm == Algorithm::kBmf && it <= o_.effective_burn_in();
  if (run_.part.test_nnz == 0 || o_.patience <= 0 || burning_in) return false;
  const double score = score_of(m, run_.implicit);
  if (std::isinf(p_.best) || score > p_.best + 1e-9 * std::abs(p_.best)) {
    p_.best = score;
    p_.since_best = 0;
    return false;
  }
  if (++p_.since_best < o_.patience) return false;
  spdlog::info("early stop: held-out metric has not improved for {} iterations", o_.patience);
  p_.complete = true;
  return true;
}

void TrainLoop::stop_if_signalled(int it, int stop) const {
  if (!stop) return;
  throw AgreedError(Exit::terminated,
                    stop_message(stop, fmt::format("training (after iteration {})", it),
                                 lost_or_kept(o_, fmt::format("checkpoint {} written; run again with --resume to "
                                                              "continue; an existing output is unchanged",
                                                              o_.checkpoint))));
}

void TrainLoop::save(int it) {
  Stopwatch watch;
  agreed(run_.comm, [&] {
    Timed t(run_.time().io);
    write_checkpoint(o_.checkpoint, run_.comm, snapshot(), run_.info().n_users, run_.info().n_items);
  });
  spdlog::info("checkpoint after iteration {} written to {} ({:.2f}s)", it, o_.checkpoint, run_.comm.max(watch.seconds()));
}

CheckpointState TrainLoop::snapshot() const {
  const Comm& comm = run_.comm;
  const Partition& part = run_.part;
  const Factors& f = run_.factors;
  Trainer& trainer = *run_.trainer;
  CheckpointState s = identity_;
  s.iteration = p_.done;
  s.best = p_.best;
  s.first_loss = p_.first_loss;
  s.spent = p_.spent;
  s.since_best = p_.since_best;
  s.complete = p_.complete;
  s.mu = f.mu;
  s.width = f.width();
  s.history_columns = history_.columns;
  s.history = history_.values;
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

void TrainLoop::restore(const CheckpointState& s) {
  const Comm& comm = run_.comm;
  const Partition& part = run_.part;
  Factors& f = run_.factors;
  Trainer& trainer = *run_.trainer;
  std::vector<real> users = users_from_file_order<real>(comm, part, s.users, s.width);
  std::copy(users.begin(), users.end(), f.users.data());
  items_from_file_order<real>(comm, part, s.items, s.width, f.items.data());
  if (const int sw = trainer.state_width(); sw > 0) {
    const std::vector<real> state = users_from_file_order<real>(comm, part, s.user_state, sw);
    std::copy(state.begin(), state.end(), trainer.user_state());
    items_from_file_order<real>(comm, part, s.item_state, sw, trainer.item_state());
  }
  f.mu = static_cast<real>(s.mu);
  history_.columns = s.history_columns;
  history_.values = s.history;
  p_.done = static_cast<int>(s.iteration);
  p_.best = s.best;
  p_.first_loss = s.first_loss;
  p_.spent = s.spent;
  p_.since_best = static_cast<int>(s.since_best);
  p_.complete = s.complete;
  trainer.set_iterations_done(p_.done);
}

// After the loop: a stop before scoring keeps what training made, when a checkpoint holds it.
std::string after_training(const TrainOptions& o) {
  return lost_or_kept(o, fmt::format("checkpoint {} holds the trained model: run again with --resume to score and write "
                                     "without training again; an existing output is unchanged", o.checkpoint));
}

}  // namespace crossmf
