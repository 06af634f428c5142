#include "src/model/partition.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>

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

Blocks balance_by_nnz(const Comm& comm, index_t n, std::span<const index_t> ids) {
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

// A rating on its way to an owner, 12 bytes: `row` is the id the receiver groups by, `col` the
// other id. Ratings travel and are grouped as these records, then kept as compressed rows.
struct Entry {
  index_t row, col;
  real v;
};
// The same with the time, only for per-user time splits (24 bytes).
struct TimedEntry {
  index_t row, col;
  real v;
  std::int64_t t;
};

// Records packed by destination rank dest(k), k indexing `make`, ready for one alltoallv.
template <class Rec>
struct Outbox {
  std::vector<Rec> packed;
  std::vector<count_t> counts;  // per destination rank
};
template <class Rec, class Dest, class Make>
Outbox<Rec> pack_for_owners(int P, count_t n, Dest dest, Make make) {
  Outbox<Rec> out;
  std::vector<count_t> offset(P + 1, 0);
  for (count_t k = 0; k < n; ++k) ++offset[dest(k) + 1];
  out.counts.assign(offset.begin() + 1, offset.end());
  for (int p = 0; p < P; ++p) offset[p + 1] += offset[p];
  out.packed.resize(n);
  for (count_t k = 0; k < n; ++k) out.packed[offset[dest(k)]++] = make(k);
  return out;
}

// Stable counting sort of records by row - first into `rows` groups: O(n), no comparison sort
// of the whole slice. Returns row pointers; `recs` is replaced by the grouped copy.
template <class Rec>
std::vector<count_t> group_rows(std::vector<Rec>& recs, index_t first, index_t rows) {
  std::vector<count_t> ptr(static_cast<std::size_t>(rows) + 1, 0);
  for (const Rec& r : recs) ++ptr[r.row - first + 1];
  for (index_t r = 0; r < rows; ++r) ptr[r + 1] += ptr[r];
  std::vector<count_t> at(ptr.begin(), ptr.end() - 1);
  std::vector<Rec> grouped(recs.size());
  for (const Rec& r : recs) grouped[at[r.row - first]++] = r;
  recs.swap(grouped);
  return ptr;
}

template <class Rec>
void sort_each_row_by_col(std::vector<Rec>& recs, const std::vector<count_t>& ptr) {
  for (std::size_t r = 0; r + 1 < ptr.size(); ++r)
    std::sort(recs.begin() + ptr[r], recs.begin() + ptr[r + 1], [](const Rec& a, const Rec& b) { return a.col < b.col; });
}

// Compressed rows of the records whose `keep(k)` holds, in their current order.
template <class Rec, class Keep>
Csr to_csr(const std::vector<Rec>& recs, const std::vector<count_t>& ptr, Keep keep) {
  Csr c;
  const std::size_t rows = ptr.size() - 1;
  c.ptr.assign(rows + 1, 0);
  for (std::size_t r = 0; r < rows; ++r) {
    count_t kept = 0;
    for (count_t k = ptr[r]; k < ptr[r + 1]; ++k) kept += keep(k);
    c.ptr[r + 1] = c.ptr[r] + kept;
  }
  c.col.resize(c.ptr[rows]);
  c.val.resize(c.ptr[rows]);
  count_t at = 0;
  for (count_t k = 0; k < static_cast<count_t>(recs.size()); ++k)
    if (keep(k)) { c.col[at] = recs[k].col; c.val[at] = recs[k].v; ++at; }
  return c;
}

// Replaces the ids by their scattered ids, in place.
void scatter_ids(const Partition& part, Triplets& in) {
  for (count_t k = 0; k < in.size(); ++k) {
    in.user[k] = part.user_scatter.forward(in.user[k]);
    in.item[k] = part.item_scatter.forward(in.item[k]);
  }
}

// Ratings to their user owners, grouped by user and sorted by item within each user. `in`
// holds scattered ids; it is emptied.
template <class Rec>
std::vector<Rec> to_user_owners(const Comm& comm, const Partition& part, Triplets& in, std::vector<count_t>* ptr,
                                Timings& t) {
  Outbox<Rec> out = pack_for_owners<Rec>(
      comm.size(), in.size(), [&](count_t k) { return part.users.owner(in.user[k]); },
      [&](count_t k) {
        Rec r{};
        r.row = in.user[k];
        r.col = in.item[k];
        r.v = in.value[k];
        if constexpr (std::is_same_v<Rec, TimedEntry>) r.t = in.time.empty() ? 0 : in.time[k];
        return r;
      });
  in = Triplets();  // before the exchange: the peak is two copies of the slice, not three
  std::vector<Rec> recs;
  {
    Timed timed(t.comm);
    recs = comm.alltoallv<Rec>(out.packed, out.counts);
  }
  out = Outbox<Rec>();
  *ptr = group_rows(recs, part.user_begin, part.local_users);
  sort_each_row_by_col(recs, *ptr);
  return recs;
}

// Splits the user-grouped ratings into training and held-out compressed rows.
template <class Rec>
void split_rows(Partition& part, std::vector<Rec>& recs, const std::vector<count_t>& ptr, const SplitOptions& split,
                bool given_test) {
  auto all = [](count_t) { return true; };
  if (given_test || split.test_fraction <= 0) {
    part.by_user = to_csr(recs, ptr, all);
    return;
  }
  std::vector<std::uint8_t> held(recs.size(), 0);
  if constexpr (std::is_same_v<Rec, TimedEntry>) {
    // The latest test_fraction of each user's ratings (none for a user with one rating); equal
    // times keep item order. Rows are put back in item order afterwards.
    for (std::size_t r = 0; r + 1 < ptr.size(); ++r) {
      const count_t a = ptr[r], b = ptr[r + 1], n = b - a;
      const count_t hold = n < 2 ? 0 : std::max<count_t>(1, std::llround(split.test_fraction * n));
      std::stable_sort(recs.begin() + a, recs.begin() + b, [](const Rec& x, const Rec& y) { return x.t < y.t; });
      for (count_t k = a; k < b; ++k) recs[k].t = k >= b - hold;  // from here on t marks the held-out
      std::sort(recs.begin() + a, recs.begin() + b, [](const Rec& x, const Rec& y) { return x.col < y.col; });
      for (count_t k = a; k < b; ++k) held[k] = static_cast<std::uint8_t>(recs[k].t);
    }
  } else {
    for (std::size_t k = 0; k < recs.size(); ++k) {
      // Decided by the pair's original ids and the seed: the same on any number of ranks.
      const std::uint64_t h = splitmix64(split.seed ^ (std::uint64_t(part.user_scatter.inverse(recs[k].row)) << 32 |
                                                      std::uint64_t(part.item_scatter.inverse(recs[k].col))));
      held[k] = to_unit(h) < split.test_fraction;
    }
  }
  part.by_user = to_csr(recs, ptr, [&](count_t k) { return held[k] == 0; });
  part.test_by_user = to_csr(recs, ptr, [&](count_t k) { return held[k] != 0; });
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
  scatter_ids(part, train);
  part.users = balance_by_nnz(comm, n_users, train.user);
  part.items = balance_by_nnz(comm, n_items, train.item);
  part.user_begin = part.users.begin(me);
  part.item_begin = part.items.begin(me);
  part.local_users = part.users.size(me);
  part.local_items = part.items.size(me);

  // 1 and 2. Ratings to their user owners, sorted by (user, item); the held-out set is given,
  //    or split off here where each user's ratings are together. Times travel only when the
  //    split needs them.
  count_t duplicates = 0;
  index_t dup_u = -1, dup_i = -1;
  auto find_duplicates = [&](const auto& recs, const std::vector<count_t>& ptr) {
    for (std::size_t r = 0; r + 1 < ptr.size(); ++r)
      for (count_t k = ptr[r] + 1; k < ptr[r + 1]; ++k)
        if (recs[k].col == recs[k - 1].col && duplicates++ == 0) {
          dup_u = part.user_scatter.inverse(recs[k].row);
          dup_i = part.item_scatter.inverse(recs[k].col);
        }
  };
  const bool given_test = test != nullptr;
  if (split.by_time && !given_test && split.test_fraction > 0) {
    std::vector<count_t> ptr;
    std::vector<TimedEntry> recs = to_user_owners<TimedEntry>(comm, part, train, &ptr, t);
    find_duplicates(recs, ptr);
    split_rows(part, recs, ptr, split, false);
  } else {
    std::vector<count_t> ptr;
    std::vector<Entry> recs = to_user_owners<Entry>(comm, part, train, &ptr, t);
    find_duplicates(recs, ptr);
    split_rows(part, recs, ptr, split, given_test);
  }
  if (given_test) {
    Triplets held{test->user, test->item, test->value, {}};  // the given split needs no times
    scatter_ids(part, held);
    std::vector<count_t> ptr;
    std::vector<Entry> recs = to_user_owners<Entry>(comm, part, held, &ptr, t);
    part.test_by_user = to_csr(recs, ptr, [](count_t) { return true; });
  }
  if (part.test_by_user.rows() != part.local_users) part.test_by_user.ptr.assign(part.local_users + 1, 0);
  part.train_nnz = comm.sum<count_t>(part.by_user.nnz());
  part.test_nnz = comm.sum<count_t>(part.test_by_user.nnz());
  const count_t max_user_nnz = comm.max<count_t>(part.by_user.nnz());
  part.user_imbalance = part.train_nnz ? double(max_user_nnz) * P / double(part.train_nnz) : 1.0;

  // 3 and 4. Routing and the ratings by item. For each item-owner rank, the distinct local users
  //    with an item there, in user order, form the block of user-factor rows sent there each
  //    iteration. Each rating travels as (item, the user's position in that block); the receiver
  //    adds the block's offset, so ids never travel twice and no search is needed. Items of a
  //    user are sorted by scattered id, so their owners come in increasing order.
  std::vector<Entry> by_item;
  std::vector<count_t> arrived;
  {
    const Csr& u = part.by_user;
    std::vector<count_t> offset(P + 1, 0);
    for (index_t col : u.col) ++offset[part.items.owner(col) + 1];
    std::vector<count_t> counts(offset.begin() + 1, offset.end());
    for (int p = 0; p < P; ++p) offset[p + 1] += offset[p];
    std::vector<std::vector<index_t>> lists(P);
    std::vector<Entry> packed(u.nnz());
    for (index_t lu = 0; lu < part.local_users; ++lu) {
      int last = -1;
      index_t position = 0;
      for (count_t k = u.ptr[lu]; k < u.ptr[lu + 1]; ++k) {
        const int o = part.items.owner(u.col[k]);
        if (o != last) {
          position = static_cast<index_t>(lists[o].size());
          lists[o].push_back(lu);
          last = o;
        }
        packed[offset[o]++] = {u.col[k], position, u.val[k]};
      }
    }
    part.send_counts.assign(P, 0);
    for (int p = 0; p < P; ++p) {
      part.send_counts[p] = static_cast<count_t>(lists[p].size());
      part.send_rows.insert(part.send_rows.end(), lists[p].begin(), lists[p].end());
    }
    Timed timed(t.comm);
    part.recv_counts = comm.exchange_counts(part.send_counts);
    by_item = comm.alltoallv<Entry>(packed, counts, &arrived);
  }
  part.recv_rows = std::accumulate(part.recv_counts.begin(), part.recv_counts.end(), count_t{0});
  {
    count_t k = 0, base = 0;
    for (int p = 0; p < P; ++p) {
      for (count_t e = 0; e < arrived[p]; ++e) by_item[k++].col += static_cast<index_t>(base);
      base += part.recv_counts[p];
    }
  }
  // Arrivals are ordered by source rank and, within it, by user: a stable grouping by item
  // leaves each item's users in buffer-row order.
  const std::vector<count_t> item_ptr = group_rows(by_item, part.item_begin, part.local_items);
  part.by_item = to_csr(by_item, item_ptr, [](count_t) { return true; });
  const count_t max_item_nnz = comm.max<count_t>(part.by_item.nnz());
  part.item_imbalance = part.train_nnz ? double(max_item_nnz) * P / double(part.train_nnz) : 1.0;

  t.compute += whole.seconds() - (t.comm - comm_before);
  // Duplicates are reported after every collective above, so all ranks agree at the boundary.
  if (duplicates > 0)
    fail(Exit::data, "user {} rated item {} more than once (and {} more duplicate pairs); combine duplicates "
                     "first, e.g. crossmf import --duplicates last|sum|mean", dup_u, dup_i, duplicates - 1);
  return part;
}

}  // namespace crossmf
