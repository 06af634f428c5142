// src/comm/duplicates: a key held by two rows anywhere, found without gathering the keys, the
// same answer on every rank, on 1, 2 and 3 ranks; and stop_point: a stop asked of one rank only
// is the same AgreedError on every rank.
#include <gtest/gtest.h>

#include <csignal>

#include "src/base/signals.h"
#include "src/comm/duplicates.h"

using namespace crossmf;

namespace {
// Rank r holds rows [10 r, 10 r + 10) with keys k(row).
template <class K>
std::optional<RepeatedRows> find(const Comm& c, K key) {
  std::vector<Key128> keys;
  for (count_t row = 10 * c.rank(); row < 10 * c.rank() + 10; ++row) keys.push_back(key(row));
  return first_repeated(c, keys, 10 * c.rank());
}
}  // namespace

TEST(Duplicates, NoneWhenAllDiffer) {
  Comm c;
  EXPECT_FALSE(find(c, [](count_t row) { return Key128{0, static_cast<std::uint64_t>(row) + (1ULL << 40)}; }));
}

TEST(Duplicates, TheLowestRepeatingRowAcrossRanks) {
  Comm c;
  const count_t last = 10 * c.size() - 1;
  // The last row repeats row 3; rows 25 and 26 (on rank 2, when there is one) repeat row 5, and
  // 25 < last, so (5, 25) is the answer there.
  auto rep = find(c, [&](count_t row) {
    if (row == last) return Key128{0, 3};
    if (row == 25 || row == 26) return Key128{0, 5};
    return Key128{0, static_cast<std::uint64_t>(row)};
  });
  ASSERT_TRUE(rep);
  if (c.size() == 3) {
    EXPECT_EQ(rep->first, 5);
    EXPECT_EQ(rep->second, 25);
  } else {
    EXPECT_EQ(rep->first, 3);
    EXPECT_EQ(rep->second, last);
  }
}

TEST(Duplicates, StringKeys) {
  Comm c;
  const count_t last = 10 * c.size() - 1;
  auto rep = find(c, [&](count_t row) { return string_key(row == last ? "id-0" : "id-" + std::to_string(row)); });
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->first, 0);
  EXPECT_EQ(rep->second, last);
  EXPECT_NE(string_key("ab").lo, string_key("ba").lo);
}

TEST(StopPoint, ASignalToTheLastRankStopsEveryRank) {
  Comm c;
  install_stop_handlers();
  stop_point(c, "testing", "nothing");  // no stop yet: passes
  if (c.rank() == c.size() - 1) std::raise(SIGUSR1);  // no deadline: only the stop point reacts
  try {
    stop_point(c, "testing", "nothing lost");
    FAIL() << "no stop on rank " << c.rank();
  } catch (const AgreedError& e) {
    EXPECT_EQ(e.code(), Exit::terminated);
    EXPECT_STREQ(e.what(), "stopped by SIGUSR1 while testing; nothing lost");
  }
}
