// One (user, item) rating as import sorts, spills and merges it: 32 bytes.
#pragma once
#include <cstdint>

#include "src/base/types.h"

namespace crossmf {

struct Rating {
  std::uint64_t key;   // user << 32 | item, both >= 0: sorting by key sorts by user, then item
  std::int64_t line;   // text line of the last row folded into it; rows of one file are in line order
  std::int64_t time;   // unix seconds (0 without a time column)
  real value;          // with --duplicates mean: the sum, divided when written
  std::int32_t count;  // rows folded into it

  index_t user() const { return static_cast<index_t>(key >> 32); }
  index_t item() const { return static_cast<index_t>(key & 0xFFFFFFFFull); }
  static std::uint64_t pair(index_t user, index_t item) {
    return (static_cast<std::uint64_t>(user) << 32) | static_cast<std::uint32_t>(item);
  }
};

// File order within a pair: earlier lines first.
inline bool operator<(const Rating& a, const Rating& b) {
  return a.key != b.key ? a.key < b.key : a.line < b.line;
}

}  // namespace crossmf
