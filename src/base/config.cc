#include "src/base/config.h"

#include <boost/program_options.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "src/base/error.h"
#include "src/base/events.h"
#include "src/base/names.h"
#include "src/base/paths.h"

namespace po = boost::program_options;

namespace crossmf {

namespace {

// One declaration per option gives both the Boost description (with its default, for --help)
// and the line of resolved INI text.
class OptionTable {
 public:
  explicit OptionTable(const std::string& caption) : desc_(caption) {}
  template <class T>
  void add(const char* name, T* field, const char* help) {
    // The default as a person writes it (0.1), not as Boost's lexical_cast does (0.10000000000000001).
    desc_.add_options()(name, po::value<T>(field)->default_value(*field, fmt::format("{}", *field)), help);
    printers_.push_back([name, field](std::ostream& os) { os << name << " = " << *field << "\n"; });
  }
  // Boost reads "-1" into an unsigned as 2^64 - 1; seeds are read strictly instead.
  void add(const char* name, std::uint64_t* field, const char* help) {
    desc_.add_options()(name, po::value<std::string>()->default_value(std::to_string(*field))->notifier(
                                  [name, field](const std::string& text) {
                                    const char* end = text.data() + text.size();
                                    const auto [at, ec] = std::from_chars(text.data(), end, *field);
                                    if (text.empty() || ec != std::errc() || at != end)
                                      fail(Exit::usage, "--{} '{}' is not a seed: give a whole number from 0 to "
                                                        "18446744073709551615", name, text);
                                  }),
                        help);
    printers_.push_back([name, field](std::ostream& os) { os << name << " = " << *field << "\n"; });
  }
  // A number, or "auto" (stored as kAuto): a value the job chooses itself.
  void add_or_auto(const char* name, double* field, const char* help) {
    auto text = [](double v) { return v == kAuto ? std::string("auto") : fmt::format("{}", v); };
    desc_.add_options()(name, po::value<std::string>()->default_value(text(*field))->notifier(
                                  [name, field](const std::string& in) {
                                    if (in == "auto") { *field = kAuto; return; }
                                    double v = 0;
                                    const char* end = in.data() + in.size();
                                    const auto [at, ec] = std::from_chars(in.data(), end, v);
                                    if (in.empty() || ec != std::errc() || at != end)
                                      fail(Exit::usage, "--{} '{}' is not a number: give a number, or auto", name, in);
                                    if (v == kAuto)  // the value that stands for auto: no typed number means it
                                      fail(Exit::usage, "--{} {} is out of range: give a positive number, -1 for the "
                                                        "default, or auto", name, in);
                                    *field = v;
                                  }),
                        help);
    printers_.push_back([name, field, text](std::ostream& os) { os << name << " = " << text(*field) << "\n"; });
  }
  // A positive number, or "none" (stored as 0): an optional quantity (--half-life).
  void add_or_none(const char* name, double* field, const char* help) {
    auto text = [](double v) { return v == 0 ? std::string("none") : fmt::format("{}", v); };
    desc_.add_options()(name, po::value<std::string>()->default_value(text(*field))->notifier(
                                  [name, field](const std::string& in) {
                                    if (in == "none") { *field = 0; return; }
                                    double v = 0;
                                    const char* end = in.data() + in.size();
                                    const auto [at, ec] = std::from_chars(in.data(), end, v);
                                    if (in.empty() || ec != std::errc() || at != end || !(v > 0) || !std::isfinite(v))
                                      fail(Exit::usage, "--{} '{}' is not a positive number: give one, or none", name, in);
                                    *field = v;
                                  }),
                        help);
    printers_.push_back([name, field, text](std::ostream& os) { os << name << " = " << text(*field) << "\n"; });
  }
  // One of an enum's named values (src/base/choices.h): the table gives the help's list, the
  // parse and the INI text. `what`, if any, comes before the list.
  template <class E>
  void choice(const char* name, E* field, const std::string& what) {
    const std::string help = what.empty() ? choice_help<E>() : what + ": " + choice_help<E>();
    desc_.add_options()(name, po::value<std::string>()->default_value(name_of(*field))->notifier(
                                  [name, field](const std::string& in) {
                                    const std::optional<E> v = choice_named<E>(in);
                                    if (!v) fail(Exit::usage, "--{} '{}' is not one of: {}; choose one of them", name, in,
                                                 choice_list<E>());
                                    *field = *v;
                                  }),
                        help.c_str());
    printers_.push_back([name, field](std::ostream& os) { os << name << " = " << name_of(*field) << "\n"; });
  }
  void flag(const char* name, bool* field, const char* help) {
    desc_.add_options()(name, po::value<bool>(field)->default_value(*field)->implicit_value(true), help);
    printers_.push_back([name, field](std::ostream& os) { os << name << " = " << (*field ? "true" : "false") << "\n"; });
  }
  po::options_description& desc() { return desc_; }
  std::string ini() const {
    std::ostringstream os;
    for (auto& p : printers_) p(os);
    return os.str();
  }

 private:
  po::options_description desc_;
  std::vector<std::function<void(std::ostream&)>> printers_;
};

// --threads of train and score.
constexpr const char* kThreadsHelp = "threads per rank; 0: SLURM_CPUS_PER_TASK, OMP_NUM_THREADS, or cores/ranks";

void describe_generate(OptionTable& t, GenerateOptions& o) {
  t.add("output", &o.output, "output HDF5 file (input schema)");
  t.add("events", &o.events, "implicit feedback: also write /ratings as a text log of behaviour events (user, item, "
                             "event, time, amount) that crossmf import --events reads back, with --event-weights "
                             "the /truth attribute event_weights; empty: none");
  t.add("users", &o.users, "number of users");
  t.add("items", &o.items, "number of items");
  t.add("ratings", &o.ratings, "number of ratings (nnz) in /ratings");
  t.add("test-ratings", &o.test_ratings, "also write a fixed held-out set /test of this many ratings");
  t.add("true-factors", &o.true_factors, "rank of the planted model");
  t.choice("feedback", &o.feedback, "generated as 1-5 stars or counts");
  t.add("noise", &o.noise, "standard deviation of the noise around the planted ratings");
  t.add("popularity", &o.popularity, "power-law exponent of item popularity");
  t.add("domains", &o.domains, "comma-separated product domain names");
  t.add("domain-shares", &o.domain_shares, "share of items in each domain");
  t.add("user-features", &o.user_features, "behavioural features per user");
  t.add("item-features", &o.item_features, "attributes per item");
  t.add("labelled", &o.labelled, "fraction of users with a known 0/1 outcome");
  t.flag("stars", &o.stars, "explicit: round ratings to 1-5 stars (false: continuous planted values)");
  t.flag("compress", &o.compress, "deflate the ratings tables (a smaller file; false: larger, but read at disk speed "
                                  "without inflating)");
  t.add("seed", &o.seed, "random seed (same data whatever the rank count)");
}

void describe_import(OptionTable& t, ImportOptions& o) {
  t.add("ratings", &o.ratings, "text file of ratings: user, item[, value[, time]]");
  t.add("events", &o.events, "text file of behaviour events instead of --ratings: user, item, event[, time[, amount]]; "
                             "each (user, item) pair's rows summed into one implicit strength");
  t.add("event-weights", &o.event_weights, "--events: the weight of each event name of the file, e.g. "
                                           "view=1,minutes=0.05,favorite=3,purchase=5; a row's strength is its "
                                           "event's weight times its amount (1 without an amount column)");
  t.add_or_none("half-life", &o.half_life, "--events: days in which a row's strength halves with its age before "
                                           "--as-of (needs the time column); none: no decay");
  t.add("as-of", &o.as_of, "--events with --half-life: the time the ages count back from, unix seconds or "
                           "YYYY-MM-DD (UTC); empty: the latest time of the file; later rows are dropped");
  t.add("test", &o.test, "text file of held-out ratings, same columns (optional)");
  t.add("items", &o.items, "text file of items: item, domain[, features...] (optional)");
  t.add("users", &o.users, "text file of users: user, features... (optional)");
  t.add("labels", &o.labels, "text file of labels: user, 0/1 (optional)");
  t.add("output", &o.output, "output HDF5 file (input schema)");
  t.choice("delimiter", &o.delimiter, "");
  t.choice("header", &o.header, "first line holds column names");
  t.choice("feedback", &o.feedback, "implicit when --events is given");
  t.choice("duplicates", &o.duplicates, "same (user, item) twice (--events: always summed)");
  t.flag("strict", &o.strict, "any malformed row is fatal");
  t.add("show-bad", &o.show_bad, "how many malformed rows to show");
  t.add("sort-rows", &o.sort_rows, "ratings sorted in memory at a time (32 bytes each); beyond it, sorted runs "
                                   "are spilled to a temporary file beside the output and merged");
}

void describe_train(OptionTable& t, TrainOptions& o) {
  t.add("input", &o.input, "input HDF5 file");
  t.add("output", &o.output, "output HDF5 file (written atomically)");
  t.choice("algorithm", &o.algorithm, "");
  t.add("burn-in", &o.burn_in, "bmf: sweeps before the draws are averaged into the model; -1: a quarter of --iterations");
  t.add("noise-precision", &o.noise_precision,
        "bmf: precision of the ratings' noise (2: Salakhutdinov and Mnih's); 0: drawn each sweep from the residuals; -1: 2");
  t.choice("rated-prior", &o.rated_prior, "bmf");
  t.add("rated-steps", &o.rated_steps, "bmf: CG steps a sweep drawing the vectors of --rated-prior");
  t.choice("feedback", &o.feedback, "");
  t.add("factors", &o.factors, "latent factors k; -1: 64 for explicit ratings, 128 for implicit");
  t.add("iterations", &o.iterations, "ALS iterations, SGD epochs or BMF sweeps; -1: 100 for bmf, 15 for als and sgd");
  t.add_or_auto("lambda", &o.lambda, "L2 regularisation (ALS: times each row's mass^exponent); auto: chosen on a validation "
                                     "split of the training ratings (als, sgd); -1: 0.05 explicit, 0.1 implicit SGD, auto "
                                     "from 0.01 implicit ALS");
  t.add("lambda-exponent", &o.lambda_exponent,
        "ALS: each row's lambda is scaled by its mass^exponent (explicit: its ratings; implicit: its summed extra "
        "confidence plus the other side's count); -1: 1 (explicit: ALS-WR; implicit: Rendle et al. 2021)");
  t.add("bias-lambda", &o.bias_lambda, "explicit ALS: L2 regularisation of the biases, scaled as --lambda; -1: as --lambda");
  t.add_or_auto("alpha", &o.alpha, "implicit confidence 1 + alpha * r; auto: chosen on a validation split of the "
                                   "training ratings (implicit als); -1: 1 for sgd, auto from 3 for als");
  t.choice("confidence", &o.confidence, "implicit confidence");
  t.add("epsilon", &o.epsilon, "log confidence 1 + alpha * log(1 + r / epsilon)");
  t.choice("solver", &o.solver, "implicit ALS solver");
  t.add("cg-steps", &o.cg_steps, "conjugate-gradient steps per row (warm-started)");
  t.flag("biases", &o.biases, "explicit: global mean and user/item biases");
  t.add("learning-rate", &o.learning_rate, "SGD initial learning rate (AdaGrad-scaled per row)");
  t.add("sync-every", &o.sync_every, "SGD: local updates between item-factor allreduces");
  t.choice("sgd-sync", &o.sgd_sync, "SGD item-factor combination");
  t.choice("implicit-loss", &o.implicit_loss, "SGD implicit loss");
  t.add("negatives", &o.negatives, "SGD implicit: sampled negatives per positive");
  t.add("test-fraction", &o.test_fraction, "held-out fraction when the input has no /test");
  t.choice("split", &o.split, "held-out split");
  t.add("patience", &o.patience, "stop after this many iterations without held-out improvement (0: never)");
  t.add("eval-users", &o.eval_users, "implicit: final ranking metrics over about this many held-out users, sampled by "
                                     "id (0: all; each user costs a pass over every item); 2000 after each iteration");
  t.add("seed", &o.seed, "random seed");
  t.add("top-n", &o.top_n, "recommendations per user, and k of the ranking metrics");
  t.add("segments", &o.segments, "user segments (k-means)");
  t.add("risk-threshold", &o.risk_threshold, "users with risk above this get no finance/insurance offers");
  t.choice("gating", &o.gating, "risky users' finance/insurance recommendations");
  t.add("audience-size", &o.audience_size, "users per finance/insurance product audience");
  t.add("max-offers-per-user", &o.max_offers_per_user,
        "contact cap: the finance/insurance products a user may be in the audience of, pairs chosen to maximise the "
        "total affinity (0: no cap, each product its best audience-size users)");
  t.add("control-fraction", &o.control_fraction, "share of each audience held out as a control group");
  t.add("init-from", &o.init_from, "an earlier crossmf output: users and items it knows (by external id) start from "
                                   "its factors and biases, the others as usual");
  t.add("checkpoint", &o.checkpoint, "checkpoint HDF5 file");
  t.add("checkpoint-every", &o.checkpoint_every, "iterations between checkpoints (0: never)");
  t.flag("resume", &o.resume, "resume from --checkpoint");
  t.add("threads", &o.threads, kThreadsHelp);
}

void describe_score(OptionTable& t, ScoreOptions& o) {
  t.add("model", &o.model, "a crossmf train output: its item factors, objective, risk model and segments");
  t.add("input", &o.input, "input HDF5 file of the users to score (input schema, with /users/id and /items/id)");
  t.add("output", &o.output, "output HDF5 file (written atomically; train's schema, a subset)");
  t.add("users", &o.users, "text file of external user ids, one a line: score only these users of --input");
  t.add("factors", &o.factors, "the factor count the model must have; -1: whatever it has");
  t.add("threads", &o.threads, kThreadsHelp);
}

void describe_lift(OptionTable& t, LiftOptions& o) {
  t.add("audiences", &o.audiences, "a crossmf train output: its /audiences, ids and segments");
  t.add("outcomes", &o.outcomes, "text file of campaign outcomes: user, product, converted (0/1)[, time], by the "
                                 "output's external ids; a member without a row did not convert");
  t.add("output", &o.output, "lift HDF5 file (written atomically)");
  t.add("csv", &o.csv, "the same rows as CSV; empty: the output's name with .csv");
  t.choice("delimiter", &o.delimiter, "");
  t.choice("header", &o.header, "first line holds column names (user, product, converted[, time])");
}

// The text of an INI file, without a UTF-8 byte-order mark (editors on Windows add one; Boost
// would take it for part of the first option's name).
std::string read_config_file(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    fail(Exit::usage, "--config {} is a folder; give the path of an INI file of 'option = value' lines", file);
  // A pipe without a writer would block the open below forever.
  const auto type = std::filesystem::status(file, ec).type();
  if (!ec && type != std::filesystem::file_type::regular && type != std::filesystem::file_type::not_found)
    fail(Exit::usage, "--config {} is a pipe, device or other special file; give the path of an INI file", file);
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(Exit::usage, "--config {}: cannot open the file; check the path", file);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(Exit::usage, "--config {}: cannot read the file; check the path", file);
  std::string s = text.str();
  if (s.compare(0, 3, "\xEF\xBB\xBF") == 0) s.erase(0, 3);
  return s;
}

std::string usage() {
  std::string out = "usage: crossmf SUBCOMMAND [options]\n";
  for (const auto& c : kCommandNames) out += fmt::format("  {:<10} {}\n", c.name, c.help);
  return out + "'crossmf SUBCOMMAND --help' lists every option with its default.\n";
}

}  // namespace

Config parse_config(int argc, const char* const* argv) {
  Config c;
  if (argc < 2)
    throw Error(Exit::usage, fmt::format("no subcommand given; give one of {}\n{}", choice_list<Command>(), usage()));
  const std::string_view first = argv[1];
  if (first == "--help" || first == "-h") {
    c.help = true;
    c.resolved = usage();
    return c;
  }
  const std::optional<Command> command = choice_named<Command>(first);
  if (!command)
    fail(Exit::usage, "unknown subcommand '{}'; give one of {}\n{}", first, choice_list<Command>(), usage());
  c.command = *command;
  const std::string name = name_of(c.command);

  OptionTable table("crossmf " + name + " options");
  if (c.command == Command::kGenerate) describe_generate(table, c.generate);
  if (c.command == Command::kImport) describe_import(table, c.import);
  if (c.command == Command::kTrain) describe_train(table, c.train);
  if (c.command == Command::kScore) describe_score(table, c.score);
  if (c.command == Command::kLift) describe_lift(table, c.lift);
  OptionTable general("general options");
  general.desc().add_options()("help,h", "show this help")
      ("config", po::value<std::string>(&c.config_file), "INI file of options (command line wins)");
  general.choice("log-level", &c.log_level, "");
  po::options_description all;
  all.add(table.desc()).add(general.desc());
  po::positional_options_description positional;
  if (c.command == Command::kInspect) {
    all.add_options()("file", po::value<std::string>(&c.inspect.file), "file to summarise");
    positional.add("file", 1);
  }

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::ostringstream os;
      os << "usage: crossmf " << name << (c.command == Command::kInspect ? " FILE" : "") << " [options]\n" << all;
      c.help = true;
      c.resolved = os.str();
      return c;
    }
    if (vm.count("config")) {
      const std::string file = vm["config"].as<std::string>();
      std::istringstream in(read_config_file(file));
      try {
        po::store(po::parse_config_file(in, all, false), vm);
      } catch (const po::error& e) {
        fail(Exit::usage, "--config {}: {}; write each line as 'option = value' with the option names of "
                          "'crossmf {} --help'", file, e.what(), name);
      }
    }
    po::notify(vm);
    // Events are summed into strengths: implicit feedback unless --feedback says otherwise.
    if (c.command == Command::kImport && !c.import.events.empty() && vm["feedback"].defaulted())
      c.import.feedback = Feedback::kImplicit;
  } catch (const po::error& e) {
    fail(Exit::usage, "{}; see 'crossmf {} --help'", e.what(), name);
  }
  c.resolved = "# crossmf " + name + "\n" + table.ini();
  return c;
}

TrainOptions train_options_from_ini(const std::string& ini, const std::string& source) {
  TrainOptions o;
  OptionTable table("stored");
  describe_train(table, o);
  try {
    std::istringstream in(ini);
    po::variables_map vm;
    po::store(po::parse_config_file(in, table.desc(), true), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    fail(Exit::data, "{}: its root attribute config does not read as crossmf train options ({}); give an output of "
                     "crossmf train", source, e.what());
  }
  return o;
}

namespace {
template <class T>
void at_least(const std::string& option, T value, T low) {
  if (value < low) fail(Exit::usage, "--{} {} is too small: give at least {}", option, value, low);
}
template <class T>
void between(const std::string& option, T value, T low, T high) {
  at_least(option, value, low);
  if (value > high) fail(Exit::usage, "--{} {} is too large: give at most {}", option, value, high);
}
void in_range(const std::string& option, double value, double low, double high) {
  if (!(value >= low && value <= high)) fail(Exit::usage, "--{} {} is out of range: give a value between {} and {}", option, value, low, high);
}
void required(const std::string& option, const std::string& value) {
  if (value.empty()) fail(Exit::usage, "--{} is required; give it", option);
}
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    out.push_back(b == std::string::npos ? std::string() : item.substr(b, e - b + 1));
  }
  return out;
}
// --events and the options only it takes.
void validate_events(const ImportOptions& o) {
  if (o.events.empty()) {
    for (const auto& [option, given] : {std::pair{"event-weights", !o.event_weights.empty()},
                                        std::pair{"half-life", o.half_life != 0}, std::pair{"as-of", !o.as_of.empty()}})
      if (given) fail(Exit::usage, "--{} applies to --events; give --events FILE, or drop --{}", option, option);
    return;
  }
  if (!o.ratings.empty())
    fail(Exit::usage, "--ratings and --events are both given; /ratings comes from one of them: drop one");
  if (o.event_weights.empty())
    fail(Exit::usage, "--events needs --event-weights; give the weight of each event name of {}, e.g. "
                      "--event-weights view=1,minutes=0.05,favorite=3,purchase=5", o.events);
  event_weights(o.event_weights);
  if (o.feedback == Feedback::kExplicit)
    fail(Exit::usage, "--events makes implicit feedback (summed strengths), not --feedback explicit; drop --feedback "
                      "or give --feedback implicit");
  if (!o.as_of.empty() && o.half_life == 0)
    fail(Exit::usage, "--as-of is the time --half-life decays to; give --half-life DAYS too, or drop --as-of");
  as_of_seconds(o.as_of);
}
}  // namespace

std::vector<std::string> domain_names(const GenerateOptions& g) {
  std::vector<std::string> names = split_list(g.domains);
  if (names.empty()) fail(Exit::usage, "--domains is empty: give comma-separated domain names, e.g. content,finance");
  if (names.size() > 1000) fail(Exit::usage, "--domains names {} domains; give at most 1000", names.size());
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (n.empty()) fail(Exit::usage, "--domains '{}' has an empty name; remove the extra comma", g.domains);
    if (const std::string why = unusable_domain_name(n); !why.empty())
      fail(Exit::usage, "--domains '{}': {}; rename that domain", g.domains, why);
    if (!seen.insert(n).second) fail(Exit::usage, "--domains '{}' names '{}' twice; give each domain once", g.domains, n);
  }
  return names;
}

std::vector<double> domain_shares(const GenerateOptions& g) {
  std::vector<double> shares;
  double sum = 0;
  for (const auto& s : split_list(g.domain_shares)) {
    std::size_t used = 0;
    double v = -1;
    try { v = std::stod(s, &used); } catch (const std::exception&) { used = 0; }
    if (used == 0 || used != s.size() || !(v >= 0) || !std::isfinite(v))
      fail(Exit::usage, "--domain-shares '{}': '{}' is not a non-negative number; give one number per domain", g.domain_shares, s);
    shares.push_back(v);
    sum += v;
  }
  if (!(sum > 0)) fail(Exit::usage, "--domain-shares '{}' sums to zero; give at least one positive share", g.domain_shares);
  return shares;
}

void validate(const Config& c) {
  if (c.command == Command::kGenerate) {
    const auto& g = c.generate;
    required("output", g.output);
    check_distinct_files({{"--config", c.config_file}, {"--output", g.output, true}, {"--events", g.events, true}});
    if (!g.events.empty() && g.feedback != Feedback::kImplicit)
      fail(Exit::usage, "--events {}: events make implicit feedback (counts), not --feedback {}; give --feedback "
                        "implicit, or drop --events", g.events, name_of(g.feedback));
    between<std::int64_t>("users", g.users, 1, INT32_MAX);
    between<std::int64_t>("items", g.items, 1, INT32_MAX);
    at_least<std::int64_t>("ratings", g.ratings, 1);
    at_least<std::int64_t>("test-ratings", g.test_ratings, 0);
    if (static_cast<double>(g.ratings) + static_cast<double>(g.test_ratings) >
        0.5 * static_cast<double>(g.users) * static_cast<double>(g.items))
      fail(Exit::usage, "--ratings {} (+ --test-ratings {}) is more than half of users x items = {}; "
                        "lower it or raise --users/--items", g.ratings, g.test_ratings, g.users * g.items);
    between("true-factors", g.true_factors, 1, 1024);
    const auto names = domain_names(g);
    const auto shares = domain_shares(g);
    if (shares.size() != names.size())
      fail(Exit::usage, "--domain-shares '{}' has {} values but --domains '{}' names {} domains; give one share per domain",
           g.domain_shares, shares.size(), g.domains, names.size());
    in_range("noise", g.noise, 0, 10);
    in_range("popularity", g.popularity, 0, 3);
    between("user-features", g.user_features, 0, 1024);
    between("item-features", g.item_features, 0, 1024);
    in_range("labelled", g.labelled, 0, 1);
  } else if (c.command == Command::kImport) {
    const auto& o = c.import;
    if (o.ratings.empty() && o.events.empty()) fail(Exit::usage, "--ratings (or --events) is required; give it");
    validate_events(o);
    required("output", o.output);
    check_distinct_files({{"--ratings", o.ratings}, {"--events", o.events}, {"--test", o.test}, {"--items", o.items}, {"--users", o.users},
                          {"--labels", o.labels}, {"--config", c.config_file}, {"--output", o.output, true}});
    between("show-bad", o.show_bad, 0, 1000000);
    // Reserved up front as address space (32 bytes a row): a billion rows is 32 GB.
    between<std::int64_t>("sort-rows", o.sort_rows, 1, 1000000000);
  } else if (c.command == Command::kTrain) {
    const auto& t = c.train;
    required("input", t.input);
    required("output", t.output);
    check_distinct_files({{"--input", t.input}, {"--config", c.config_file}, {"--output", t.output, true},
                          {"--checkpoint", t.checkpoint, true}, {"--init-from", t.init_from}});
    if (t.factors != -1) between("factors", t.factors, 1, 4096);
    if (t.iterations != -1) between("iterations", t.iterations, 1, 1000000);
    if (t.lambda != -1 && t.lambda != kAuto && !(t.lambda >= 0 && t.lambda < 1e6))
      fail(Exit::usage, "--lambda {} is out of range: give a value >= 0 (typical 0.01 to 1), -1 for the default of the "
                        "feedback type, or auto", t.lambda);
    if (t.alpha != -1 && t.alpha != kAuto && !(t.alpha > 0 && t.alpha < 1e6))
      fail(Exit::usage, "--alpha {} is out of range: give a positive value (typical: 1 to 40), or auto", t.alpha);
    if (t.lambda == kAuto && t.algorithm == Algorithm::kBmf)
      fail(Exit::usage, "--lambda auto tunes als or sgd; bmf draws its regularisation from the data: drop --lambda");
    if (t.alpha == kAuto && t.algorithm == Algorithm::kSgd)
      fail(Exit::usage, "--alpha auto tunes implicit als; give --alpha a number for sgd, or --algorithm als");
    if (t.lambda_exponent != -1 && !(t.lambda_exponent >= 0 && t.lambda_exponent <= 2))
      fail(Exit::usage, "--lambda-exponent {} is out of range: give a value from 0 to 2 (1: ALS-WR), or -1 for the default", t.lambda_exponent);
    if (t.bias_lambda != -1 && !(t.bias_lambda >= 0 && t.bias_lambda < 1e6))
      fail(Exit::usage, "--bias-lambda {} is out of range: give a value >= 0, or -1 to regularise biases as --lambda", t.bias_lambda);
    if (t.noise_precision != -1 && !(t.noise_precision >= 0 && t.noise_precision < 1e6))
      fail(Exit::usage, "--noise-precision {} is out of range: give a positive value (2: noise of standard deviation 0.71), "
                        "0 to draw it from the residuals, or -1 for the default", t.noise_precision);
    between("rated-steps", t.rated_steps, 1, 1000);
    if (t.burn_in < -1 || (t.iterations != -1 && t.burn_in >= t.iterations))
      fail(Exit::usage, "--burn-in {} is out of range: give a value below --iterations ({}), or -1 for a quarter of them",
           t.burn_in, t.iterations);
    if (!(t.epsilon > 0 && t.epsilon < 1e30)) fail(Exit::usage, "--epsilon {} is out of range: give a positive number", t.epsilon);
    between("cg-steps", t.cg_steps, 1, 1000);
    if (!(t.learning_rate > 0 && t.learning_rate < 10)) fail(Exit::usage, "--learning-rate {} is out of range: give a value in (0, 10)", t.learning_rate);
    at_least<std::int64_t>("sync-every", t.sync_every, 1);
    between("negatives", t.negatives, 1, 1000);
    in_range("test-fraction", t.test_fraction, 0, 0.9);
    between("patience", t.patience, 0, 1000000);
    at_least<std::int64_t>("eval-users", t.eval_users, 0);
    // Outputs are [n_users, top-n] per list and [products, audience-size]: bounded so that a typo
    // fails here rather than as an allocation failure after training.
    between("top-n", t.top_n, 1, 10000);
    between("segments", t.segments, 1, 10000);
    in_range("risk-threshold", t.risk_threshold, 0, 1);
    between("audience-size", t.audience_size, 1, 1000000);
    between("max-offers-per-user", t.max_offers_per_user, 0, 1000000);
    in_range("control-fraction", t.control_fraction, 0, 0.9);
    between("checkpoint-every", t.checkpoint_every, 0, 1000000);
    if ((t.checkpoint_every > 0 || t.resume) && t.checkpoint.empty())
      fail(Exit::usage, "--checkpoint-every and --resume need --checkpoint FILE; give it");
    between("threads", t.threads, 0, kMaxThreads);
    resolve_threads(t.threads);  // checks the environment variables it falls back on
  } else if (c.command == Command::kScore) {
    const auto& o = c.score;
    required("model", o.model);
    required("input", o.input);
    required("output", o.output);
    check_distinct_files({{"--model", o.model}, {"--input", o.input}, {"--config", c.config_file},
                          {"--users", o.users}, {"--output", o.output, true}});
    if (o.factors != -1) between("factors", o.factors, 1, 4096);
    between("threads", o.threads, 0, kMaxThreads);
    resolve_threads(o.threads);
  } else if (c.command == Command::kInspect) {
    required("file", c.inspect.file);
  } else if (c.command == Command::kLift) {
    const auto& l = c.lift;
    required("audiences", l.audiences);
    required("outcomes", l.outcomes);
    required("output", l.output);
    check_distinct_files({{"--audiences", l.audiences}, {"--outcomes", l.outcomes}, {"--config", c.config_file},
                          {"--output", l.output, true}, {"--csv", l.csv_path(), true}});
  }
}

std::string LiftOptions::csv_path() const {
  return csv.empty() && !output.empty() ? std::filesystem::path(output).replace_extension(".csv").string() : csv;
}

int resolve_threads(int requested) {
  if (requested > 0) return requested;
  for (const char* var : {"SLURM_CPUS_PER_TASK", "OMP_NUM_THREADS"}) {
    if (const char* v = std::getenv(var); v && *v) {
      // OMP_NUM_THREADS may be a list ("4,2": per nesting level); the first level is ours.
      const std::string_view first(v, std::strcspn(v, ","));
      int n = 0;
      const auto [end, ec] = std::from_chars(first.data(), first.data() + first.size(), n);
      if (ec != std::errc() || end != first.data() + first.size() || n < 1 || n > kMaxThreads)
        fail(Exit::usage, "environment variable {}='{}' is not a thread count between 1 and {}; fix it or give "
                          "--threads", var, v, kMaxThreads);
      return n;
    }
  }
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  int local = 1;
  if (const char* v = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE")) local = std::max(1, std::atoi(v));
  return std::max(1, cores / local);
}

}  // namespace crossmf
