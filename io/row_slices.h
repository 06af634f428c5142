// Datasets written from per-rank slices of consecutive rows: rank r's rows follow those of the
// ranks below it, placed with one exscan. A rank with no rows still takes part in every call.
#pragma once
#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "io/h5.h"
#include "src/comm/comm.h"

namespace crossmf {

// Where this rank's rows go in a table of `total` rows.
struct RowPlace {
  count_t offset = 0, total = 0;
};
inline RowPlace place_rows(const Comm& comm, count_t mine) { return {comm.exscan(mine), comm.sum(mine)}; }

// Layout for large columns of ids, counts, stars and times: chunked and deflated (with the
// shuffle filter), they shrink several-fold. Dense float matrices of random factors would
// not, and are left contiguous (default h5::Options).
h5::Options packed_layout(count_t rows, hsize_t width = 1);

// Collective: creates `path` as [total] (matrix = false) or [total, width] and writes this
// rank's rows; `mine` holds rows * width values.
template <class T>
h5::Dataset write_rows(h5::File& file, const Comm& comm, const std::string& path, std::span<const T> mine,
                       hsize_t width, bool matrix, const h5::Options& options = {}) {
  const count_t rows = width == 0 ? 0 : static_cast<count_t>(mine.size() / width);
  const RowPlace at = place_rows(comm, rows);
  std::vector<hsize_t> dims{static_cast<hsize_t>(at.total)};
  if (matrix) dims.push_back(width);
  h5::Dataset ds = file.create<T>(path, dims, options);
  ds.write<T>(mine, static_cast<hsize_t>(at.offset), static_cast<hsize_t>(rows));
  return ds;
}
template <class T>
h5::Dataset write_column(h5::File& file, const Comm& comm, const std::string& path, std::span<const T> mine,
                         const h5::Options& options = {}) {
  return write_rows<T>(file, comm, path, mine, 1, false, options);
}
template <class T>
h5::Dataset write_matrix(h5::File& file, const Comm& comm, const std::string& path, std::span<const T> mine,
                         hsize_t width, const h5::Options& options = {}) {
  return write_rows<T>(file, comm, path, mine, width, true, options);
}

// This rank's even share [first, first + count) of `rows` rows.
struct RowShare {
  count_t first = 0, count = 0;
};
inline RowShare share_rows(count_t rows, const Comm& comm) {
  const count_t lo = rows * comm.rank() / comm.size(), hi = rows * (comm.rank() + 1) / comm.size();
  return {lo, hi - lo};
}

// Calls fn(first, n) over `share` in blocks of at most `block` rows, for reading in bounded
// memory. Every rank makes the same number of calls, some with n = 0: reads are collective.
template <class F>
void for_each_block(const RowShare& share, count_t block, const Comm& comm, F&& fn) {
  const count_t mine = (share.count + block - 1) / block;
  const count_t steps = comm.max(mine);
  for (count_t s = 0; s < steps; ++s) {
    const count_t first = share.first + std::min(share.count, s * block);
    fn(first, std::min(block, share.first + share.count - first));
  }
}

// A column filled by several collective appends, each rank's rows contiguous at its offset.
// Every rank calls append the same number of times (with empty spans when it has no more).
class ColumnAppender {
 public:
  ColumnAppender(h5::Dataset dataset, count_t offset) : ds_(std::move(dataset)), next_(offset) {}
  template <class T> void append(std::span<const T> rows) {
    ds_.write<T>(rows, static_cast<hsize_t>(next_), rows.size());
    next_ += static_cast<count_t>(rows.size());
  }
  count_t next_row() const { return next_; }

 private:
  h5::Dataset ds_;
  count_t next_;
};

}  // namespace crossmf
