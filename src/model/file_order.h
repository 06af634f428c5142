// Rows kept in scattered order inside crossmf go back to the input's id order for writing:
// each rank writes the contiguous slice of original ids `even_slice(n, rank, P)`.
#pragma once
#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "src/base/uninitialised.h"
#include "src/model/partition.h"

namespace crossmf {

// The route of every local user's row to the rank whose output slice holds it, planned once
// (one exchange of ids) and used for every per-user dataset. Its buffers are kept and reused:
// each dataset's rows are packed, exchanged and placed by the rank's threads into pages that
// are already mapped. The exchange goes in rounds of at most 8 MiB per rank, so the pack
// and receive buffers stay small: on this machine fresh memory is first touched at about the
// disk's speed, and two whole-dataset buffers per rank cost more than the write itself.
class UserFileOrder {
 public:
  static constexpr count_t kRoundBytes = count_t{8} << 20;  // per rank and round, sent and received

  // Collective. `round_bytes` bounds each round of the exchange (tests make it tiny).
  UserFileOrder(const Comm& comm, const Partition& part, count_t round_bytes = kRoundBytes)
      : comm_(comm), round_bytes_(round_bytes) {
    const int P = comm.size();
    const count_t n = part.n_users;
    const Slice mine = even_slice(n, comm.rank(), P);
    out_rows_ = mine.end - mine.begin;
    auto writer_of = [&](index_t original) {  // inverse of even_slice: whose slice holds `original`
      const count_t base = n / P, extra = n % P, cut = extra * (base + 1);
      return original < cut ? static_cast<int>(original / (base + 1))
                            : static_cast<int>(extra + (original - cut) / std::max<count_t>(base, 1));
    };
    const index_t local = part.local_users;
    std::vector<index_t> original(local);
    std::vector<int> dest(local);
#pragma omp parallel for
    for (index_t u = 0; u < local; ++u) {
      original[u] = part.user_scatter.inverse(part.user_begin + u);
      dest[u] = writer_of(original[u]);
    }
    send_counts_.assign(P, 0);
    for (index_t u = 0; u < local; ++u) ++send_counts_[dest[u]];
    send_at_.assign(P + 1, 0);
    for (int p = 0; p < P; ++p) send_at_[p + 1] = send_at_[p] + send_counts_[p];
    std::vector<count_t> at(send_at_.begin(), send_at_.end() - 1);
    send_user_.resize(local);
    std::vector<index_t> ids(local);
    for (index_t u = 0; u < local; ++u) {
      const count_t j = at[dest[u]]++;
      send_user_[j] = u;
      ids[j] = original[u];
    }
    // Where each arriving row goes in this rank's slice (on one rank: straight from the rows).
    out_row_ = P == 1 ? std::move(ids) : comm.alltoallv<index_t>(ids, send_counts_, &recv_counts_);
    for (index_t& r : out_row_) r -= static_cast<index_t>(mine.begin);
    most_to_one_ = comm.max<count_t>(P == 1 ? 0 : *std::max_element(send_counts_.begin(), send_counts_.end()));
    recv_at_.assign(recv_counts_.size() + 1, 0);
    for (std::size_t p = 0; p < recv_counts_.size(); ++p) recv_at_[p + 1] = recv_at_[p] + recv_counts_[p];
  }

  // Collective. `rows` holds `cols` values per local user (scattered order), rows `stride`
  // apart. Returns this rank's slice of users, in original id order, `cols` values per user;
  // the span is valid until the next call.
  template <class T>
  std::span<const T> operator()(const T* rows, int stride, int cols) {
    const std::size_t w = static_cast<std::size_t>(cols);
    T* out = grow<T>(out_, out_rows_ * w);
    auto copy = [&](const T* from, const index_t* source, T* to, const index_t* place, std::size_t rows_n, std::size_t from_stride) {
#pragma omp parallel for schedule(static)
      for (std::size_t j = 0; j < rows_n; ++j) {
        const T* f = from + (source ? static_cast<std::size_t>(source[j]) : j) * from_stride;
        std::copy(f, f + w, to + (place ? static_cast<std::size_t>(place[j]) : j) * w);
      }
    };
    if (comm_.size() == 1) {
      copy(rows, send_user_.data(), out, out_row_.data(), send_user_.size(), stride);
    } else {
      // Round r moves rows [r C, (r + 1) C) of every (sender, receiver) pair; every rank takes
      // the same number of rounds (C and most_to_one_ are the same everywhere).
      const int P = comm_.size();
      const count_t C = std::max<count_t>(1, round_bytes_ / static_cast<count_t>(P * w * sizeof(T)));
      const count_t rounds = (most_to_one_ + C - 1) / C;
      T* packed = grow<T>(packed_, static_cast<std::size_t>(std::min(C * P, static_cast<count_t>(send_user_.size()))) * w);
      T* got = grow<T>(received_, static_cast<std::size_t>(std::min(C * P, static_cast<count_t>(out_row_.size()))) * w);
      std::vector<count_t> sc(P), rc(P);
      for (count_t r = 0; r < rounds; ++r) {
        count_t sent = 0, arrived = 0;
        for (int p = 0; p < P; ++p) {
          const count_t first = std::min(send_counts_[p], r * C), n = std::min(send_counts_[p], (r + 1) * C) - first;
          copy(rows, send_user_.data() + send_at_[p] + first, packed + sent * w, nullptr, n, stride);
          sc[p] = n * w;
          sent += n;
          const count_t from = std::min(recv_counts_[p], r * C);
          rc[p] = (std::min(recv_counts_[p], (r + 1) * C) - from) * w;
          arrived += rc[p] / w;
        }
        comm_.alltoallv<T>(std::span<const T>(packed, sent * w), sc, std::span<T>(got, arrived * w), rc);
        count_t at = 0;
        for (int p = 0; p < P; ++p) {
          const count_t from = std::min(recv_counts_[p], r * C);
          copy(got + at * w, nullptr, out, out_row_.data() + recv_at_[p] + from, rc[p] / w, w);
          at += rc[p] / w;
        }
      }
    }
    return {out, out_rows_ * w};
  }

 private:
  template <class T>
  static T* grow(UninitVector<std::max_align_t>& buf, std::size_t n) {
    const std::size_t units = (n * sizeof(T) + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t);
    if (buf.size() < units) {
      buf = {};  // release first: the peak holds one buffer, not two
      buf.resize(units);
    }
    return reinterpret_cast<T*>(buf.data());
  }

  const Comm& comm_;
  count_t round_bytes_;
  count_t out_rows_ = 0;
  count_t most_to_one_ = 0;  // the most rows any rank sends to any one rank
  std::vector<index_t> send_user_;  // local users, grouped by the rank that writes them
  std::vector<count_t> send_counts_, recv_counts_;
  std::vector<count_t> send_at_, recv_at_;  // where each rank's group starts in send_user_ / out_row_
  std::vector<index_t> out_row_;  // row in this rank's slice of each arriving row
  UninitVector<std::max_align_t> packed_, received_, out_;
};

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
std::vector<std::pair<index_t, T>> to_owners(const Comm& comm, const Partition& part, std::span<const index_t> users,
                                             std::span<const T> values) {
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

// Items are replicated: this rank's output slice is a local gather of `cols` values per item
// (rows of `rows` are `stride` apart).
template <class T>
std::vector<T> items_in_file_order(const Comm& comm, const Partition& part, const T* rows, int stride, int cols) {
  const Slice s = even_slice(part.n_items, comm.rank(), comm.size());
  std::vector<T> out(static_cast<std::size_t>(s.end - s.begin) * cols);
  for (count_t i = s.begin; i < s.end; ++i) {
    const T* from = rows + static_cast<std::size_t>(part.item_scatter.forward(static_cast<index_t>(i))) * stride;
    std::copy(from, from + cols, out.begin() + (i - s.begin) * cols);
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
