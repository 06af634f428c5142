// Collectives of src/comm/comm.h on 1, 2 and 3 ranks, checked against values every rank can
// compute alone.
#include <gtest/gtest.h>

#include <numeric>

#include "src/comm/comm.h"

using namespace crossmf;

TEST(Comm, SumsAndPrefix) {
  Comm c;
  const int p = c.size(), r = c.rank();
  EXPECT_EQ(c.sum<count_t>(r + 1), count_t(p) * (p + 1) / 2);
  EXPECT_EQ(c.max<int>(r), p - 1);
  EXPECT_EQ(c.exscan(r + 1), count_t(r) * (r + 1) / 2);
}

TEST(Comm, AlltoallvRoutesByDestination) {
  Comm c;
  const int p = c.size(), r = c.rank();
  // Rank r sends (r*100 + d) to rank d, d+1 times; rank 1 sends nothing at all.
  std::vector<count_t> counts(p, 0);
  std::vector<int> send;
  if (r != 1)
    for (int d = 0; d < p; ++d) { counts[d] = d + 1; for (int k = 0; k <= d; ++k) send.push_back(r * 100 + d); }
  std::vector<count_t> got;
  auto recv = c.alltoallv<int>(send, counts, &got);
  std::vector<int> expect;
  for (int s = 0; s < p; ++s)
    if (s != 1) for (int k = 0; k <= r; ++k) expect.push_back(s * 100 + r);
  EXPECT_EQ(recv, expect);
}

TEST(Comm, AllgathervConcatenatesInRankOrder) {
  Comm c;
  const int p = c.size(), r = c.rank();
  std::vector<double> mine(r, double(r));  // rank 0 contributes nothing
  auto counts = c.allgather(static_cast<count_t>(mine.size()));
  std::vector<double> all(std::accumulate(counts.begin(), counts.end(), count_t{0}));
  c.allgatherv<double>(mine, all, counts);
  std::vector<double> expect;
  for (int s = 0; s < p; ++s) expect.insert(expect.end(), s, double(s));
  EXPECT_EQ(all, expect);
}

TEST(Comm, AgreeGivesEveryRankTheLowestFailingRanksError) {
  Comm c;
  const int last = c.size() - 1;
  try {
    agreed(c, [&] {
      if (c.rank() == last) throw Error(Exit::data, "rank " + std::to_string(last) + " saw bad data");
    });
    FAIL() << "no error agreed";
  } catch (const AgreedError& e) {
    EXPECT_EQ(e.code(), Exit::data);
    EXPECT_EQ(std::string(e.what()), "rank " + std::to_string(last) + " saw bad data");
  }
  // And with no failure, nothing is thrown.
  EXPECT_NO_THROW(agreed(c, [] {}));
}

TEST(Comm, RootPhaseRunsOnRankZeroAloneAndAgreesItsError) {
  Comm c;
  int ran = 0;
  agreed_on_root(c, [&] { ++ran; });
  EXPECT_EQ(ran, c.root() ? 1 : 0);
  EXPECT_EQ(c.sum(ran), 1);
  try {
    agreed_on_root(c, [] { throw Error(Exit::io, "rank 0 could not read ratings.csv"); });
    FAIL() << "no error agreed";
  } catch (const AgreedError& e) {
    EXPECT_EQ(e.code(), Exit::io);
    EXPECT_EQ(std::string(e.what()), "rank 0 could not read ratings.csv");
  }
}
