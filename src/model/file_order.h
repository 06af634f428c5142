// Rows kept in scattered order inside crossmf go back to the input's id order for writing:
// each rank writes the contiguous slice of original ids `even_slice(n, rank, P)`.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <tuple>
#include <utility>
#include <span>
#include <vector>

#include "src/base/uninitialised.h"
#include "src/model/partition.h"
#include "src/numerics/slices.h"

namespace crossmf {

// The route of every local user's row to the rank whose output slice holds it, planned once
// (one exchange of ids) and used for every per-user dataset. A slice is made in pieces of rows in
// file order: round r brings every rank rows [r R, (r + 1) R) of its slice (at most
// `round_bytes`), from whichever ranks own them, and hands the finished piece on (to the disk)
// while the next is made. The buffers hold a few pieces and are reused: on this machine fresh
// memory is first touched at about the disk's speed, so a buffer the size of the slice cost more
// than its write, and rows placed within one small piece stay in the cache.
class UserFileOrder {
 public:
  static constexpr count_t kRoundBytes = count_t{8} << 20;  // per rank and round, made and received

  // Collective. `round_bytes` bounds each round (tests make it tiny).
  UserFileOrder(const Comm& comm, const Partition& part, count_t round_bytes = kRoundBytes)
      : comm_(comm), round_bytes_(round_bytes) {
    const int P = comm.size();
    const count_t n = part.n_users;
    const Slice mine = even_slice(n, comm.rank(), P);
    out_rows_ = mine.end - mine.begin;
    most_out_rows_ = comm.max(out_rows_);
    auto writer_of = [&](index_t original) {  // inverse of even_slice: whose slice holds `original`
      const count_t base = n / P, extra = n % P, cut = extra * (base + 1);
      return original < cut ? static_cast<int>(original / (base + 1))
                            : static_cast<int>(extra + (original - cut) / std::max<count_t>(base, 1));
    };
    const index_t local = part.local_users;
    std::vector<index_t> original(local);
#pragma omp parallel for
    for (index_t u = 0; u < local; ++u) original[u] = part.user_scatter.inverse(part.user_begin + u);
    send_counts_.assign(P, 0);
    for (index_t u = 0; u < local; ++u) ++send_counts_[writer_of(original[u])];
    send_at_.assign(P + 1, 0);
    for (int p = 0; p < P; ++p) send_at_[p + 1] = send_at_[p] + send_counts_[p];
    // Local users in file order (the slices are ranges of original ids, in rank order), so
    // grouped by the rank that writes them: a piece of a receiver's slice is then one run of its
    // group, and arrives in order. A radix sort of the ids, two passes of 16 bits.
    std::vector<std::pair<index_t, index_t>> keyed(local), moved(local);  // (original id, local user)
    for (index_t u = 0; u < local; ++u) keyed[u] = {original[u], u};
    for (int shift : {0, 16}) {
      auto digit = [&](index_t id) { return (static_cast<std::uint32_t>(id) >> shift) & 0xFFFF; };
      std::vector<count_t> start(0x10001, 0);
      for (const auto& k : keyed) ++start[digit(k.first) + 1];
      for (std::size_t d = 1; d < start.size(); ++d) start[d] += start[d - 1];
      for (const auto& k : keyed) moved[start[digit(k.first)]++] = k;
      keyed.swap(moved);
    }
    send_user_.resize(local);
    send_pos_.resize(local);
    for (int p = 0; p < P; ++p) {
      const index_t first = static_cast<index_t>(even_slice(n, p, P).begin);
      for (count_t j = send_at_[p]; j < send_at_[p + 1]; ++j) {
        send_user_[j] = keyed[j].second;
        send_pos_[j] = keyed[j].first - first;
      }
    }
    // Where each arriving row goes in this rank's slice: ascending within each sender's run.
    if (P == 1) {
      out_row_ = send_pos_;
      recv_counts_ = send_counts_;
    } else {
      out_row_ = comm.alltoallv<index_t>(send_pos_, send_counts_, &recv_counts_);
    }
    recv_at_.assign(recv_counts_.size() + 1, 0);
    for (std::size_t p = 0; p < recv_counts_.size(); ++p) recv_at_[p + 1] = recv_at_[p] + recv_counts_[p];
  }

  // Collective. `rows` holds `cols` values per local user (scattered order), rows `stride`
  // apart. Makes this rank's slice of users in original id order, `cols` values per user, in
  // pieces: piece(first, values) gets rows [first, first + values.size() / cols) of the slice.
  // A piece starts page_offset(first) bytes past a 4 KiB boundary (where it starts in the output file,
  // so the disk takes it without a copy: io/direct_io.h) and stays valid until the piece after
  // the next one is made.
  template <class T, class PageOffset, class Piece>
  void stream(const T* rows, int stride, int cols, PageOffset page_offset, Piece piece) {
    const int P = comm_.size();
    const std::size_t w = static_cast<std::size_t>(cols);
    // Rows are read or written at scattered places: each is requested 16 rows ahead.
    auto copy = [&](const T* from, const index_t* source, std::size_t from_stride, T* to, const index_t* place,
                    index_t place_base, std::size_t rows_n) {
      constexpr std::size_t kAhead = 16;
      const std::size_t bytes = w * sizeof(T);
      auto from_row = [&](std::size_t j) { return from + (source ? static_cast<std::size_t>(source[j]) : j) * from_stride; };
      auto to_row = [&](std::size_t j) { return to + (place ? static_cast<std::size_t>(place[j] - place_base) : j) * w; };
#pragma omp parallel for schedule(static)
      for (std::size_t j = 0; j < rows_n; ++j) {
        if (j + kAhead < rows_n) {
          const char* f = reinterpret_cast<const char*>(from_row(j + kAhead));
          const char* t = reinterpret_cast<const char*>(to_row(j + kAhead));
          __builtin_prefetch(f);
          __builtin_prefetch(f + bytes - 1);
          __builtin_prefetch(t, 1);
          __builtin_prefetch(t + bytes - 1, 1);
        }
        std::copy(from_row(j), from_row(j) + w, to_row(j));
      }
    };
    // The run of a group (ascending positions) that falls in [lo, hi).
    auto run = [](const std::vector<index_t>& pos, count_t begin, count_t end, index_t lo, index_t hi) {
      const auto b = pos.begin() + begin, e = pos.begin() + end;
      const count_t first = std::lower_bound(b, e, lo) - pos.begin();
      return std::pair{first, static_cast<count_t>(std::lower_bound(b, e, hi) - pos.begin()) - first};
    };
    const count_t R = std::max<count_t>(1, round_bytes_ / static_cast<count_t>(w * sizeof(T)));
    const count_t rounds = (most_out_rows_ + R - 1) / R;  // the same on every rank
    std::vector<count_t> s_first(P), sc(P), r_first(P), rc(P);
    for (count_t r = 0; r < rounds; ++r) {
      const index_t lo = static_cast<index_t>(r * R), hi = static_cast<index_t>((r + 1) * R);
      count_t sent = 0, arrived = 0;
      for (int p = 0; p < P; ++p) {
        std::tie(s_first[p], sc[p]) = run(send_pos_, send_at_[p], send_at_[p + 1], lo, hi);
        std::tie(r_first[p], rc[p]) = run(out_row_, recv_at_[p], recv_at_[p + 1], lo, hi);
        sent += sc[p];
        arrived += rc[p];
      }
      const count_t first = std::min<count_t>(lo, out_rows_), n = std::min<count_t>(hi, out_rows_) - first;
      const std::size_t at = page_offset(first);
      T* out = reinterpret_cast<T*>(pieces_[flip_ ^= 1].grow(at + n * w * sizeof(T)) + at);
      if (P == 1) {
        copy(rows, send_user_.data() + s_first[0], stride, out, send_pos_.data() + s_first[0], lo, sc[0]);
      } else {
        T* packed = grow<T>(packed_, sent * w);
        T* got = grow<T>(received_, arrived * w);
        count_t done = 0;
        for (int p = 0; p < P; ++p) {
          copy(rows, send_user_.data() + s_first[p], stride, packed + done * w, nullptr, 0, sc[p]);
          done += sc[p];
          sc[p] *= w;
          rc[p] *= w;
        }
        comm_.alltoallv<T>(std::span<const T>(packed, sent * w), sc, std::span<T>(got, arrived * w), rc);
        done = 0;
        for (int p = 0; p < P; ++p) {
          copy(got + done * w, nullptr, w, out, out_row_.data() + r_first[p], lo, rc[p] / w);
          done += rc[p] / w;
        }
      }
      if (n > 0) piece(first, std::span<const T>(out, n * w));
    }
  }

  // Collective. The whole slice at once (checkpoints).
  template <class T>
  std::vector<T> operator()(const T* rows, int stride, int cols) {
    std::vector<T> out(static_cast<std::size_t>(out_rows_) * cols);
    stream(rows, stride, cols, [](count_t) { return std::size_t{0}; },
           [&](count_t first, std::span<const T> v) { std::copy(v.begin(), v.end(), out.begin() + first * cols); });
    return out;
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

  // Grows, never shrinks; starts on a 4 KiB boundary; contents uninitialised.
  struct PageAligned {
    std::unique_ptr<char, decltype(&std::free)> data{nullptr, &std::free};
    std::size_t bytes = 0;
    char* grow(std::size_t n) {
      if (n > bytes) {
        data.reset();
        bytes = (n + 4095) / 4096 * 4096;
        data.reset(static_cast<char*>(std::aligned_alloc(4096, bytes)));
        if (!data) throw std::bad_alloc();
      }
      return data.get();
    }
  };

  const Comm& comm_;
  count_t round_bytes_;
  count_t out_rows_ = 0, most_out_rows_ = 0;
  std::vector<index_t> send_user_;  // local users, grouped by the rank that writes them, in file order
  std::vector<index_t> send_pos_;   // each one's row in that rank's slice
  std::vector<count_t> send_counts_, recv_counts_;
  std::vector<count_t> send_at_, recv_at_;  // where each rank's group starts in send_user_ / out_row_
  std::vector<index_t> out_row_;  // row in this rank's slice of each arriving row
  UninitVector<std::max_align_t> packed_, received_;
  PageAligned pieces_[2];
  int flip_ = 0;
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
