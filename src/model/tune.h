// --lambda auto and --alpha auto: the values chosen on a validation split carved from the
// training ratings (a seeded share of them, by pair, so the same on any number of ranks); the
// held-out set never steers the choice. One parameter at a time, a line search on a log scale
// from the default: a step each way, then on in the direction that gained until a step does not.
// The first candidate trains from the initial factors; every later one starts from the best model
// so far (a warm start: ALS settles near a nearby optimum in a few iterations).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/model/factors.h"
#include "src/model/trainer.h"

namespace crossmf {

struct TuneOptions {
  std::string input;                   // the file, for messages
  bool lambda = false, alpha = false;  // which to choose
  bool asked = true;                   // by the user (else by default: an empty validation split keeps the defaults)
  double lambda0 = 0.01, alpha0 = 3;   // where the search starts: the defaults
  bool implicit = false;
  int k = 64;
  bool biases = false;
  int iterations = 15;       // the first candidate's, from the initial factors
  int warm_iterations = 5;   // each later candidate's, from the best model so far
  double fraction = 0.1;     // of the training ratings held for validation
  int top_n = 10;            // implicit: the score is NDCG at top_n
  count_t eval_users = 0;    // implicit: a seeded sample of this many validation users (0: all)
  std::uint64_t seed = 42;
  int threads = 1;
};

// score: validation NDCG at top_n (implicit) or minus the validation RMSE (explicit).
struct Trial {
  double lambda = 0, alpha = 0, score = 0, seconds = 0;
  int iterations = 0;
};

struct TuneResult {
  double lambda = 0, alpha = 0;  // the choice
  std::vector<Trial> trials;     // in the order run
  count_t validation_ratings = 0;
};

// A trainer of `f` on `part` with these values (the caller's options otherwise).
using MakeTrainer = std::function<std::unique_ptr<Trainer>(const Partition& part, Factors& f, double lambda, double alpha)>;

// Collective. `after_iteration` runs on every rank after each training iteration (the caller's
// stop point for signals). An empty validation split throws AgreedError(Exit::data) when the
// search was asked for, and keeps the defaults otherwise.
TuneResult tune(const Comm& comm, const Partition& part, const TuneOptions& o, const MakeTrainer& make,
                const std::function<void()>& after_iteration, Timings& t);

}  // namespace crossmf
