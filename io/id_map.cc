#include "io/id_map.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

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

}  // namespace

void IdMap::Free::operator()(Slot* p) const { std::free(p); }

std::unique_ptr<IdMap::Slot[], IdMap::Free> IdMap::allocate(std::size_t n) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  const std::size_t bytes = n * sizeof(Slot);
  const std::size_t align = bytes >= kHuge ? kHuge : 64;
  void* p = std::aligned_alloc(align, (bytes + align - 1) / align * align);
  if (!p) throw std::bad_alloc();
  if (align == kHuge) ::madvise(p, bytes, MADV_HUGEPAGE);  // a hint; fine if refused
  std::memset(p, 0, bytes);
  return std::unique_ptr<Slot[], Free>(static_cast<Slot*>(p));
}

IdMap::IdMap(std::string what)
    : what_(std::move(what)), offsets_{0}, slots_(allocate(1024)), capacity_(1024), mask_(1023) {}

IdMap::Slot IdMap::make_slot(std::string_view id, std::uint64_t hash, index_t index) {
  Slot s{0, static_cast<std::uint32_t>(index) + 1, static_cast<std::uint16_t>(std::min<std::size_t>(id.size(), 0xFFFF)),
         static_cast<std::uint16_t>(hash >> 48)};
  std::memcpy(&s.prefix, id.data(), std::min<std::size_t>(id.size(), 8));
  return s;
}

std::size_t IdMap::slot_of(std::string_view id, const Slot& probe, std::uint64_t hash) const {
  for (std::size_t s = hash & mask_;; s = (s + 1) & mask_) {
    const Slot& v = slots_[s];
    if (v.index == 0) return s;
    if (v.prefix == probe.prefix && v.length == probe.length && v.tag == probe.tag &&
        (id.size() <= 8 || this->id(static_cast<index_t>(v.index - 1)) == id))
      return s;
  }
}

index_t IdMap::find(std::string_view id) const {
  const std::uint64_t hash = hash_id(id);
  return static_cast<index_t>(slots_[slot_of(id, make_slot(id, hash, 0), hash)].index) - 1;
}

index_t IdMap::add(std::string_view id) {
  const std::uint64_t hash = hash_id(id);
  const index_t index = size();
  const Slot probe = make_slot(id, hash, index);
  const std::size_t s = slot_of(id, probe, hash);
  if (slots_[s].index != 0) return static_cast<index_t>(slots_[s].index - 1);
  if (index == std::numeric_limits<index_t>::max())
    fail(Exit::data, "more than {} distinct {} ids: crossmf indexes them with 32-bit integers; split the data set",
         std::numeric_limits<index_t>::max(), what_);
  arena_.append(id);
  offsets_.push_back(arena_.size());
  all_integers_ = all_integers_ && text::is_canonical_integer(id);
  slots_[s] = probe;
  if (2 * offsets_.size() > capacity_) grow();  // keep the load at most one half
  return index;
}

void IdMap::grow() {
  std::unique_ptr<Slot[], Free> old = std::move(slots_);
  const std::size_t old_capacity = capacity_;
  capacity_ *= 2;
  slots_ = allocate(capacity_);
  mask_ = capacity_ - 1;
  for (std::size_t k = 0; k < old_capacity; ++k) {
    const Slot& v = old[k];
    if (v.index == 0) continue;
    const std::uint64_t hash = hash_id(id(static_cast<index_t>(v.index - 1)));
    std::size_t s = hash & mask_;
    while (slots_[s].index != 0) s = (s + 1) & mask_;
    slots_[s] = v;
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
