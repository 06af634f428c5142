// io/id_map against std::unordered_map: first-seen order, lookups across growth, integer ids.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>

#include "io/id_map.h"

using namespace crossmf;

TEST(IdMap, FirstSeenOrderAndLookupAcrossGrowth) {
  IdMap map("user");
  std::unordered_map<std::string, index_t> expect;
  std::mt19937_64 rng(3);
  std::vector<std::string> order;
  for (int k = 0; k < 300000; ++k) {
    // Short and long ids, many repeats.
    std::string id = (k % 3 ? "u" : "a-rather-long-external-identifier-") + std::to_string(rng() % 200000);
    auto [it, fresh] = expect.emplace(id, static_cast<index_t>(expect.size()));
    if (fresh) order.push_back(id);
    ASSERT_EQ(map.add(id), it->second) << id;
  }
  ASSERT_EQ(map.size(), static_cast<index_t>(expect.size()));
  for (index_t i = 0; i < map.size(); ++i) ASSERT_EQ(map.id(i), order[i]);
  for (auto& [id, index] : expect) ASSERT_EQ(map.find(id), index);
  EXPECT_EQ(map.find("never"), -1);
  EXPECT_EQ(map.find(""), -1);
  EXPECT_FALSE(map.all_integers());
  EXPECT_EQ(map.string_ids(), order);
}

TEST(IdMap, IntegerIdsOnlyWhenEveryIdPrintsBackTheSame) {
  IdMap ints("item");
  for (const char* id : {"42", "7", "-3", "42", "9223372036854775807"}) ints.add(id);
  EXPECT_TRUE(ints.all_integers());
  EXPECT_EQ(ints.integer_ids(), (std::vector<std::int64_t>{42, 7, -3, 9223372036854775807}));
  ints.add("007");  // would print back as "7"
  EXPECT_FALSE(ints.all_integers());
  EXPECT_EQ(ints.size(), 5);
}
