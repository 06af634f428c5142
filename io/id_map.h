// External ids (any text) to dense indices 0..n-1 in first-seen order, compact enough for
// millions of ids: the texts live in one arena and an open-addressing table of 8-byte slots
// finds them, with no allocation per id.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/types.h"

namespace crossmf {

class IdMap {
 public:
  // `what` names the ids in messages ("user", "item").
  explicit IdMap(std::string what);

  // The index of `id`, given the next free one if it is new. Throws Error(Exit::data) past
  // 2^31 - 1 ids (index_t).
  index_t add(std::string_view id);
  // The index of `id`, or -1 if it was never added.
  index_t find(std::string_view id) const;

  index_t size() const { return static_cast<index_t>(offsets_.size() - 1); }
  std::string_view id(index_t i) const {
    return std::string_view(arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  // True if every id is written as an int64 prints (is_canonical_integer): the ids can then be
  // stored as int64 and printed back to the same text.
  bool all_integers() const { return all_integers_; }
  std::vector<std::int64_t> integer_ids() const;  // only if all_integers()
  std::vector<std::string> string_ids() const;

 private:
  std::uint64_t slot_of(std::string_view id, std::uint64_t hash) const;  // slot holding id, or an empty one
  void grow();

  std::string what_;
  std::string arena_;                    // all ids back to back
  std::vector<std::uint64_t> offsets_;   // id i is arena_[offsets_[i], offsets_[i + 1])
  std::vector<std::uint64_t> slots_;     // high 32 bits: hash tag; low 32: index + 1 (0 = empty)
  std::uint64_t mask_ = 0;
  bool all_integers_ = true;
};

}  // namespace crossmf
