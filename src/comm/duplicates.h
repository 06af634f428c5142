// Finding a key that two rows hold, among every rank's rows, without gathering them: each key
// travels to the rank its hash names, which sorts what it received. For external ids and labelled
// users, whose meaning depends on their being unique.
#pragma once
#include <cstdint>
#include <optional>
#include <span>

#include "src/comm/comm.h"

namespace crossmf {

// 128 bits: an integer as it is, or two independent 64-bit hashes of a string (so that two
// different strings collide with probability about n^2 / 2^129).
struct Key128 {
  std::uint64_t hi = 0, lo = 0;
};
Key128 string_key(std::string_view text);

struct RepeatedRows {
  count_t first = 0, second = 0;  // first < second
};

// Collective. keys[k] belongs to global row first_row + k. Of the rows whose key an earlier row
// already holds, the lowest, with that earlier row; the same answer on every rank.
std::optional<RepeatedRows> first_repeated(const Comm& comm, std::span<const Key128> keys, count_t first_row);

}  // namespace crossmf
