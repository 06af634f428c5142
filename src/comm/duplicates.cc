#include "src/comm/duplicates.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "src/numerics/random.h"

namespace crossmf {

namespace {
struct KeyRow {
  std::uint64_t hi, lo;
  count_t row;
  bool operator<(const KeyRow& o) const { return hi != o.hi ? hi < o.hi : lo != o.lo ? lo < o.lo : row < o.row; }
};

// FNV-1a over the bytes, from a seed, finished by splitmix64.
std::uint64_t hash_bytes(std::string_view text, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (const char c : text) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return splitmix64(h ^ text.size());
}
}  // namespace

Key128 string_key(std::string_view text) {
  return {hash_bytes(text, 0xcbf29ce484222325ULL), hash_bytes(text, 0x84222325cbf29ce4ULL)};
}

std::optional<RepeatedRows> first_repeated(const Comm& comm, std::span<const Key128> keys, count_t first_row) {
  const int P = comm.size();
  auto owner = [P](const Key128& k) { return static_cast<int>(splitmix64(k.hi ^ splitmix64(k.lo)) % P); };
  std::vector<count_t> counts(P, 0);
  for (const Key128& k : keys) ++counts[owner(k)];
  std::vector<count_t> at(P, 0);
  for (int p = 1; p < P; ++p) at[p] = at[p - 1] + counts[p - 1];
  std::vector<KeyRow> send(keys.size());
  for (std::size_t j = 0; j < keys.size(); ++j)
    send[at[owner(keys[j])]++] = {keys[j].hi, keys[j].lo, first_row + static_cast<count_t>(j)};
  std::vector<KeyRow> mine = comm.alltoallv<KeyRow>(send, counts);
  std::sort(mine.begin(), mine.end());
  constexpr count_t kNone = std::numeric_limits<count_t>::max();
  RepeatedRows best{kNone, kNone};
  for (std::size_t j = 1; j < mine.size(); ++j) {
    const bool same = mine[j].hi == mine[j - 1].hi && mine[j].lo == mine[j - 1].lo;
    const bool second_of_group = same && (j < 2 || mine[j - 1].hi != mine[j - 2].hi || mine[j - 1].lo != mine[j - 2].lo);
    if (second_of_group && mine[j].row < best.second) best = {mine[j - 1].row, mine[j].row};
  }
  const count_t second = comm.min(best.second);
  if (second == kNone) return std::nullopt;
  const count_t first = comm.min(best.second == second ? best.first : kNone);
  return RepeatedRows{first, second};
}

}  // namespace crossmf
