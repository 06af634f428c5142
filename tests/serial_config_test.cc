// Options: defaults, an INI file (--config), the command line winning over the file, the
// resolved INI text, and validation errors with exit code 2 naming the option.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "src/base/config.h"
#include "src/base/error.h"

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
  EXPECT_EQ(c.train.algorithm, "als"); // default
  EXPECT_NE(c.resolved.find("factors = 12\n"), std::string::npos);
  EXPECT_NE(c.resolved.find("iterations = 3\n"), std::string::npos);
  std::remove(ini.c_str());
}

TEST(Config, HelpListsEveryOptionWithItsDefault) {
  Config c = parse({"train", "--help"});
  EXPECT_TRUE(c.help);
  EXPECT_NE(c.resolved.find("--factors arg (=64)"), std::string::npos);
  EXPECT_NE(c.resolved.find("--algorithm arg (=als)"), std::string::npos);
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
