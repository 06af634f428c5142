// Writes the output schema (CONTRACT.md). Each rank hands over its own contiguous slice of rows,
// already in file order; creation of every group and dataset is collective.
#pragma once
#include <algorithm>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/direct_io.h"
#include "io/h5.h"
#include "src/comm/comm.h"

namespace crossmf {

struct OutputStamp {
  std::string config;       // resolved options as INI text
  std::string fingerprint;  // of the input
  std::string input_path;
  std::string kernels;      // the kernel level that computed it (src/kernels/kernels.h)
};

class OutputWriter {
 public:
  // Collective. Creates (truncates) `path`, normally the temporary file of an AtomicOutput.
  OutputWriter(const std::string& path, const Comm& comm, const OutputStamp& stamp);

  // Collective. Dataset `name` of `total_rows` x `width` (1-D when width == 0); this rank writes
  // `mine` at rows [first_row, first_row + mine.size() / max(width, 1)).
  template <class T>
  void rows(const std::string& name, std::span<const T> mine, count_t total_rows, int width, count_t first_row) {
    auto d = create<T>(name, total_rows, width);
    d.template write<T>(mine, static_cast<hsize_t>(first_row), mine.size() / std::max(width, 1));
    bytes_ += mine.size() * sizeof(T);
  }
  // Collective. Like rows(), for rows made in pieces once the dataset exists:
  // `stream(page_offset, piece)` calls piece(first, values) for runs of this rank's rows, `first`
  // counted from first_row, each starting page_offset(first) bytes past a 4 KiB boundary, where it
  // also starts in the file, so the disk takes it without a copy (UserFileOrder::stream). Each
  // piece is written in the background while the next is made; it must stay valid until the
  // piece after it has been handed over (or close()).
  template <class T, class Stream>
  void rows_streamed(const std::string& name, count_t total_rows, int width, count_t first_row, Stream stream) {
    auto d = create<T>(name, total_rows, width);
    const std::size_t row_bytes = static_cast<std::size_t>(std::max(width, 1)) * sizeof(T);
    const std::optional<std::uint64_t> at = d.template plain_row_offset<T>(static_cast<hsize_t>(first_row));
    if (!at) {  // no address (an empty dataset) or not plain bytes: gathered, then through HDF5
      std::vector<T> mine;
      stream([](count_t) { return std::size_t{0}; }, [&](count_t first, std::span<const T> v) {
        mine.resize(std::max(mine.size(), first * row_bytes / sizeof(T) + v.size()));
        std::copy(v.begin(), v.end(), mine.begin() + first * row_bytes / sizeof(T));
      });
      d.template write<T>(mine, static_cast<hsize_t>(first_row), mine.size() * sizeof(T) / row_bytes);
      bytes_ += mine.size() * sizeof(T);
      return;
    }
    auto page_offset = [&](count_t first) { return *at % alignof(T) == 0 ? (*at + first * row_bytes) % 4096 : 0; };
    stream(page_offset, [&](count_t first, std::span<const T> v) {
      settle();
      in_flight_ = name;
      background_.start(d.file_path(), *at + first * row_bytes, v.size_bytes(), v.data());
      bytes_ += v.size_bytes();
    });
  }
  // Collective. A small dataset every rank holds whole (history, centroids); rank 0 writes it.
  template <class T>
  void whole(const std::string& name, const std::vector<T>& all, int width = 0) {
    const count_t rows = width > 0 ? static_cast<count_t>(all.size()) / width : static_cast<count_t>(all.size());
    std::vector<T> mine = file_comm_root_ ? all : std::vector<T>{};
    this->rows<T>(name, mine, rows, width, 0);
  }
  h5::File& file() { return file_; }
  std::size_t bytes_written() const { return bytes_; }
  // Collective. Waits for the last background write; every rank fails if any rank's failed.
  void close();

 private:
  // Collective. Contiguous and uncompressed: each rank writes its rows straight to their place
  // in the file on its threads (io/direct_io.h), and any reader can map or slice them.
  template <class T>
  h5::Dataset create(const std::string& name, count_t total_rows, int width) {
    std::vector<hsize_t> dims{static_cast<hsize_t>(total_rows)};
    if (width > 0) dims.push_back(static_cast<hsize_t>(width));
    return file_.template create<T>(name, dims, h5::Options{});
  }
  void settle() {  // waits for the write in flight, keeping the name of the first that failed
    if (!background_.wait() && failed_.empty()) failed_ = in_flight_;
  }

  const Comm& comm_;
  h5::File file_;
  bool file_comm_root_;
  std::size_t bytes_ = 0;
  BackgroundWrite background_;
  std::string in_flight_, failed_;
};

}  // namespace crossmf
