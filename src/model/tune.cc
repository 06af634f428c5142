#include "src/model/tune.h"

#include <cmath>

#include "src/base/error.h"
#include "src/base/log.h"
#include "src/model/evaluate.h"

namespace crossmf {

namespace {
// A candidate must beat the best by this share to replace it: smaller gains are within the
// rounding by which runs on different rank counts differ, and would make the choice depend on them.
constexpr double kMinGain = 1e-3;
// How far the search may go from the default, each way: a factor of 2 per step.
constexpr int kLambdaSteps = 6, kAlphaSteps = 5;
}  // namespace

TuneResult tune(const Comm& comm, const Partition& part, const TuneOptions& o, const MakeTrainer& make,
                const std::function<void()>& after_iteration, Timings& t) {
  Stopwatch total;
  const Partition v = build_partition(comm, part.n_users, part.n_items, training_triplets(part), nullptr,
                                      {o.fraction, false, o.seed ^ 0x76616c6964ULL}, o.seed, o.threads, t);
  TuneResult r;
  r.validation_ratings = v.test_nnz;
  r.lambda = o.lambda0;
  r.alpha = o.alpha0;
  if (v.test_nnz == 0 || v.train_nnz == 0) {
    if (!o.asked) {
      spdlog::warn("lambda {} and alpha {} kept: a validation split of {:.0f}% of {} training ratings is empty, so they "
                   "cannot be tuned", o.lambda0, o.alpha0, 100 * o.fraction, part.train_nnz);
      return r;
    }
    throw AgreedError(Exit::data, fmt::format("{}: --lambda/--alpha auto: a validation split of {:.0f}% of {} training "
                                              "ratings is empty; give more ratings, or numbers for --lambda and --alpha",
                                              o.input, 100 * o.fraction, part.train_nnz));
  }
  spdlog::info("tuning {}on a validation split of {} of the {} training ratings (the held-out set is not used)",
               o.lambda && o.alpha ? "lambda and alpha " : o.lambda ? "lambda " : "alpha ", v.test_nnz, part.train_nnz);

  Factors best;
  double best_score = -INFINITY;
  // Trains one candidate; it becomes the best when it gains kMinGain on it. Returns whether it did.
  auto run = [&](double lambda, double alpha, bool warm) {
    Stopwatch watch;
    Factors f;
    if (warm) f = best;
    else start_factors(comm, v, o.k, o.biases, o.seed, f);
    const int iterations = warm ? o.warm_iterations : o.iterations;
    {
      std::unique_ptr<Trainer> trainer = make(v, f, lambda, alpha);
      for (int it = 0; it < iterations; ++it) {
        trainer->iterate(t);
        after_iteration();
      }
    }
    Metrics m;
    {
      Timed timed(t.compute);
      m = o.implicit ? evaluate_ranking(comm, v, f, o.top_n, o.eval_users, o.seed, o.threads)
                     : evaluate_explicit(comm, v, f, o.threads, false);
    }
    double score = o.implicit ? m.ndcg : -m.rmse;
    if (!std::isfinite(score)) score = -INFINITY;  // diverged: never chosen
    const bool gained = std::isinf(best_score) ? !std::isinf(score) : score > best_score + kMinGain * std::abs(best_score);
    const double seconds = comm.max(watch.seconds());
    r.trials.push_back({lambda, alpha, score, seconds, iterations});
    spdlog::info("tune {:>2}: lambda {:<8.4g}{} validation {} {:.4f}  {} iterations{}  {:.2f}s{}",
                 r.trials.size(), lambda, o.implicit ? fmt::format(" alpha {:<8.4g}", alpha) : "",
                 o.implicit ? fmt::format("ndcg@{}", o.top_n) : "rmse",
                 std::abs(score), iterations, warm ? " (warm)" : "", seconds, gained ? "  best" : "");
    if (gained) {
      best_score = score;
      best = std::move(f);
      r.lambda = lambda;
      r.alpha = alpha;
    }
    return gained;
  };
  // From the best so far, a step of `factor` up; if that did not gain, down; on in the direction
  // that gained for at most `steps` steps. `step` trains the candidates of one step and says
  // whether one of them gained.
  auto walk = [&](double factor, int steps, const std::function<bool(double)>& step) {
    for (const double s : {factor, 1 / factor}) {
      int gains = 0;
      while (gains < steps && step(s)) ++gains;
      if (gains > 0) return;
    }
  };
  auto lambda_step = [&](double s) { return run(r.lambda * s, r.alpha, true); };
  // Alpha: a step alone, and (when lambda is searched too) with lambda by the same factor: the
  // best lambda grows with alpha (a row's lambda is scaled by its mass, which alpha weighs), so
  // a step of alpha alone can look worse where the pair of them gains (Ciao: alpha 3 -> 20,
  // lambda 0.005 -> 0.02).
  auto alpha_step = [&](double s) {
    const double lambda = r.lambda, alpha = r.alpha * s;
    const bool alone = run(lambda, alpha, true);
    const bool both = o.lambda && run(lambda * s, alpha, true);
    return alone || both;
  };

  if (!run(r.lambda, r.alpha, false)) {  // nothing to start the others from
    spdlog::warn("tuning: the default lambda {} and alpha {} gave no finite validation score; kept", r.lambda, r.alpha);
    return r;
  }
  if (o.lambda) walk(2, kLambdaSteps, lambda_step);
  if (o.alpha) walk(2, kAlphaSteps, alpha_step);
  if (o.lambda && o.alpha) walk(std::sqrt(2.0), 1, lambda_step);  // alpha moved the best lambda a little
  spdlog::info("tuned in {:.1f}s over {} candidates: lambda {:.4g}{} (validation {} {:.4f})", comm.max(total.seconds()),
               r.trials.size(), r.lambda, o.implicit ? fmt::format(", alpha {:.4g}", r.alpha) : "",
               o.implicit ? fmt::format("ndcg@{}", o.top_n) : "rmse", std::abs(best_score));
  return r;
}

}  // namespace crossmf
