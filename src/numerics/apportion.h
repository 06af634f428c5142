// Splitting an integer total over parts in proportion to integer weights, exactly.
//
// Part k gets floor(total * C(k+1) / W) - floor(total * C(k) / W), C being the prefix sum of
// the weights and W their sum. The parts add up to `total` exactly, each is within one of its
// proportional share (at most ceil(total * w / W)), and a part needs only the weight before it:
// ranks that hold consecutive parts agree with one exscan of an integer, with no rounding that
// could depend on the rank count.
#pragma once
#include <cstdint>

#include "src/base/types.h"

namespace crossmf {

inline count_t apportion(count_t total, std::uint64_t before, std::uint64_t weight, std::uint64_t whole) {
  if (whole == 0) return 0;
  using u128 = unsigned __int128;
  const u128 t = static_cast<u128>(total);
  const u128 hi = t * (static_cast<u128>(before) + weight) / whole;
  const u128 lo = t * static_cast<u128>(before) / whole;
  return static_cast<count_t>(hi - lo);
}

}  // namespace crossmf
