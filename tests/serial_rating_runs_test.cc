// io/rating_runs and io/duplicate_policy against a brute-force fold in a std::map, for every
// policy, in memory and through spilled runs of many sizes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>

#include "io/rating_runs.h"
#include "src/base/error.h"

using namespace crossmf;

namespace {

std::string spill_path() { return "/tmp/crossmf_rating_runs_test." + std::to_string(::getpid()); }

std::string name(std::uint64_t key) {
  const Rating r{key, 0, 0, 0, 0};
  return "user " + std::to_string(r.user()) + ", item " + std::to_string(r.item());
}

std::vector<Rating> rows(int n, int users, int items, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Rating> out;
  for (int k = 0; k < n; ++k) {
    const auto u = static_cast<index_t>(rng() % users), i = static_cast<index_t>(rng() % items);
    out.push_back({Rating::pair(u, i), k + 2, 1000 + k, static_cast<real>(rng() % 10 + 1), 1});
  }
  return out;
}

struct Expected {
  real value;
  std::int64_t time;
};

std::map<std::uint64_t, Expected> brute_force(const std::vector<Rating>& in, DuplicatePolicy p) {
  std::map<std::uint64_t, std::vector<const Rating*>> by_pair;
  for (const Rating& r : in) by_pair[r.key].push_back(&r);
  std::map<std::uint64_t, Expected> out;
  for (auto& [key, list] : by_pair) {
    double sum = 0;
    for (auto* r : list) sum += r->value;
    const real v = p == DuplicatePolicy::last ? list.back()->value
                   : p == DuplicatePolicy::sum ? static_cast<real>(sum)
                                               : static_cast<real>(sum / list.size());
    out[key] = {v, list.back()->time};
  }
  return out;
}

std::vector<Rating> merged(RatingRuns& runs) {
  std::vector<Rating> out;
  runs.merge([&](std::span<const Rating> b) { out.insert(out.end(), b.begin(), b.end()); });
  return out;
}

}  // namespace

TEST(RatingRuns, EveryPolicyInMemoryAndSpilled) {
  const auto in = rows(20000, 300, 200, 11);  // about one pair in six repeats
  for (DuplicatePolicy p : {DuplicatePolicy::last, DuplicatePolicy::sum, DuplicatePolicy::mean}) {
    const auto expect = brute_force(in, p);
    for (std::size_t buffer : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, std::size_t{1} << 20}) {
      RatingRuns runs("r.csv", p, buffer, spill_path(), name);
      for (const Rating& r : in) runs.add(r);
      EXPECT_EQ(runs.rows(), 20000);
      EXPECT_EQ(runs.runs() > 0, buffer < 20000) << buffer;
      for (int pass = 0; pass < 2; ++pass) {  // a counting pass, then the writing one
        const auto out = merged(runs);
        ASSERT_EQ(out.size(), expect.size()) << "buffer " << buffer;
        std::size_t k = 0;
        for (auto& [key, e] : expect) {  // std::map order is (user, item) order
          ASSERT_EQ(out[k].key, key);
          ASSERT_NEAR(out[k].value, e.value, 1e-4 * e.value) << "policy " << int(p) << " buffer " << buffer;
          ASSERT_EQ(out[k].time, e.time);
          ++k;
        }
      }
    }
    EXPECT_FALSE(std::filesystem::exists(spill_path()));  // removed with the runs
  }
}

TEST(RatingRuns, ErrorPolicyNamesBothLines) {
  for (std::size_t buffer : {std::size_t{2}, std::size_t{100}}) {
    RatingRuns runs("r.csv", DuplicatePolicy::error, buffer, spill_path(), name);
    runs.add({Rating::pair(0, 1), 2, 0, 4, 1});
    runs.add({Rating::pair(5, 1), 3, 0, 4, 1});
    runs.add({Rating::pair(0, 2), 4, 0, 4, 1});
    runs.add({Rating::pair(5, 1), 5, 0, 4, 1});  // repeats line 3
    try {
      merged(runs);
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Exit::data);
      EXPECT_NE(std::string(e.what()).find("r.csv: lines 3 and 5 both rate user 5, item 1"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_FALSE(std::filesystem::exists(spill_path()));
}

TEST(RatingRuns, ErrorPolicyInOneRunNamesTheFirstRepeatInFileOrder) {
  RatingRuns runs("r.csv", DuplicatePolicy::error, 100, spill_path(), name);
  runs.add({Rating::pair(0, 0), 2, 0, 1, 1});
  runs.add({Rating::pair(9, 9), 3, 0, 1, 1});
  runs.add({Rating::pair(9, 9), 4, 0, 1, 1});  // the first repeat in the file
  runs.add({Rating::pair(0, 0), 5, 0, 1, 1});  // first in sort order
  try {
    merged(runs);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lines 3 and 4"), std::string::npos) << e.what();
  }
}

TEST(DuplicatePolicy, SideTablesRefuseOnlyUnderError) {
  EXPECT_NO_THROW(repeated_row(DuplicatePolicy::last, "items.csv", 3, 9, "item 'x'"));
  EXPECT_NO_THROW(repeated_row(DuplicatePolicy::sum, "items.csv", 3, 9, "item 'x'"));
  try {
    repeated_row(DuplicatePolicy::error, "items.csv", 3, 9, "item 'x'");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("items.csv: lines 3 and 9 both describe item 'x'"), std::string::npos);
  }
}
