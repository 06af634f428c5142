// External ids (any text) to dense indices 0..n-1 in first-seen order, compact enough for
// millions of ids: the texts live in one arena and an open-addressing table finds them, with no
// allocation per id.
//
// Speed: with a million users the table is far larger than the caches, so a lookup costs its
// cache misses. Each 16-byte slot holds the id's first 8 bytes and its length: an id of at most
// 8 bytes ("u123456", most integers) is found with one miss; a longer one also reads the arena.
// Large tables ask for transparent huge pages, so that the miss is not also a TLB miss.
#pragma once
#include <cstdint>
#include <memory>
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
  struct Slot {
    std::uint64_t prefix;  // the id's first 8 bytes, zero-padded
    std::uint32_t index;   // index + 1; 0: empty
    std::uint16_t length;  // the id's length, at most 0xFFFF
    std::uint16_t tag;     // high bits of the hash
  };
  static Slot make_slot(std::string_view id, std::uint64_t hash, index_t index);
  std::size_t slot_of(std::string_view id, const Slot& probe, std::uint64_t hash) const;  // holding id, or empty
  void grow();

  std::string what_;
  std::string arena_;                    // all ids back to back
  std::vector<std::uint64_t> offsets_;   // id i is arena_[offsets_[i], offsets_[i + 1])
  struct Free {
    void operator()(Slot* p) const;
  };
  static std::unique_ptr<Slot[], Free> allocate(std::size_t n);  // zeroed: all empty
  std::unique_ptr<Slot[], Free> slots_;
  std::size_t capacity_ = 0;
  std::uint64_t mask_ = 0;
  bool all_integers_ = true;
};

}  // namespace crossmf
