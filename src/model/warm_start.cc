#include "src/model/warm_start.h"

#include <algorithm>
#include <unordered_map>

#include "src/model/file_order.h"
#include "src/model/id_match.h"
#include "src/numerics/random.h"
#include "src/numerics/slices.h"

namespace crossmf {

namespace {

struct Wanted {
  Key128 key;
  count_t row;  // in the input's file order
};

// Rows of this rank's even slice of the input's users, k + 1 values and a found flag each.
std::vector<real> user_rows_found(const Comm& comm, count_t n_users, std::span<const Key128> now, KeyedRows then, int k) {
  const int P = comm.size(), w = k + 1;
  const Slice mine = even_slice(n_users, comm.rank(), P);
  // Both sides go to the rank their key names, which joins them.
  std::vector<Wanted> wanted(now.size());
  std::vector<int> dest(now.size());
  for (std::size_t r = 0; r < now.size(); ++r) {
    wanted[r] = {now[r], mine.begin + static_cast<count_t>(r)};
    dest[r] = rank_of_key(now[r], P);
  }
  const std::vector<Wanted> asked = route<Wanted>(comm, wanted, dest);
  dest.assign(then.keys.size(), 0);
  for (std::size_t r = 0; r < then.keys.size(); ++r) dest[r] = rank_of_key(then.keys[r], P);
  const std::vector<Key128> known = route(comm, then.keys, dest);
  const std::vector<real> known_rows = route(comm, then.rows, dest, w);
  std::unordered_map<Key128, std::size_t, KeyHash, KeyEqual> index(known.size());
  for (std::size_t r = 0; r < known.size(); ++r) index.emplace(known[r], r);
  // Found rows travel back to the rank whose slice holds them.
  std::vector<count_t> rows;
  std::vector<real> values;
  dest.clear();
  for (const Wanted& a : asked)
    if (const auto it = index.find(a.key); it != index.end()) {
      rows.push_back(a.row);
      values.insert(values.end(), known_rows.begin() + it->second * w, known_rows.begin() + (it->second + 1) * w);
      dest.push_back(rank_of_row(a.row, n_users, P));
    }
  const std::vector<count_t> found = route<count_t>(comm, rows, dest);
  const std::vector<real> found_rows = route<real>(comm, values, dest, w);
  std::vector<real> out(static_cast<std::size_t>(mine.end - mine.begin) * (w + 1), real(0));
  for (std::size_t e = 0; e < found.size(); ++e) {
    real* row = out.data() + (found[e] - mine.begin) * (w + 1);
    std::copy_n(found_rows.data() + e * w, w, row);
    row[w] = 1;
  }
  return out;
}

// Rows of this rank's even slice of the input's items, as above; the earlier items are all here.
std::vector<real> item_rows_found(std::span<const Key128> now, KeyedRows then, int k) {
  const int w = k + 1;
  const std::vector<index_t> at = match_keys(now, then.keys);
  std::vector<real> out(now.size() * (w + 1), real(0));
  for (std::size_t r = 0; r < now.size(); ++r)
    if (at[r] >= 0) {
      std::copy_n(then.rows.data() + static_cast<std::size_t>(at[r]) * w, w, out.data() + r * (w + 1));
      out[r * (w + 1) + w] = 1;
    }
  return out;
}

// Copies the found rows (flag in the last of k + 2 columns) into factor rows of `width`.
count_t copy_found(const real* found, index_t rows, int k, bool biases, real* factors, int width) {
  count_t n = 0;
  for (index_t r = 0; r < rows; ++r) {
    const real* from = found + static_cast<std::size_t>(r) * (k + 2);
    if (from[k + 1] == 0) continue;
    std::copy_n(from, biases ? k + 1 : k, factors + static_cast<std::size_t>(r) * width);
    ++n;
  }
  return n;
}

}  // namespace

WarmStarted warm_start(const Comm& comm, const Partition& part, std::span<const Key128> users_now,
                       std::span<const Key128> items_now, KeyedRows users_then, KeyedRows items_then, Factors& f) {
  const int k = f.k;
  WarmStarted n;
  const std::vector<real> users =
      users_from_file_order<real>(comm, part, user_rows_found(comm, part.n_users, users_now, users_then, k), k + 2);
  n.users = comm.sum(copy_found(users.data(), part.local_users, k, f.biases, f.users.data(), f.width()));
  std::vector<real> items(static_cast<std::size_t>(part.n_items) * (k + 2));
  items_from_file_order<real>(comm, part, item_rows_found(items_now, items_then, k), k + 2, items.data());
  n.items = copy_found(items.data(), part.n_items, k, f.biases, f.items.data(), f.width());
  return n;
}

}  // namespace crossmf
