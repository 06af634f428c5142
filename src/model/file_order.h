// Rows kept in scattered order inside crossmf go back to the input's id order for writing:
// each rank writes the contiguous slice of original ids `even_slice(n, rank, P)`.
#pragma once
#include <vector>

#include "src/model/partition.h"

namespace crossmf {

// Collective. `rows` holds `width` values per local user (scattered order). Returns the rows of
// this rank's output slice of users, in original id order.
template <class T>
std::vector<T> users_in_file_order(const Comm& comm, const Partition& part, const T* rows, int width) {
  const int P = comm.size();
  // Destination of each local user, then pack (original id, row) by destination.
  std::vector<count_t> counts(P, 0);
  std::vector<int> dest(part.local_users);
  const count_t n = part.n_users;
  auto writer_of = [&](index_t original) {
    // Inverse of even_slice: the rank whose slice holds `original`.
    const count_t base = n / P, extra = n % P, cut = extra * (base + 1);
    return original < cut ? static_cast<int>(original / (base + 1)) : static_cast<int>(extra + (original - cut) / std::max<count_t>(base, 1));
  };
  std::vector<index_t> original(part.local_users);
  for (index_t u = 0; u < part.local_users; ++u) {
    original[u] = part.user_scatter.inverse(part.user_begin + u);
    dest[u] = writer_of(original[u]);
    ++counts[dest[u]];
  }
  std::vector<count_t> offset(P + 1, 0);
  for (int p = 0; p < P; ++p) offset[p + 1] = offset[p] + counts[p];
  std::vector<index_t> ids(part.local_users);
  std::vector<T> packed(static_cast<std::size_t>(part.local_users) * width);
  for (index_t u = 0; u < part.local_users; ++u) {
    const count_t at = offset[dest[u]]++;
    ids[at] = original[u];
    std::copy(rows + static_cast<std::size_t>(u) * width, rows + static_cast<std::size_t>(u + 1) * width,
              packed.begin() + at * width);
  }
  std::vector<count_t> row_counts = counts;
  std::vector<index_t> got_ids = comm.alltoallv<index_t>(ids, counts);
  for (auto& c : row_counts) c *= width;
  std::vector<T> got = comm.alltoallv<T>(packed, row_counts);
  const Slice s = even_slice(n, comm.rank(), P);
  std::vector<T> out(static_cast<std::size_t>(s.end - s.begin) * width);
  for (std::size_t j = 0; j < got_ids.size(); ++j)
    std::copy(got.begin() + j * width, got.begin() + (j + 1) * width, out.begin() + (got_ids[j] - s.begin) * width);
  return out;
}

// Collective, the reverse: `rows` are this rank's file-order slice even_slice(n_users) of
// `width` values per user; returns them for the local users (scattered order).
template <class T>
std::vector<T> users_from_file_order(const Comm& comm, const Partition& part, const std::vector<T>& rows, int width) {
  const int P = comm.size();
  const Slice s = even_slice(part.n_users, comm.rank(), P);
  std::vector<count_t> counts(P, 0);
  std::vector<int> dest(s.end - s.begin);
  for (count_t u = s.begin; u < s.end; ++u) {
    dest[u - s.begin] = part.users.owner(part.user_scatter.forward(static_cast<index_t>(u)));
    ++counts[dest[u - s.begin]];
  }
  std::vector<count_t> offset(P + 1, 0);
  for (int p = 0; p < P; ++p) offset[p + 1] = offset[p] + counts[p];
  std::vector<index_t> ids(s.end - s.begin);
  std::vector<T> packed(rows.size());
  for (count_t u = s.begin; u < s.end; ++u) {
    const count_t at = offset[dest[u - s.begin]]++;
    ids[at] = part.user_scatter.forward(static_cast<index_t>(u)) - part.users.begin(dest[u - s.begin]);
    std::copy(rows.begin() + (u - s.begin) * width, rows.begin() + (u - s.begin + 1) * width, packed.begin() + at * width);
  }
  std::vector<count_t> value_counts = counts;
  for (auto& c : value_counts) c *= width;
  std::vector<index_t> local = comm.alltoallv<index_t>(ids, counts);
  std::vector<T> got = comm.alltoallv<T>(packed, value_counts);
  std::vector<T> out(static_cast<std::size_t>(part.local_users) * width);
  for (std::size_t j = 0; j < local.size(); ++j)
    std::copy(got.begin() + j * width, got.begin() + (j + 1) * width, out.begin() + static_cast<std::size_t>(local[j]) * width);
  return out;
}

// Collective. Sparse per-user values (original user id, value) from any rank to the owners:
// returns (local user, value) pairs.
template <class T>
std::vector<std::pair<index_t, T>> to_owners(const Comm& comm, const Partition& part, const std::vector<index_t>& users,
                                             const std::vector<T>& values) {
  const int P = comm.size();
  std::vector<count_t> counts(P, 0);
  std::vector<std::pair<index_t, T>> packed(users.size());
  std::vector<int> dest(users.size());
  for (std::size_t j = 0; j < users.size(); ++j) ++counts[dest[j] = part.users.owner(part.user_scatter.forward(users[j]))];
  std::vector<count_t> offset(P + 1, 0);
  for (int p = 0; p < P; ++p) offset[p + 1] = offset[p] + counts[p];
  for (std::size_t j = 0; j < users.size(); ++j)
    packed[offset[dest[j]]++] = {part.user_scatter.forward(users[j]) - part.users.begin(dest[j]), values[j]};
  return comm.alltoallv<std::pair<index_t, T>>(packed, counts);
}

// Items are replicated: this rank's output slice is a local gather.
template <class T>
std::vector<T> items_in_file_order(const Comm& comm, const Partition& part, const T* rows, int width) {
  const Slice s = even_slice(part.n_items, comm.rank(), comm.size());
  std::vector<T> out(static_cast<std::size_t>(s.end - s.begin) * width);
  for (count_t i = s.begin; i < s.end; ++i) {
    const index_t sc = part.item_scatter.forward(static_cast<index_t>(i));
    std::copy(rows + static_cast<std::size_t>(sc) * width, rows + static_cast<std::size_t>(sc + 1) * width,
              out.begin() + (i - s.begin) * width);
  }
  return out;
}

// Collective, the reverse for replicated items: every rank's file-order slice is gathered and
// placed at each item's scattered row of `replicated` (n_items x width).
template <class T>
void items_from_file_order(const Comm& comm, const Partition& part, const std::vector<T>& rows, int width, T* replicated) {
  std::vector<count_t> counts(comm.size());
  for (int r = 0; r < comm.size(); ++r) {
    const Slice s = even_slice(part.n_items, r, comm.size());
    counts[r] = (s.end - s.begin) * width;
  }
  std::vector<T> all(static_cast<std::size_t>(part.n_items) * width);
  comm.allgatherv<T>(rows, all, counts);
  for (index_t i = 0; i < part.n_items; ++i)
    std::copy(all.begin() + static_cast<std::size_t>(i) * width, all.begin() + static_cast<std::size_t>(i + 1) * width,
              replicated + static_cast<std::size_t>(part.item_scatter.forward(i)) * width);
}

}  // namespace crossmf
