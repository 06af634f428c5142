// Configuration: plain structs with defaults, one per subcommand. Parsed from the command line
// and an INI file (--config; the command line wins), validated separately, written into every
// output file as INI text.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "src/base/choices.h"

namespace crossmf {

struct GenerateOptions {
  std::string output;
  std::string events;                  // also /ratings as a text log of behaviour events (implicit)
  std::int64_t users = 5000;
  std::int64_t items = 1200;
  std::int64_t ratings = 250000;       // target nnz of /ratings
  std::int64_t test_ratings = 0;       // also write a fixed /test set of this many ratings
  int true_factors = 8;                // rank of the planted model
  Feedback feedback = Feedback::kExplicit;
  double noise = 0.3;                  // std of rating noise around the planted model
  double popularity = 0.8;             // power-law exponent of item popularity
  std::string domains = "content,finance,insurance";
  std::string domain_shares = "0.7,0.2,0.1";
  int user_features = 4;
  int item_features = 6;
  double labelled = 0.5;               // fraction of users with a known outcome
  bool stars = true;                   // explicit: round to 1-5 stars (false: continuous planted values)
  bool compress = true;                // deflate the ratings tables
  std::uint64_t seed = 42;
};

struct ImportOptions {
  std::string ratings, test, items, users, labels;  // delimited text inputs
  std::string events;                  // behaviour events, summed per pair into /ratings instead of --ratings
  std::string event_weights;           // --events: "view=1,purchase=5" (src/base/events.h)
  double half_life = 0;                // --events: days in which an event's weight halves; 0 (none): no decay
  std::string as_of;                   // --events: the time decay counts back from; empty: the file's latest
  std::string output;
  DelimiterChoice delimiter = DelimiterChoice::kAuto;
  Header header = Header::kAuto;
  Feedback feedback = Feedback::kExplicit;
  DuplicatePolicy duplicates = DuplicatePolicy::last;
  bool strict = false;
  int show_bad = 5;
  std::int64_t sort_rows = 8000000;    // ratings sorted in memory at a time (32 bytes each)
};

// A numeric option given as "auto": the job chooses the value (--lambda, --alpha).
inline constexpr double kAuto = -2;

struct TrainOptions {
  std::string input, output;
  Algorithm algorithm = Algorithm::kAuto;
  int burn_in = -1;                    // bmf: sweeps before the draws are averaged; -1: a quarter of --iterations
  double noise_precision = -1;         // bmf: of the ratings; 0: drawn from the residuals; -1: 2
  RatedPrior rated_prior = RatedPrior::kBoth;  // bmf
  int rated_steps = 8;                 // bmf: CG steps a sweep drawing the rated priors' vectors
  TrainFeedback feedback = TrainFeedback::kAuto;
  int factors = -1;                    // -1: 64 explicit, 128 implicit
  int iterations = -1;                 // -1: 100 bmf, 15 als and sgd
  double lambda = -1;                  // -1: 0.05 explicit, tuned from 0.01 implicit ALS, 0.1 implicit SGD; kAuto: tuned
  double lambda_exponent = -1;         // ALS: each row's lambda times its mass^exponent; -1: 1
  double bias_lambda = -1;             // explicit ALS: L2 of the biases; -1: as --lambda
  double alpha = -1;                   // implicit confidence 1 + alpha * r; -1: tuned from 3 als, 1 sgd; kAuto: tuned
  Confidence confidence = Confidence::kLinear;
  double epsilon = 1.0;
  Solver solver = Solver::kCg;         // implicit ALS
  int cg_steps = 3;
  bool biases = true;                  // explicit: global mean + user and item biases
  double learning_rate = 0.1;
  std::int64_t sync_every = 1000000;   // SGD: local updates between item-factor allreduces
  SgdSync sgd_sync = SgdSync::kAverage;  // delta diverged on 4 ranks (bench/README.md)
  ImplicitLoss implicit_loss = ImplicitLoss::kBpr;  // SGD implicit
  int negatives = 1;
  double test_fraction = 0.1;
  Split split = Split::kRandom;
  int patience = 2;
  std::int64_t eval_users = 0;         // implicit: final ranking metrics over a sample of this many users (0: all)
  std::uint64_t seed = 42;
  int top_n = 10;
  int segments = 8;
  double risk_threshold = 0.2;
  Gating gating = Gating::kWithhold;
  int audience_size = 500;
  int max_offers_per_user = 0;        // 0: every product its own best audience-size users
  double control_fraction = 0.1;
  std::string init_from;              // an earlier output: users and items it knows start from its factors
  std::string checkpoint;
  int checkpoint_every = 0;
  bool resume = false;
  int threads = 0;                     // 0: SLURM_CPUS_PER_TASK, OMP_NUM_THREADS, else cores / ranks

  // bmf was the most accurate on explicit public data (bench/README.md, accuracy); ALS is the model
  // of implicit feedback.
  Algorithm effective_algorithm(bool implicit) const {
    return algorithm != Algorithm::kAuto ? algorithm : implicit ? Algorithm::kAls : Algorithm::kBmf;
  }
  // Implicit ALS with frequency-scaled regularisation gained from k = 64 to 128 and 256 on
  // MovieLens-1M; explicit BMF barely (bench/README.md, accuracy).
  int effective_factors(bool implicit) const { return factors > 0 ? factors : implicit ? 128 : 64; }
  int effective_iterations(bool implicit) const {
    return iterations > 0 ? iterations : effective_algorithm(implicit) == Algorithm::kBmf ? 100 : 15;
  }
  // Implicit ALS's best lambda and alpha moved 4x and 16x between public data sets
  // (bench/README.md, accuracy), so by default they are chosen on a validation split, starting
  // from effective_lambda and effective_alpha.
  bool tunes_lambda(bool implicit) const {
    return lambda == kAuto || (lambda == -1 && implicit && effective_algorithm(implicit) == Algorithm::kAls);
  }
  bool tunes_alpha(bool implicit) const {
    return alpha == kAuto || (alpha == -1 && implicit && effective_algorithm(implicit) == Algorithm::kAls);
  }
  // Implicit: a row's mass is the summed extra confidence of its positives plus the other side's
  // count (the unobserved); Rendle et al. 2021's frequency scaling, tuned on MovieLens-1M.
  // (SGD's implicit defaults are those it had before: its own measurements.)
  double effective_lambda(bool implicit) const {
    return lambda >= 0 ? lambda : !implicit ? 0.05 : algorithm == Algorithm::kSgd ? 0.1 : 0.01;
  }
  double effective_alpha() const { return alpha > 0 ? alpha : algorithm == Algorithm::kSgd ? 1 : 3; }
  int effective_burn_in() const { return burn_in >= 0 ? burn_in : iterations / 4; }
  double effective_lambda_exponent() const { return lambda_exponent >= 0 ? lambda_exponent : 1; }
};

struct ScoreOptions {
  std::string model, input, output;
  std::string users;  // text file of external user ids: score only these users of the input
  int factors = -1;   // -1: the model's; else it must match it
  int threads = 0;
};

struct InspectOptions {
  std::string file;
};

struct LiftOptions {
  std::string audiences;               // a train output
  std::string outcomes;                // delimited text: user, product, converted[, time]
  std::string output;                  // the lift HDF5 file
  std::string csv;                     // empty: the output's name with .csv
  DelimiterChoice delimiter = DelimiterChoice::kAuto;
  Header header = Header::kAuto;
  std::string csv_path() const;
};

struct Config {
  Command command = Command::kTrain;
  std::string config_file;
  LogLevel log_level = LogLevel::kInfo;
  GenerateOptions generate;
  ImportOptions import;
  TrainOptions train;
  InspectOptions inspect;
  ScoreOptions score;
  LiftOptions lift;
  std::string resolved;         // the options of `command` as INI text, after defaults and file
  bool help = false;            // --help was asked: `resolved` holds the help text
};

// --domains and --domain-shares as lists. Throw Error(Exit::usage) naming the option.
std::vector<std::string> domain_names(const GenerateOptions& options);
std::vector<double> domain_shares(const GenerateOptions& options);

// Parses argv. Throws Error(Exit::usage) naming the option and the fix.
Config parse_config(int argc, const char* const* argv);
// The train options stored in an output's `config` attribute (INI text); lines this version
// does not know are skipped. Throws Error(Exit::data) naming `source` when a value is malformed.
TrainOptions train_options_from_ini(const std::string& ini, const std::string& source);
// Checks values (ranges, choices, paths) of the chosen subcommand. Throws Error(Exit::usage).
void validate(const Config& config);
// Threads to use: --threads, else SLURM_CPUS_PER_TASK, else OMP_NUM_THREADS, else cores per local rank.
// Throws Error(Exit::usage) when the variable it uses is not a count in [1, kMaxThreads].
int resolve_threads(int requested);
// More threads per rank than any machine has cores: OpenMP would fail to start them.
inline constexpr int kMaxThreads = 1024;

}  // namespace crossmf
