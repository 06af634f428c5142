#include "io/id_map.h"

#include <cstring>
#include <limits>

#include "io/text_reader.h"
#include "src/base/error.h"

namespace crossmf {

namespace {

// Ids are short: mix eight bytes at a time, then avalanche so that the low bits (the slot)
// and the high bits (the tag) both depend on every byte.
std::uint64_t hash_id(std::string_view s) {
  std::uint64_t h = 0x243F6A8885A308D3ull ^ (s.size() * 0x9E3779B97F4A7C15ull);
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  if (n > 0) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
  }
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}

constexpr std::uint64_t kLow = 0xFFFFFFFFull;

}  // namespace

IdMap::IdMap(std::string what) : what_(std::move(what)), offsets_{0}, slots_(1024, 0), mask_(1023) {}

std::uint64_t IdMap::slot_of(std::string_view id, std::uint64_t hash) const {
  const std::uint64_t tag = hash >> 32;
  for (std::uint64_t s = hash & mask_;; s = (s + 1) & mask_) {
    const std::uint64_t v = slots_[s];
    if (v == 0) return s;
    if ((v >> 32) == tag && this->id(static_cast<index_t>((v & kLow) - 1)) == id) return s;
  }
}

index_t IdMap::find(std::string_view id) const {
  const std::uint64_t v = slots_[slot_of(id, hash_id(id))];
  return v == 0 ? -1 : static_cast<index_t>((v & kLow) - 1);
}

index_t IdMap::add(std::string_view id) {
  const std::uint64_t hash = hash_id(id);
  std::uint64_t s = slot_of(id, hash);
  if (slots_[s] != 0) return static_cast<index_t>((slots_[s] & kLow) - 1);
  const index_t index = size();
  if (index == std::numeric_limits<index_t>::max())
    fail(Exit::data, "more than {} distinct {} ids: crossmf indexes them with 32-bit integers; split the data set",
         std::numeric_limits<index_t>::max(), what_);
  arena_.append(id);
  offsets_.push_back(arena_.size());
  all_integers_ = all_integers_ && text::is_canonical_integer(id);
  slots_[s] = ((hash >> 32) << 32) | static_cast<std::uint64_t>(index + 1);
  if (2 * offsets_.size() > slots_.size()) grow();  // keep the load at most one half
  return index;
}

void IdMap::grow() {
  std::vector<std::uint64_t> old = std::move(slots_);
  slots_.assign(old.size() * 2, 0);
  mask_ = slots_.size() - 1;
  for (index_t i = 0; i < size(); ++i) {
    const std::uint64_t hash = hash_id(id(i));
    std::uint64_t s = hash & mask_;
    while (slots_[s] != 0) s = (s + 1) & mask_;
    slots_[s] = ((hash >> 32) << 32) | static_cast<std::uint64_t>(i + 1);
  }
}

std::vector<std::int64_t> IdMap::integer_ids() const {
  std::vector<std::int64_t> out(size());
  for (index_t i = 0; i < size(); ++i) text::parse_int64(id(i), out[i]);
  return out;
}

std::vector<std::string> IdMap::string_ids() const {
  std::vector<std::string> out(size());
  for (index_t i = 0; i < size(); ++i) out[i] = std::string(id(i));
  return out;
}

}  // namespace crossmf
