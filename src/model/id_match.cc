#include "src/model/id_match.h"

#include <unordered_map>
#include <unordered_set>

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

int rank_of_key(const Key128& key, int P) { return static_cast<int>(hash2(key.hi ^ 0x6a6f696eULL, key.lo) % P); }

std::vector<std::uint8_t> listed_anywhere(const Comm& comm, std::span<const Key128> mine, std::span<const Key128> listed) {
  const int P = comm.size();
  std::vector<int> dest(listed.size());
  for (std::size_t r = 0; r < listed.size(); ++r) dest[r] = rank_of_key(listed[r], P);
  const std::vector<Key128> held = route<Key128>(comm, listed, dest);
  const std::unordered_set<Key128, KeyHash, KeyEqual> set(held.begin(), held.end());
  dest.resize(mine.size());
  for (std::size_t r = 0; r < mine.size(); ++r) dest[r] = rank_of_key(mine[r], P);
  std::vector<count_t> asked_by;
  const std::vector<Key128> asked = route<Key128>(comm, mine, dest, 1, &asked_by);
  std::vector<std::uint8_t> answers(asked.size());
  for (std::size_t e = 0; e < asked.size(); ++e) answers[e] = set.count(asked[e]) > 0;
  // Answers go back in the order asked; each rank's arrive in the order it sent them.
  const std::vector<std::uint8_t> back = comm.alltoallv<std::uint8_t>(answers, asked_by);
  std::vector<count_t> at(P + 1, 0);
  for (int d : dest) ++at[d + 1];
  for (int r = 0; r < P; ++r) at[r + 1] += at[r];
  std::vector<std::uint8_t> out(mine.size());
  for (std::size_t r = 0; r < mine.size(); ++r) out[r] = back[at[dest[r]]++];
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
