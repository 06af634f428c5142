#include "src/model/partition.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>
#include <utility>

#include "src/base/uninitialised.h"
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

// A stable counting sort that uses the threads and places every element where the serial sort
// would, so nothing downstream depends on the thread count.
//
// Units [0, n) (ratings, or users that each emit several elements) are cut into one contiguous
// range per thread. A first pass counts the keys of each range; prefix sums over (key, range),
// in that order, give each range its own run inside each key's block, after the runs of the
// ranges before it. A second pass over the same ranges then writes each element at its place.
// Elements of one key keep the order of their units, as in the serial sort. Memory beyond the
// output: one counter per key and thread.
//
// visit(u, emit) is called once per unit in each pass and calls emit(key, write) once per
// element of unit u, in the same order both times; in the second pass emit calls write(at)
// with the element's position in the sorted order.
class CountingSort {
 public:
  template <class Visit>
  CountingSort(count_t units, std::size_t keys, int threads, Visit visit)
      : units_(units), keys_(keys), ranges_(std::max(1, threads)), next_(ranges_ * keys, 0), start_(keys + 1) {
    for_each_range([&](count_t* counts, count_t u) { visit(u, [counts](std::size_t key, auto&&) { ++counts[key]; }); });
    count_t at = 0;
    for (std::size_t key = 0; key < keys_; ++key) {
      start_[key] = at;
      for (int r = 0; r < ranges_; ++r) at += std::exchange(next_[r * keys_ + key], at);
    }
    start_[keys_] = at;
  }
  // The first position of key's block; start(keys) is the number of elements.
  count_t start(std::size_t key) const { return start_[key]; }
  std::vector<count_t> starts() && { return std::move(start_); }

  // The second pass (once).
  template <class Visit>
  void place(Visit visit) {
    for_each_range([&](count_t* next, count_t u) {
      visit(u, [next](std::size_t key, auto&& write) { write(next[key]++); });
    });
  }

 private:
  template <class F>
  void for_each_range(F f) {
#pragma omp parallel for num_threads(ranges_) schedule(static, 1)
    for (int r = 0; r < ranges_; ++r) {
      count_t* own = next_.data() + static_cast<std::size_t>(r) * keys_;
      const count_t end = units_ * (r + 1) / ranges_;
      for (count_t u = units_ * r / ranges_; u < end; ++u) f(own, u);
    }
  }

  count_t units_;
  std::size_t keys_;
  int ranges_;
  std::vector<count_t> next_;   // ranges x keys: counts, then each range's next position per key
  std::vector<count_t> start_;  // keys + 1
};
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

Blocks balance_by_nnz(const Comm& comm, index_t n, std::span<const index_t> ids, int threads) {
  const int P = comm.size();
  const count_t buckets = std::min<count_t>(n, std::max<count_t>(4096, 256 * count_t(P)));
  auto bucket_of = [&](index_t s) { return static_cast<count_t>(s) * buckets / n; };
  auto bucket_start = [&](count_t b) { return static_cast<index_t>((b * n + buckets - 1) / buckets); };
  const CountingSort count(static_cast<count_t>(ids.size()), buckets, threads,
                           [&](count_t k, auto emit) { emit(bucket_of(ids[k]), [](count_t) {}); });
  std::vector<count_t> counts(buckets);
  for (count_t b = 0; b < buckets; ++b) counts[b] = count.start(b + 1) - count.start(b);
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

template <class Rec>
using Records = UninitVector<Rec>;

// Records packed by destination rank dest(k), k indexing `make`, ready for one alltoallv.
template <class Rec>
struct Outbox {
  Records<Rec> packed;
  std::vector<count_t> counts;  // per destination rank
};
template <class Rec, class Dest, class Make>
Outbox<Rec> pack_for_owners(int P, count_t n, int threads, Dest dest, Make make) {
  Outbox<Rec> out;
  out.packed.resize(n);
  auto visit = [&](count_t k, auto emit) { emit(dest(k), [&](count_t at) { out.packed[at] = make(k); }); };
  CountingSort sort(n, P, threads, visit);
  sort.place(visit);
  for (int p = 0; p < P; ++p) out.counts.push_back(sort.start(p + 1) - sort.start(p));
  return out;
}

// Stable counting sort of records by row - first into `rows` groups: O(n), no comparison sort
// of the whole slice. Returns the grouped copy and sets `ptr` to its row pointers; `recs` is
// freed.
template <class Rec>
Records<Rec> group_rows(std::vector<Rec>&& recs, index_t first, index_t rows, int threads, std::vector<count_t>* ptr) {
  Records<Rec> grouped(recs.size());
  auto visit = [&](count_t k, auto emit) { emit(recs[k].row - first, [&](count_t at) { grouped[at] = recs[k]; }); };
  CountingSort sort(static_cast<count_t>(recs.size()), rows, threads, visit);
  sort.place(visit);
  std::vector<Rec>().swap(recs);
  *ptr = std::move(sort).starts();
  return grouped;
}

// Rows are independent and their lengths vary (popular items, heavy users): dynamic scheduling.
// f(r, begin, end) for each row r of `ptr`.
template <class F>
void for_each_row(const std::vector<count_t>& ptr, int threads, F f) {
  const count_t rows = static_cast<count_t>(ptr.size()) - 1;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64)
  for (count_t r = 0; r < rows; ++r) f(r, ptr[r], ptr[r + 1]);
}

template <class Rec>
void sort_each_row_by_col(Records<Rec>& recs, const std::vector<count_t>& ptr, int threads) {
  for_each_row(ptr, threads, [&](count_t, count_t a, count_t b) {
    std::sort(recs.begin() + a, recs.begin() + b, [](const Rec& x, const Rec& y) { return x.col < y.col; });
  });
}

// Compressed rows of the records whose `keep(k)` holds, in their current order.
template <class Rec, class Keep>
Csr to_csr(const Records<Rec>& recs, const std::vector<count_t>& ptr, int threads, Keep keep) {
  Csr c;
  const std::size_t rows = ptr.size() - 1;
  c.ptr.assign(rows + 1, 0);
  for_each_row(ptr, threads, [&](count_t r, count_t a, count_t b) {
    count_t kept = 0;
    for (count_t k = a; k < b; ++k) kept += keep(k);
    c.ptr[r + 1] = kept;
  });
  std::partial_sum(c.ptr.begin(), c.ptr.end(), c.ptr.begin());
  c.col.resize(c.ptr[rows]);
  c.val.resize(c.ptr[rows]);
  for_each_row(ptr, threads, [&](count_t r, count_t a, count_t b) {
    count_t at = c.ptr[r];
    for (count_t k = a; k < b; ++k)
      if (keep(k)) { c.col[at] = recs[k].col; c.val[at] = recs[k].v; ++at; }
  });
  return c;
}

// Replaces the ids by their scattered ids, in place.
void scatter_ids(const Partition& part, Triplets& in, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
  for (count_t k = 0; k < in.size(); ++k) {
    in.user[k] = part.user_scatter.forward(in.user[k]);
    in.item[k] = part.item_scatter.forward(in.item[k]);
  }
}

// Ratings to their user owners, grouped by user and sorted by item within each user. `in`
// holds scattered ids; it is emptied.
template <class Rec>
Records<Rec> to_user_owners(const Comm& comm, const Partition& part, Triplets& in, std::vector<count_t>* ptr,
                            int threads, Timings& t) {
  Outbox<Rec> out = pack_for_owners<Rec>(
      comm.size(), in.size(), threads, [&](count_t k) { return part.users.owner(in.user[k]); },
      [&](count_t k) {
        Rec r{};
        r.row = in.user[k];
        r.col = in.item[k];
        r.v = in.value[k];
        if constexpr (std::is_same_v<Rec, TimedEntry>) r.t = in.time.empty() ? 0 : in.time[k];
        return r;
      });
  in = Triplets();  // before the exchange: the peak is two copies of the slice, not three
  std::vector<Rec> arrived;
  {
    Timed timed(t.comm);
    arrived = comm.alltoallv<Rec>(out.packed, out.counts);
  }
  out = Outbox<Rec>();
  Records<Rec> recs = group_rows(std::move(arrived), part.user_begin, part.local_users, threads, ptr);
  sort_each_row_by_col(recs, *ptr, threads);
  return recs;
}

// Splits the user-grouped ratings into training and held-out compressed rows.
template <class Rec>
void split_rows(Partition& part, Records<Rec>& recs, const std::vector<count_t>& ptr, const SplitOptions& split,
                bool given_test, int threads) {
  if (given_test || split.test_fraction <= 0) {
    part.by_user = to_csr(recs, ptr, threads, [](count_t) { return true; });
    return;
  }
  std::vector<std::uint8_t> held(recs.size(), 0);
  if constexpr (std::is_same_v<Rec, TimedEntry>) {
    // The latest test_fraction of each user's ratings (none for a user with one rating); equal
    // times keep item order. Rows are put back in item order afterwards.
    for_each_row(ptr, threads, [&](count_t, count_t a, count_t b) {
      const count_t n = b - a;
      const count_t hold = n < 2 ? 0 : std::max<count_t>(1, std::llround(split.test_fraction * n));
      std::stable_sort(recs.begin() + a, recs.begin() + b, [](const Rec& x, const Rec& y) { return x.t < y.t; });
      for (count_t k = a; k < b; ++k) recs[k].t = k >= b - hold;  // from here on t marks the held-out
      std::sort(recs.begin() + a, recs.begin() + b, [](const Rec& x, const Rec& y) { return x.col < y.col; });
      for (count_t k = a; k < b; ++k) held[k] = static_cast<std::uint8_t>(recs[k].t);
    });
  } else {
    const count_t n = static_cast<count_t>(recs.size());
#pragma omp parallel for num_threads(threads) schedule(static)
    for (count_t k = 0; k < n; ++k) {
      // Decided by the pair's original ids and the seed: the same on any number of ranks.
      const std::uint64_t h = splitmix64(split.seed ^ (std::uint64_t(part.user_scatter.inverse(recs[k].row)) << 32 |
                                                      std::uint64_t(part.item_scatter.inverse(recs[k].col))));
      held[k] = to_unit(h) < split.test_fraction;
    }
  }
  part.by_user = to_csr(recs, ptr, threads, [&](count_t k) { return held[k] == 0; });
  part.test_by_user = to_csr(recs, ptr, threads, [&](count_t k) { return held[k] != 0; });
}

}  // namespace

Partition build_partition(const Comm& comm, index_t n_users, index_t n_items, Triplets train, const Triplets* test,
                          const SplitOptions& split, std::uint64_t seed, int threads, Timings& t) {
  Stopwatch whole;
  const double comm_before = t.comm;
  const int P = comm.size(), me = comm.rank();
  Partition part;
  part.n_users = n_users;
  part.n_items = n_items;
  part.user_scatter = Scatter(n_users, seed ^ 0x5eed0001);
  part.item_scatter = Scatter(n_items, seed ^ 0x5eed0002);
  scatter_ids(part, train, threads);
  part.users = balance_by_nnz(comm, n_users, train.user, threads);
  part.items = balance_by_nnz(comm, n_items, train.item, threads);
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
    const count_t rows = static_cast<count_t>(ptr.size()) - 1;
    count_t first = std::numeric_limits<count_t>::max();  // the first in row order is named
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64) reduction(+ : duplicates) reduction(min : first)
    for (count_t r = 0; r < rows; ++r)
      for (count_t k = ptr[r] + 1; k < ptr[r + 1]; ++k)
        if (recs[k].col == recs[k - 1].col) {
          ++duplicates;
          first = std::min(first, k);
        }
    if (duplicates > 0) {
      dup_u = part.user_scatter.inverse(recs[first].row);
      dup_i = part.item_scatter.inverse(recs[first].col);
    }
  };
  const bool given_test = test != nullptr;
  if (split.by_time && !given_test && split.test_fraction > 0) {
    std::vector<count_t> ptr;
    Records<TimedEntry> recs = to_user_owners<TimedEntry>(comm, part, train, &ptr, threads, t);
    find_duplicates(recs, ptr);
    split_rows(part, recs, ptr, split, false, threads);
  } else {
    std::vector<count_t> ptr;
    Records<Entry> recs = to_user_owners<Entry>(comm, part, train, &ptr, threads, t);
    find_duplicates(recs, ptr);
    split_rows(part, recs, ptr, split, given_test, threads);
  }
  if (given_test) {
    Triplets held{test->user, test->item, test->value, {}};  // the given split needs no times
    scatter_ids(part, held, threads);
    std::vector<count_t> ptr;
    Records<Entry> recs = to_user_owners<Entry>(comm, part, held, &ptr, threads, t);
    part.test_by_user = to_csr(recs, ptr, threads, [](count_t) { return true; });
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
    // One counting sort over local users places both: key o < P is a rating going to rank o,
    // at its place in `packed`; key P + o is a user with an item on rank o, at its place in
    // send_rows, and its place among the users of that key is its position in rank o's block.
    const Csr& u = part.by_user;
    Records<Entry> packed(u.nnz());
    const CountingSort* placing = nullptr;  // set before the second pass, the only one that writes
    auto route = [&](count_t lu, auto emit) {
      int last = -1;
      index_t position = 0;
      for (count_t k = u.ptr[lu]; k < u.ptr[lu + 1]; ++k) {
        const int o = part.items.owner(u.col[k]);
        if (o != last) {
          emit(P + o, [&](count_t at) {
            part.send_rows[at - placing->start(P)] = static_cast<index_t>(lu);
            position = static_cast<index_t>(at - placing->start(P + o));
          });
          last = o;
        }
        emit(o, [&](count_t at) { packed[at] = {u.col[k], position, u.val[k]}; });
      }
    };
    CountingSort sort(part.local_users, 2 * static_cast<std::size_t>(P), threads, route);
    part.send_rows.resize(sort.start(2 * P) - sort.start(P));
    placing = &sort;
    sort.place(route);
    std::vector<count_t> counts(P);
    part.send_counts.resize(P);
    for (int p = 0; p < P; ++p) {
      counts[p] = sort.start(p + 1) - sort.start(p);
      part.send_counts[p] = sort.start(P + p + 1) - sort.start(P + p);
    }
    Timed timed(t.comm);
    part.recv_counts = comm.exchange_counts(part.send_counts);
    by_item = comm.alltoallv<Entry>(packed, counts, &arrived);
  }
  part.recv_rows = std::accumulate(part.recv_counts.begin(), part.recv_counts.end(), count_t{0});
  for (count_t p = 0, k = 0, base = 0; p < P; k += arrived[p], base += part.recv_counts[p], ++p) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (count_t e = k; e < k + arrived[p]; ++e) by_item[e].col += static_cast<index_t>(base);
  }
  // Arrivals are ordered by source rank and, within it, by user: a stable grouping by item
  // leaves each item's users in buffer-row order.
  std::vector<count_t> item_ptr;
  const Records<Entry> grouped = group_rows(std::move(by_item), part.item_begin, part.local_items, threads, &item_ptr);
  part.by_item = to_csr(grouped, item_ptr, threads, [](count_t) { return true; });
  const count_t max_item_nnz = comm.max<count_t>(part.by_item.nnz());
  part.item_imbalance = part.train_nnz ? double(max_item_nnz) * P / double(part.train_nnz) : 1.0;

  t.compute += whole.seconds() - (t.comm - comm_before);
  // Duplicates are reported after every collective above, so all ranks agree at the boundary.
  if (duplicates > 0)
    fail(Exit::data, "user {} rated item {} more than once (and {} more duplicate pairs); combine duplicates "
                     "first, e.g. crossmf import --duplicates last|sum|mean", dup_u, dup_i, duplicates - 1);
  return part;
}

Triplets training_triplets(const Partition& part) {
  const Csr& c = part.by_user;
  Triplets t;
  t.user.resize(static_cast<std::size_t>(c.nnz()));
  t.item.resize(t.user.size());
  t.value.assign(c.val.begin(), c.val.end());
  for (index_t r = 0; r < c.rows(); ++r) {
    const index_t user = part.user_scatter.inverse(part.user_begin + r);
    for (count_t k = c.ptr[r]; k < c.ptr[r + 1]; ++k) {
      t.user[k] = user;
      t.item[k] = part.item_scatter.inverse(c.col[k]);
    }
  }
  return t;
}

}  // namespace crossmf
