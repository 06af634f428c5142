// crossmf train: the batch job. Reads top to bottom as the pipeline:
//   open input -> check output folder -> read slices -> partition -> train (ALS) with per-
//   iteration evaluation -> final evaluation -> write output atomically -> timing summary.
#include <omp.h>

#include <cmath>
#include <map>
#include <memory>

#include "io/atomic_output.h"
#include "io/input_reader.h"
#include "io/output_writer.h"
#include "io/schema.h"
#include "jobs/jobs.h"
#include "src/base/log.h"
#include "src/model/als.h"
#include "src/model/evaluate.h"
#include "src/model/file_order.h"

namespace crossmf {

namespace {

struct History {
  std::vector<std::string> columns;
  std::map<std::string, std::vector<double>> values;
  void add(const std::string& c, double v) {
    if (!values.count(c)) columns.push_back(c);
    values[c].push_back(v);
  }
};

// Held-out score where larger is better, for early stopping.
double score_of(const Metrics& m, bool implicit) { return implicit ? m.ndcg : -m.rmse; }

Metrics evaluate(const Comm& comm, const Partition& part, const Factors& f, const TrainOptions& o, bool implicit,
                 int threads, bool final) {
  if (implicit) return evaluate_ranking(comm, part, f, o.top_n, final ? 0 : 2000, o.seed, threads);
  return evaluate_explicit(comm, part, f, threads);
}

// Non-finite factors are found on the rank that has them, before any reduction spreads them.
void check_finite(const Partition& part, const Factors& f, int iteration, double lambda) {
  const auto block = f.items.middleRows(part.item_begin, part.local_items);
  if (!f.users.allFinite() || !block.allFinite())
    fail(Exit::numeric, "factors became NaN or infinite at iteration {}; raise --lambda (now {}) or lower "
                        "--alpha, and check the input values for extremes", iteration, lambda);
}

}  // namespace

void run_train(const Config& config, const Comm& comm) {
  const TrainOptions& o = config.train;
  Timings time;
  Stopwatch total;
  const int threads = resolve_threads(o.threads);
  omp_set_num_threads(threads);
  spdlog::info("crossmf {} train: {} ranks x {} threads", CROSSMF_VERSION, comm.size(), threads);
  spdlog::info("options:\n{}", config.resolved);
  if (o.algorithm == "sgd")
    throw AgreedError(Exit::usage, "--algorithm sgd is not available in this version yet; use --algorithm als");

  // 1. Input metadata, and a writable output folder before any long work.
  std::unique_ptr<InputReader> input;
  phase(comm, [&] {
    Timed t(time.io);
    input = std::make_unique<InputReader>(o.input, comm);
  });
  const InputInfo& info = input->info();
  const bool implicit = o.feedback == "auto" ? info.implicit : o.feedback == "implicit";
  AtomicOutput output(o.output, comm);
  spdlog::info("input {}: {} users, {} items, {} ratings ({}){}", o.input, info.n_users, info.n_items, info.nnz,
               implicit ? "implicit" : "explicit", info.has_test ? fmt::format(", {} held-out in /test", info.test_nnz) : "");

  // 2. Each rank reads its own slice, then ratings move to their owners.
  Triplets train, test;
  phase(comm, [&] {
    Timed t(time.io);
    train = input->read_ratings(false);
    if (info.has_test) test = input->read_ratings(true);
  });
  Partition part;
  phase(comm, [&] {
    Timed t(time.comm);
    part = build_partition(comm, info.n_users, info.n_items, std::move(train), info.has_test ? &test : nullptr,
                           {o.test_fraction, o.split == "time", o.seed}, o.seed);
  });
  test = Triplets();
  spdlog::info("partition: {} training and {} held-out ratings; nnz imbalance (max/mean) users {:.3f}, items {:.3f}; "
               "{} user rows routed to item owners per iteration",
               part.train_nnz, part.test_nnz, part.user_imbalance, part.item_imbalance,
               comm.sum<count_t>(part.recv_rows));
  if (part.train_nnz == 0) throw AgreedError(Exit::data, fmt::format("{}: no training ratings left after the split", o.input));

  // 3. Model and trainer.
  Factors f;
  const double lambda = o.effective_lambda(implicit);
  init_factors(part, o.factors, !implicit && o.biases, o.seed, f);
  if (f.biases) {
    double s = 0;
    for (real v : part.by_user.val) s += v;
    f.mu = static_cast<real>(comm.sum(s) / static_cast<double>(part.train_nnz));
  }
  AlsOptions ao;
  ao.implicit = implicit;
  ao.lambda = lambda;
  ao.alpha = o.alpha;
  ao.log_confidence = o.confidence == "log";
  ao.epsilon = o.epsilon;
  ao.cholesky = o.solver == "cholesky";
  ao.cg_steps = o.cg_steps;
  ao.threads = threads;
  Als als(comm, part, ao, f);

  // 4. Iterations, one log line each from rank 0.
  History history;
  const bool held_out = part.test_nnz > 0;
  double best = -INFINITY, spent = 0;
  int since_best = 0, done = 0;
  for (int it = 1; it <= o.iterations; ++it) {
    Stopwatch watch;
    AlsStats st = als.iterate(time);
    phase(comm, [&] { check_finite(part, f, it, lambda); });
    const double solve_flops = comm.sum(st.flops);
    const double solve_seconds = comm.max(st.solve_seconds);
    const count_t bytes = comm.sum(st.bytes_sent);
    const double seconds = comm.max(watch.seconds());
    const double loss = als.loss(time);
    const Metrics m = held_out ? evaluate(comm, part, f, o, implicit, threads, false) : Metrics{};
    spent += seconds;
    done = it;
    const double eta = spent / it * (o.iterations - it);
    history.add("iteration", it);
    history.add("loss", loss);
    history.add("seconds", seconds);
    history.add("bytes_sent", static_cast<double>(bytes));
    history.add("solve_gflops", solve_seconds > 0 ? solve_flops / solve_seconds * 1e-9 : 0);
    if (implicit) {
      for (auto [c, v] : {std::pair{"precision_at_k", m.precision}, {"recall_at_k", m.recall}, {"ndcg_at_k", m.ndcg},
                          {"map_at_k", m.map}, {"auc", m.auc}})
        history.add(c, v);
      spdlog::info("iter {:>3}/{} loss {:.6g}  p@{} {:.4f} ndcg {:.4f} auc {:.4f}  {:.2f}s  {:.1f} GFLOP/s  {:.1f} MB sent  ETA {}",
                   it, o.iterations, loss, o.top_n, m.precision, m.ndcg, m.auc, seconds,
                   solve_seconds > 0 ? solve_flops / solve_seconds * 1e-9 : 0, bytes / 1e6, human_seconds(eta));
    } else {
      const Metrics tr = evaluate_explicit(comm, part, f, threads);
      history.add("train_rmse", tr.train_rmse);
      history.add("rmse", m.rmse);
      history.add("mae", m.mae);
      spdlog::info("iter {:>3}/{} loss {:.6g}  train rmse {:.4f}  test rmse {:.4f} mae {:.4f}  {:.2f}s  {:.1f} GFLOP/s  {:.1f} MB sent  ETA {}",
                   it, o.iterations, loss, tr.train_rmse, m.rmse, m.mae, seconds,
                   solve_seconds > 0 ? solve_flops / solve_seconds * 1e-9 : 0, bytes / 1e6, human_seconds(eta));
    }
    if (held_out && o.patience > 0) {
      const double score = score_of(m, implicit);
      if (std::isinf(best) || score > best + 1e-9 * std::abs(best)) { best = score; since_best = 0; }
      else if (++since_best >= o.patience) {
        spdlog::info("early stop: held-out metric has not improved for {} iterations", o.patience);
        break;
      }
    }
  }

  // 5. Final held-out metrics over every evaluated user.
  const Metrics final_m = held_out ? evaluate(comm, part, f, o, implicit, threads, true) : Metrics{};

  // 6. Output, written to a temporary file and renamed when complete.
  phase(comm, [&] {
    Timed t(time.io);
    OutputWriter w(output.temp_path(), comm, {config.resolved, info.fingerprint, o.input});
    const int k = f.k, width = f.width();
    const Slice us = even_slice(info.n_users, comm.rank(), comm.size());
    const Slice is = even_slice(info.n_items, comm.rank(), comm.size());
    std::vector<real> urows = users_in_file_order<real>(comm, part, f.users.data(), width);
    std::vector<real> irows = items_in_file_order<real>(comm, part, f.items.data(), width);
    auto column_split = [&](const std::vector<real>& rows, std::vector<real>& factors, std::vector<real>& bias) {
      const std::size_t n = rows.size() / width;
      factors.resize(n * k);
      bias.assign(n, 0);
      for (std::size_t r = 0; r < n; ++r) {
        std::copy(rows.begin() + r * width, rows.begin() + r * width + k, factors.begin() + r * k);
        if (f.biases) bias[r] = rows[r * width + k];
      }
    };
    std::vector<real> uf, ub, itf, ib;
    column_split(urows, uf, ub);
    column_split(irows, itf, ib);
    w.rows<real>("/model/user_factors", uf, info.n_users, k, us.begin);
    w.rows<real>("/model/item_factors", itf, info.n_items, k, is.begin);
    w.rows<real>("/model/user_bias", ub, info.n_users, 0, us.begin);
    w.rows<real>("/model/item_bias", ib, info.n_items, 0, is.begin);
    w.file().set_attr("/model/user_bias", "global_mean", static_cast<double>(f.mu));
    w.file().set_attr("/model", "algorithm", o.algorithm);
    w.file().set_attr("/model", "feedback", std::string(implicit ? "implicit" : "explicit"));
    w.file().set_attr("/model", "iterations_run", std::int64_t{done});
    for (const std::string& c : history.columns) w.whole<double>("/metrics/history/" + c, history.values[c]);
    auto metric = [&](const char* name, double v) { w.file().set_attr("/metrics", name, v); };
    if (implicit) {
      metric("precision_at_k", final_m.precision);
      metric("recall_at_k", final_m.recall);
      metric("ndcg_at_k", final_m.ndcg);
      metric("map_at_k", final_m.map);
      metric("auc", final_m.auc);
      w.file().set_attr("/metrics", "k", std::int64_t{o.top_n});
      w.file().set_attr("/metrics", "users_evaluated", std::int64_t{final_m.users});
    } else {
      metric("rmse", final_m.rmse);
      metric("mae", final_m.mae);
    }
    w.file().set_attr("/metrics", "held_out_ratings", std::int64_t{part.test_nnz});
    w.close();
  });
  output.commit();

  // 7. Summary: where the time went (max over ranks).
  const double io = comm.max(time.io), cm = comm.max(time.comm), cp = comm.max(time.compute), all = comm.max(total.seconds());
  if (implicit)
    spdlog::info("held-out: precision@{} {:.4f} recall {:.4f} ndcg {:.4f} map {:.4f} auc {:.4f} ({} users)", o.top_n,
                 final_m.precision, final_m.recall, final_m.ndcg, final_m.map, final_m.auc, final_m.users);
  else
    spdlog::info("held-out: rmse {:.4f} mae {:.4f} ({} ratings)", final_m.rmse, final_m.mae, final_m.ratings);
  spdlog::info("time: total {:.2f}s = compute {:.2f}s + communication {:.2f}s + I/O {:.2f}s (max over ranks)", all, cp, cm, io);
  spdlog::info("wrote {}", o.output);
}

}  // namespace crossmf
