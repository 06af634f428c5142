#include "src/model/id_match.h"

#include <unordered_map>

#include "src/numerics/slices.h"

namespace crossmf {

std::vector<index_t> match_keys(std::span<const Key128> now, std::span<const Key128> then) {
  std::unordered_map<Key128, index_t, KeyHash, KeyEqual> index(then.size());
  for (std::size_t r = 0; r < then.size(); ++r) index.emplace(then[r], static_cast<index_t>(r));
  std::vector<index_t> out(now.size(), -1);
  for (std::size_t r = 0; r < now.size(); ++r)
    if (const auto it = index.find(now[r]); it != index.end()) out[r] = it->second;
  return out;
}

int rank_of_row(count_t row, count_t total, int P) {
  int lo = 0, hi = P - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (even_slice(total, mid, P).begin <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

}  // namespace crossmf
