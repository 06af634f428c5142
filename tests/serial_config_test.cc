// Options: defaults, an INI file (--config), the command line winning over the file, the
// resolved INI text, and validation errors with exit code 2 naming the option.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "src/base/config.h"
#include "src/base/error.h"
#include "src/base/events.h"

using namespace crossmf;

namespace {
Config parse(std::vector<std::string> args) {
  std::vector<const char*> argv{"crossmf"};
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_config(static_cast<int>(argv.size()), argv.data());
}
Exit code_of(std::vector<std::string> args) {
  try {
    Config c = parse(args);
    validate(c);
  } catch (const Error& e) {
    return e.code();
  }
  return Exit::ok;
}
}  // namespace

TEST(Config, FileFillsInAndTheCommandLineWins) {
  const std::string ini = ::testing::TempDir() + "crossmf_config_test.ini";
  std::ofstream(ini) << "factors = 12\niterations = 7\nlambda = 0.3\n";
  Config c = parse({"train", "--config", ini, "--input", "in.h5", "--output", "out.h5", "--iterations", "3"});
  EXPECT_EQ(c.train.factors, 12);      // from the file
  EXPECT_EQ(c.train.iterations, 3);    // the command line wins
  EXPECT_DOUBLE_EQ(c.train.lambda, 0.3);
  EXPECT_EQ(c.train.algorithm, Algorithm::kAuto); // default
  EXPECT_NE(c.resolved.find("factors = 12\n"), std::string::npos);
  EXPECT_NE(c.resolved.find("iterations = 3\n"), std::string::npos);
  std::remove(ini.c_str());
}

TEST(Config, HelpListsEveryOptionWithItsDefault) {
  Config c = parse({"train", "--help"});
  EXPECT_TRUE(c.help);
  EXPECT_NE(c.resolved.find("--factors arg (=-1)"), std::string::npos);
  EXPECT_NE(c.resolved.find("--algorithm arg (=auto)"), std::string::npos);
  EXPECT_NE(c.resolved.find("--test-fraction arg (=0.1)"), std::string::npos) << "defaults as a person writes them";
  EXPECT_EQ(c.resolved.find("000000000000"), std::string::npos) << c.resolved;  // 0.10000000000000001
}

TEST(Config, BadValuesAreUsageErrorsNamingTheOption) {
  EXPECT_EQ(code_of({"train", "--input", "a.h5", "--output", "b.h5"}), Exit::ok);
  EXPECT_EQ(code_of({"train", "--input", "a.h5", "--output", "b.h5", "--factors", "0"}), Exit::usage);
  EXPECT_EQ(code_of({"train", "--input", "a.h5", "--output", "b.h5", "--lambda", "-5"}), Exit::usage);
  EXPECT_EQ(code_of({"train", "--input", "a.h5", "--output", "a.h5"}), Exit::usage);
  EXPECT_EQ(code_of({"train", "--input", "a.h5"}), Exit::usage);
  EXPECT_EQ(code_of({"frobnicate"}), Exit::usage);
  try {
    validate(parse({"train", "--input", "a.h5", "--output", "b.h5", "--solver", "qr"}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--solver 'qr' is not one of: cg, cholesky"), std::string::npos) << e.what();
  }
}

// Ranges added with issue 17: each bad value is a usage error before any work.
TEST(Config, RangesOfEveryNumericOption) {
  const std::vector<std::string> train = {"train", "--input", "a.h5", "--output", "b.h5"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = train;
    args.insert(args.end(), extra.begin(), extra.end());
    return code_of(args);
  };
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"--threads", "100000"}, {"--threads", "-1"}, {"--top-n", "10001"}, {"--segments", "0"},
           {"--audience-size", "2000000000"}, {"--negatives", "1001"}, {"--cg-steps", "0"},
           {"--iterations", "1000001"}, {"--checkpoint-every", "-1"}, {"--epsilon", "inf"}, {"--seed", "-1"},
           {"--seed", "1.5"}, {"--lambda", "nan"}, {"--alpha", "inf"}, {"--resume"}})
    EXPECT_EQ(with(bad), Exit::usage) << bad[0] << " " << (bad.size() > 1 ? bad[1] : "");
  EXPECT_EQ(with({"--threads", "1024", "--top-n", "10000", "--seed", "18446744073709551615"}), Exit::ok);
  EXPECT_EQ(parse({"train", "--input", "a", "--output", "b", "--seed", "18446744073709551615"}).train.seed,
            18446744073709551615ULL);
  EXPECT_EQ(code_of({"generate", "--output", "g.h5", "--domains", "content,fin/ance", "--domain-shares", "1,1"}),
            Exit::usage);
  EXPECT_EQ(code_of({"generate", "--output", "g.h5", "--domains", "content,all", "--domain-shares", "1,1"}), Exit::usage);
  EXPECT_EQ(code_of({"import", "--ratings", "r.csv", "--output", "o.h5", "--sort-rows", "2000000000"}), Exit::usage);
}

// --lambda and --alpha take a number or "auto" (chosen on a validation split); auto is refused
// where nothing would use it.
TEST(Config, AutoLambdaAndAlpha) {
  Config c = parse({"train", "--input", "a.h5", "--output", "b.h5", "--lambda", "auto", "--alpha", "auto"});
  EXPECT_EQ(c.train.lambda, kAuto);
  EXPECT_EQ(c.train.alpha, kAuto);
  EXPECT_NE(c.resolved.find("lambda = auto\n"), std::string::npos);
  EXPECT_NE(c.resolved.find("alpha = auto\n"), std::string::npos);
  EXPECT_TRUE(c.train.tunes_lambda(true));
  EXPECT_TRUE(c.train.tunes_lambda(false));
  // By default only implicit ALS tunes its lambda.
  const Config d = parse({"train", "--input", "a.h5", "--output", "b.h5"});
  EXPECT_TRUE(d.train.tunes_lambda(true));
  EXPECT_FALSE(d.train.tunes_lambda(false));
  EXPECT_FALSE(parse({"train", "--input", "a", "--output", "b", "--lambda", "0.02"}).train.tunes_lambda(true));
  EXPECT_FALSE(parse({"train", "--input", "a", "--output", "b", "--algorithm", "sgd"}).train.tunes_lambda(true));
  EXPECT_DOUBLE_EQ(parse({"train", "--input", "a", "--output", "b", "--lambda", "0.25"}).train.lambda, 0.25);
  const std::vector<std::string> train = {"train", "--input", "a.h5", "--output", "b.h5"};
  for (const auto& bad : std::vector<std::vector<std::string>>{{"--lambda", "Auto"}, {"--lambda", "0.1x"},
                                                               {"--lambda", ""}, {"--lambda", "-2"}, {"--alpha", "-2"},
                                                               {"--lambda", "auto", "--algorithm", "bmf"},
                                                               {"--alpha", "auto", "--algorithm", "sgd"}}) {
    std::vector<std::string> args = train;
    args.insert(args.end(), bad.begin(), bad.end());
    EXPECT_EQ(code_of(args), Exit::usage) << bad[0] << " '" << bad[1] << "'";
  }
  try {
    parse({"train", "--input", "a.h5", "--output", "b.h5", "--lambda", "small"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--lambda 'small' is not a number: give a number, or auto"), std::string::npos)
        << e.what();
  }
}

TEST(Config, EventsOptions) {
  const std::vector<std::string> base = {"import", "--events", "e.csv", "--output", "o.h5", "--event-weights",
                                         "view = 1, purchase=5 ,ignored=0"};
  Config c = parse(base);
  EXPECT_EQ(code_of(base), Exit::ok);
  // Events are implicit unless --feedback is given.
  EXPECT_EQ(c.import.feedback, Feedback::kImplicit);
  EXPECT_NE(c.resolved.find("feedback = implicit\n"), std::string::npos);
  EXPECT_NE(c.resolved.find("half-life = none\n"), std::string::npos);
  const std::vector<EventWeight> w = event_weights(c.import.event_weights);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].name, "view");
  EXPECT_EQ(w[1].name, "purchase");
  EXPECT_DOUBLE_EQ(w[1].weight, 5);
  EXPECT_DOUBLE_EQ(w[2].weight, 0);
  std::vector<std::string> decayed = base;
  decayed.insert(decayed.end(), {"--half-life", "2.5", "--as-of", "2024-02-29"});
  EXPECT_DOUBLE_EQ(parse(decayed).import.half_life, 2.5);
  EXPECT_EQ(code_of(decayed), Exit::ok);
  // Dates against `date -u -d ... +%s`.
  EXPECT_EQ(as_of_seconds("1970-01-01"), 0);
  EXPECT_EQ(as_of_seconds("2024-02-29"), 1709164800);
  EXPECT_EQ(as_of_seconds("2000-03-01"), 951868800);
  EXPECT_EQ(as_of_seconds("1969-12-31"), -86400);
  EXPECT_EQ(as_of_seconds("1717200000"), 1717200000);
  EXPECT_EQ(as_of_seconds(""), std::nullopt);
  std::int64_t s = 0;
  for (const char* bad : {"2023-02-29", "1900-02-29", "2024-04-31", "2024-00-10", "2024-1-10", "2024/01/10", "24-01-10"})
    EXPECT_FALSE(parse_date(bad, s)) << bad;
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"--event-weights", "view"}, {"--event-weights", "view=1,view=2"}, {"--event-weights", "=1"},
           {"--event-weights", "view=-0.5"}, {"--event-weights", "view=1e999"}, {"--event-weights", "view=1,"},
           {"--half-life", "0"}, {"--half-life", "-3"}, {"--half-life", "inf"}, {"--as-of", "2024-01-01"},
           {"--half-life", "1", "--as-of", "June"}, {"--feedback", "explicit"}, {"--ratings", "r.csv"}}) {
    std::vector<std::string> args = base;
    args.insert(args.end(), bad.begin(), bad.end());
    EXPECT_EQ(code_of(args), Exit::usage) << bad[0] << " '" << bad[1] << "'";
  }
  EXPECT_EQ(code_of({"import", "--events", "e.csv", "--output", "o.h5"}), Exit::usage);
  EXPECT_EQ(code_of({"import", "--ratings", "r.csv", "--output", "o.h5", "--half-life", "3"}), Exit::usage);
  EXPECT_EQ(code_of({"import", "--ratings", "r.csv", "--output", "o.h5", "--event-weights", "a=1"}), Exit::usage);
}

TEST(Config, ThreadVariablesAreChecked) {
  ::setenv("OMP_NUM_THREADS", "100000", 1);
  EXPECT_EQ(code_of({"train", "--input", "a.h5", "--output", "b.h5"}), Exit::usage);
  EXPECT_EQ(code_of({"train", "--input", "a.h5", "--output", "b.h5", "--threads", "2"}), Exit::ok);
  ::setenv("OMP_NUM_THREADS", "3,2", 1);  // nested levels: the first is ours
  EXPECT_EQ(resolve_threads(0), 3);
  ::unsetenv("OMP_NUM_THREADS");
}

TEST(Config, ConfigFileFolderAndByteOrderMark) {
  EXPECT_EQ(code_of({"train", "--config", ::testing::TempDir(), "--input", "a.h5", "--output", "b.h5"}), Exit::usage);
  const std::string ini = ::testing::TempDir() + "crossmf_config_bom.ini";
  std::ofstream(ini) << "\xEF\xBB\xBF" "factors = 9\n";
  EXPECT_EQ(parse({"train", "--config", ini, "--input", "a.h5", "--output", "b.h5"}).train.factors, 9);
  std::remove(ini.c_str());
}
