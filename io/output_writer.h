// Writes the output schema (CONTRACT.md). Each rank hands over its own contiguous slice of rows,
// already in file order; creation of every group and dataset is collective.
#pragma once
#include <map>
#include <span>
#include <string>
#include <vector>

#include "io/h5.h"
#include "src/comm/comm.h"

namespace crossmf {

struct OutputStamp {
  std::string config;       // resolved options as INI text
  std::string fingerprint;  // of the input
  std::string input_path;
};

class OutputWriter {
 public:
  // Collective. Creates (truncates) `path`, normally the temporary file of an AtomicOutput.
  OutputWriter(const std::string& path, const Comm& comm, const OutputStamp& stamp);

  // Collective. Dataset `name` of `total_rows` x `width` (1-D when width == 0); this rank writes
  // `mine` at rows [first_row, first_row + mine.size() / max(width, 1)).
  template <class T>
  void rows(const std::string& name, std::span<const T> mine, count_t total_rows, int width, count_t first_row) {
    std::vector<hsize_t> dims{static_cast<hsize_t>(total_rows)};
    if (width > 0) dims.push_back(static_cast<hsize_t>(width));
    // Contiguous and uncompressed: each rank writes its rows straight to their place in the
    // file on its threads (io/direct_io.h), and any reader can map or slice them.
    auto d = file_.template create<T>(name, dims, h5::Options{});
    d.template write<T>(mine, static_cast<hsize_t>(first_row), mine.size() / std::max(width, 1));
    bytes_ += mine.size() * sizeof(T);
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
  void close() { file_.close(); }

 private:
  h5::File file_;
  bool file_comm_root_;
  std::size_t bytes_ = 0;
};

}  // namespace crossmf
