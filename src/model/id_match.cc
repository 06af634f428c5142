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

Triplets keep_users(const Comm& comm, const Triplets& t, count_t n_users, std::span<const index_t> renumber) {
  const int P = comm.size();
  const bool timed = !t.time.empty();
  std::vector<int> dest(t.size());
  for (count_t e = 0; e < t.size(); ++e) dest[e] = rank_of_row(t.user[e], n_users, P);
  const std::vector<index_t> user = route<index_t>(comm, {t.user.data(), t.user.size()}, dest);
  const std::vector<index_t> item = route<index_t>(comm, {t.item.data(), t.item.size()}, dest);
  const std::vector<real> value = route<real>(comm, {t.value.data(), t.value.size()}, dest);
  const std::vector<std::int64_t> time =
      timed ? route<std::int64_t>(comm, {t.time.data(), t.time.size()}, dest) : std::vector<std::int64_t>{};
  const count_t first = even_slice(n_users, comm.rank(), P).begin;
  Triplets out;
  for (std::size_t e = 0; e < user.size(); ++e) {
    const index_t now = renumber[user[e] - first];
    if (now < 0) continue;
    out.user.push_back(now);
    out.item.push_back(item[e]);
    out.value.push_back(value[e]);
    if (timed) out.time.push_back(time[e]);
  }
  return out;
}

}  // namespace crossmf
