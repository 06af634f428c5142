// Per-user rows back to file order on 1, 2 and 3 ranks: every rank's output slice holds, for
// each original user id in it, the values that were set from that id on its owner rank, in
// one exchange or in many small rounds.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>

#include "src/model/file_order.h"

using namespace crossmf;

namespace {

// A small problem: user u rates 1 + u % 5 items, so the users' owners are uneven.
Partition small_partition(const Comm& c, index_t users, index_t items) {
  Triplets all;
  for (index_t u = 0; u < users; ++u)
    for (index_t j = 0; j <= u % 5; ++j) {
      all.user.push_back(u);
      all.item.push_back((u * 7 + j) % items);
      all.value.push_back(1);
      all.time.push_back(0);
    }
  const Slice s = even_slice(all.size(), c.rank(), c.size());
  auto part = [&](const auto& v) { return std::decay_t<decltype(v)>(v.begin() + s.begin, v.begin() + s.end); };
  Timings t;
  return build_partition(c, users, items, {part(all.user), part(all.item), part(all.value), part(all.time)}, nullptr,
                         {0.0, false, 1}, 9, 2, t);
}

// Every rank's slice, whole and in pieces, for each size of round.
void check_slices(index_t users, std::initializer_list<count_t> round_sizes) {
  Comm c;
  const index_t items = 50;
  const Partition p = small_partition(c, users, items);
  const int cols = 3, stride = 5;  // rows `stride` apart, `cols` of them routed
  // Local rows in scattered order: value of column j of original user o is 10 o + j.
  std::vector<float> rows(static_cast<std::size_t>(p.local_users) * stride, -1.f);
  for (index_t lu = 0; lu < p.local_users; ++lu) {
    const index_t o = p.user_scatter.inverse(p.user_begin + lu);
    for (int j = 0; j < cols; ++j) rows[static_cast<std::size_t>(lu) * stride + j] = static_cast<float>(10 * o + j);
  }
  const Slice mine = even_slice(users, c.rank(), c.size());
  const std::size_t slice_rows = static_cast<std::size_t>(mine.end - mine.begin);
  auto expect_rows = [&](std::span<const float> got, count_t first, const std::string& how) {
    for (std::size_t r = 0; r < got.size() / cols; ++r)
      for (int j = 0; j < cols; ++j)
        EXPECT_EQ(got[r * cols + j], static_cast<float>(10 * (mine.begin + first + r) + j))
            << "user " << mine.begin + first + r << " column " << j << ", " << how;
  };
  for (count_t round_bytes : round_sizes) {
    UserFileOrder order(c, p, round_bytes);
    const std::string how = "rounds of " + std::to_string(round_bytes) + " bytes";
    // The whole slice at once.
    const std::vector<float> all = order(rows.data(), stride, cols);
    ASSERT_EQ(all.size(), slice_rows * cols) << how;
    expect_rows(all, 0, how);
    // In pieces: they come in file order, cover the slice, start at the page_offset asked for (each
    // piece's own), and each stays whole while the next is made. Twice: the buffers are reused.
    for (int pass = 0; pass < 2; ++pass) {
      auto page_offset = [&](count_t first) { return static_cast<std::size_t>(1000 + 4 * first + 12 * pass) % 4096; };
      std::span<const float> before;
      count_t before_first = 0, next = 0;
      order.stream(rows.data(), stride, cols, page_offset, [&](count_t first, std::span<const float> got) {
        EXPECT_EQ(first, next) << how;
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(got.data()) % 4096, page_offset(first)) << how;
        expect_rows(got, first, how);
        if (!before.empty()) expect_rows(before, before_first, how + ", the piece before");
        before = got;
        before_first = first;
        next = first + static_cast<count_t>(got.size() / cols);
      });
      EXPECT_EQ(next, static_cast<count_t>(slice_rows)) << how;
    }
  }
}

}  // namespace

// 8 MiB rounds (one piece here), and rounds of 12 bytes: one row per piece.
TEST(UserFileOrder, EachRankGetsItsSliceInOriginalOrder) { check_slices(301, {UserFileOrder::kRoundBytes, 12}); }

// Ids past 65,536: the radix sort of the ids takes both its passes.
TEST(UserFileOrder, IdsPastSixteenBits) { check_slices(70001, {UserFileOrder::kRoundBytes, 4096}); }
