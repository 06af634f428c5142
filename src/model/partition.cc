#include "src/model/partition.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "src/numerics/random.h"

namespace crossmf {

namespace {
std::uint64_t gcd(std::uint64_t a, std::uint64_t b) { while (b) { a %= b; std::swap(a, b); } return a; }
std::uint64_t mod_inverse(std::uint64_t a, std::uint64_t n) {
  // Extended Euclid on signed 128-bit to stay exact.
  __int128 t = 0, new_t = 1, r = n, new_r = a;
  while (new_r != 0) {
    __int128 q = r / new_r;
    std::tie(t, new_t) = std::make_tuple(new_t, t - q * new_t);
    std::tie(r, new_r) = std::make_tuple(new_r, r - q * new_r);
  }
  if (t < 0) t += n;
  return static_cast<std::uint64_t>(t);
}
}  // namespace

Scatter::Scatter(index_t n, std::uint64_t seed) : n_(std::max<index_t>(n, 1)) {
  if (n_ == 1) return;
  // A multiplier near n / golden ratio spreads neighbours far apart; nudge it to be coprime.
  a_ = static_cast<std::uint64_t>(static_cast<double>(n_) * 0.6180339887) + (seed % 97);
  a_ = std::max<std::uint64_t>(1, a_ % n_);
  while (gcd(a_, n_) != 1) a_ = a_ % n_ + 1;
  b_ = splitmix64(seed) % n_;
  a_inv_ = mod_inverse(a_, n_);
}

int Blocks::owner(index_t s) const {
  // Last rank whose block starts at or before s (empty blocks share a start).
  auto it = std::upper_bound(start.begin() + 1, start.end() - 1, s);
  return static_cast<int>(it - start.begin()) - 1;
}

Blocks balance_by_nnz(const Comm& comm, index_t n, const std::vector<index_t>& ids) {
  const int P = comm.size();
  const count_t buckets = std::min<count_t>(n, std::max<count_t>(4096, 256 * count_t(P)));
  auto bucket_of = [&](index_t s) { return static_cast<count_t>(s) * buckets / n; };
  auto bucket_start = [&](count_t b) { return static_cast<index_t>((b * n + buckets - 1) / buckets); };
  std::vector<count_t> counts(buckets, 0);
  for (index_t s : ids) ++counts[bucket_of(s)];
  comm.sum(std::span<count_t>(counts));
  const count_t total = std::accumulate(counts.begin(), counts.end(), count_t{0});
  Blocks blocks;
  blocks.start.assign(P + 1, n);
  blocks.start[0] = 0;
  count_t cum = 0, b = 0;
  for (int r = 1; r < P; ++r) {
    // Rank r starts at the first bucket whose preceding count reaches r/P of the total.
    const count_t target = (total * r + P - 1) / P;
    while (b < buckets && cum < target) cum += counts[b++];
    blocks.start[r] = std::min(n, bucket_start(b));
  }
  return blocks;
}

namespace {

struct Rating {
  index_t u, i;  // scattered ids
  real v;
  std::int64_t t;
};

// Sends each rating to the rank `dest(rating)`; returns what this rank received.
template <class Dest>
std::vector<Rating> shuffle(const Comm& comm, std::vector<Rating>& mine, Dest dest, Timings& t) {
  const int P = comm.size();
  std::vector<count_t> counts(P, 0);
  for (const Rating& r : mine) ++counts[dest(r)];
  std::vector<count_t> offset(P + 1, 0);
  for (int p = 0; p < P; ++p) offset[p + 1] = offset[p] + counts[p];
  std::vector<Rating> packed(mine.size());
  for (const Rating& r : mine) packed[offset[dest(r)]++] = r;
  std::vector<Rating>().swap(mine);
  Timed timed(t.comm);
  return comm.alltoallv<Rating>(packed, counts);
}

Csr to_csr(const std::vector<Rating>& sorted, index_t first_row, index_t rows, bool by_user) {
  Csr c;
  c.ptr.assign(rows + 1, 0);
  c.col.resize(sorted.size());
  c.val.resize(sorted.size());
  for (std::size_t k = 0; k < sorted.size(); ++k) {
    const Rating& r = sorted[k];
    ++c.ptr[(by_user ? r.u : r.i) - first_row + 1];
    c.col[k] = by_user ? r.i : r.u;
    c.val[k] = r.v;
  }
  for (index_t r = 0; r < rows; ++r) c.ptr[r + 1] += c.ptr[r];
  return c;
}

std::vector<Rating> scatter_triplets(const Triplets& t, const Scatter& su, const Scatter& si) {
  std::vector<Rating> out(t.size());
  for (count_t k = 0; k < t.size(); ++k)
    out[k] = {su.forward(t.user[k]), si.forward(t.item[k]), t.value[k], t.time.empty() ? 0 : t.time[k]};
  return out;
}

}  // namespace

Partition build_partition(const Comm& comm, index_t n_users, index_t n_items, Triplets train, const Triplets* test,
                          const SplitOptions& split, std::uint64_t seed, Timings& t) {
  Stopwatch whole;
  const double comm_before = t.comm;
  const int P = comm.size(), me = comm.rank();
  Partition part;
  part.n_users = n_users;
  part.n_items = n_items;
  part.user_scatter = Scatter(n_users, seed ^ 0x5eed0001);
  part.item_scatter = Scatter(n_items, seed ^ 0x5eed0002);

  std::vector<Rating> ratings = scatter_triplets(train, part.user_scatter, part.item_scatter);
  train = Triplets();
  {
    std::vector<index_t> us(ratings.size()), is(ratings.size());
    for (std::size_t k = 0; k < ratings.size(); ++k) { us[k] = ratings[k].u; is[k] = ratings[k].i; }
    part.users = balance_by_nnz(comm, n_users, us);
    part.items = balance_by_nnz(comm, n_items, is);
  }
  part.user_begin = part.users.begin(me);
  part.item_begin = part.items.begin(me);
  part.local_users = part.users.size(me);
  part.local_items = part.items.size(me);

  // 1. Ratings to their user owners, sorted by (user, item).
  std::vector<Rating> mine = shuffle(comm, ratings, [&](const Rating& r) { return part.users.owner(r.u); }, t);
  std::sort(mine.begin(), mine.end(), [](const Rating& a, const Rating& b) { return a.u != b.u ? a.u < b.u : a.i < b.i; });
  count_t duplicates = 0;
  index_t dup_u = -1, dup_i = -1;
  for (std::size_t k = 1; k < mine.size(); ++k)
    if (mine[k].u == mine[k - 1].u && mine[k].i == mine[k - 1].i) {
      if (duplicates++ == 0) { dup_u = part.user_scatter.inverse(mine[k].u); dup_i = part.item_scatter.inverse(mine[k].i); }
    }

  // 2. Held-out set: given, or split off here where each user's ratings are together.
  std::vector<Rating> held_out;
  if (test) {
    std::vector<Rating> given = scatter_triplets(*test, part.user_scatter, part.item_scatter);
    held_out = shuffle(comm, given, [&](const Rating& r) { return part.users.owner(r.u); }, t);
  } else if (split.test_fraction > 0) {
    std::vector<Rating> kept;
    kept.reserve(mine.size());
    for (std::size_t a = 0; a < mine.size();) {
      std::size_t b = a;
      while (b < mine.size() && mine[b].u == mine[a].u) ++b;
      if (split.by_time) {
        // The latest test_fraction of each user's ratings (none for a user with one rating).
        const std::size_t n = b - a;
        const std::size_t hold = n < 2 ? 0 : std::max<std::size_t>(1, std::llround(split.test_fraction * n));
        std::stable_sort(mine.begin() + a, mine.begin() + b, [](const Rating& x, const Rating& y) { return x.t < y.t; });
        for (std::size_t k = a; k < b; ++k) (k >= b - hold ? held_out : kept).push_back(mine[k]);
        std::sort(kept.end() - (n - hold), kept.end(), [](const Rating& x, const Rating& y) { return x.i < y.i; });
      } else {
        for (std::size_t k = a; k < b; ++k) {
          // Decided by the pair's original ids and the seed: the same on any number of ranks.
          const std::uint64_t h = splitmix64(split.seed ^ (std::uint64_t(part.user_scatter.inverse(mine[k].u)) << 32 |
                                                          std::uint64_t(part.item_scatter.inverse(mine[k].i))));
          (to_unit(h) < split.test_fraction ? held_out : kept).push_back(mine[k]);
        }
      }
      a = b;
    }
    mine.swap(kept);
  }
  std::sort(held_out.begin(), held_out.end(), [](const Rating& a, const Rating& b) { return a.u != b.u ? a.u < b.u : a.i < b.i; });
  part.by_user = to_csr(mine, part.user_begin, part.local_users, true);
  part.test_by_user = to_csr(held_out, part.user_begin, part.local_users, true);
  part.train_nnz = comm.sum<count_t>(static_cast<count_t>(mine.size()));
  part.test_nnz = comm.sum<count_t>(static_cast<count_t>(held_out.size()));
  const count_t max_user_nnz = comm.max<count_t>(static_cast<count_t>(mine.size()));
  part.user_imbalance = part.train_nnz ? double(max_user_nnz) * P / double(part.train_nnz) : 1.0;
  std::vector<Rating>().swap(held_out);

  // 3. Routing: for each item-owner rank, the sorted distinct local users with an item there.
  //    Sender and receiver derive the same lists from the same ratings, so no id lists travel.
  part.send_counts.assign(P, 0);
  {
    std::vector<std::vector<index_t>> lists(P);
    for (index_t lu = 0; lu < part.local_users; ++lu) {
      int last = -1;
      // Items of a user are sorted by scattered id, so owners come in increasing order.
      for (count_t k = part.by_user.ptr[lu]; k < part.by_user.ptr[lu + 1]; ++k) {
        const int o = part.items.owner(part.by_user.col[k]);
        if (o != last) { lists[o].push_back(lu); last = o; }
      }
    }
    for (int p = 0; p < P; ++p) {
      part.send_counts[p] = static_cast<count_t>(lists[p].size());
      part.send_rows.insert(part.send_rows.end(), lists[p].begin(), lists[p].end());
    }
  }
  part.recv_counts = comm.exchange_counts(part.send_counts);
  part.recv_rows = std::accumulate(part.recv_counts.begin(), part.recv_counts.end(), count_t{0});

  // 4. Ratings to their item owners. Users arrive grouped by source rank, each group sorted,
  //    and user blocks are ordered by rank, so buffer row order is scattered-user order.
  std::vector<Rating> by_item = shuffle(comm, mine, [&](const Rating& r) { return part.items.owner(r.i); }, t);
  std::vector<index_t> distinct_users;  // scattered user id of each buffer row
  {
    std::vector<index_t> us(by_item.size());
    for (std::size_t k = 0; k < by_item.size(); ++k) us[k] = by_item[k].u;
    std::sort(us.begin(), us.end());
    us.erase(std::unique(us.begin(), us.end()), us.end());
    distinct_users.swap(us);
  }
  if (static_cast<count_t>(distinct_users.size()) != part.recv_rows)
    throw Error(Exit::data, "internal routing mismatch between user and item owners");
  for (Rating& r : by_item)
    r.u = static_cast<index_t>(std::lower_bound(distinct_users.begin(), distinct_users.end(), r.u) - distinct_users.begin());
  std::sort(by_item.begin(), by_item.end(), [](const Rating& a, const Rating& b) { return a.i != b.i ? a.i < b.i : a.u < b.u; });
  part.by_item = to_csr(by_item, part.item_begin, part.local_items, false);
  const count_t max_item_nnz = comm.max<count_t>(static_cast<count_t>(by_item.size()));
  part.item_imbalance = part.train_nnz ? double(max_item_nnz) * P / double(part.train_nnz) : 1.0;

  t.compute += whole.seconds() - (t.comm - comm_before);
  // Duplicates are reported after every collective above, so all ranks agree at the boundary.
  if (duplicates > 0)
    fail(Exit::data, "user {} rated item {} more than once (and {} more duplicate pairs); combine duplicates "
                     "first, e.g. crossmf import --duplicates last|sum|mean", dup_u, dup_i, duplicates - 1);
  return part;
}

}  // namespace crossmf
