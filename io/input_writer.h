// Writes the input schema of CONTRACT.md ("Input file") from per-rank slices, for both generate
// (every rank holds some rows of each table, never the whole data set) and import (one rank,
// MPI_COMM_SELF, holds everything).
//
// Every method is collective. Row tables (users, items, labels, ratings) take this rank's
// consecutive rows; the rows of lower ranks come first in the file. Optional parts that are
// never called are simply absent.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/h5.h"
#include "io/row_slices.h"
#include "src/base/choices.h"
#include "src/comm/comm.h"

namespace crossmf {

// What generate's and import's files differ in: root stamp and layout, each as its users know it.
struct InputHeader {
  count_t n_users = 0, n_items = 0;
  Feedback feedback = Feedback::kExplicit;
  std::string config{};      // the resolved options as INI text (empty: not written)
  // Who wrote the file: generate names itself and its version in `generator`, and its seed;
  // import says `created_by` and dates the file. Empty: not written.
  std::string generator{};   // e.g. "crossmf generate 0.1.0"
  std::optional<std::uint64_t> seed{};  // an integer, or text past INT64_MAX
  std::string created_by{};  // e.g. "crossmf import"
  bool dated = false;        // crossmf_version and created_utc
  bool compress = true;      // deflate the ratings: a smaller file, but each rank inflates what it reads
  // Chunk and deflate the id, domain and label columns (from 4096 rows, packed_layout);
  // false: every dataset but the ratings contiguous.
  bool pack_columns = true;
};

// This rank's next rows of a ratings table. `time` is empty when the table has no time column.
struct RatingRows {
  std::span<const index_t> user, item;
  std::span<const real> value;
  std::span<const std::int64_t> time;
};

// /ratings or /test, written in one or more appends. Every rank calls append the same number of
// times (empty rows when it has no more), then finish, which checks that each rank wrote
// exactly the rows it announced.
class RatingsTable {
 public:
  void append(const RatingRows& rows);
  void finish();
  count_t total() const { return total_; }

 private:
  friend class InputWriter;
  RatingsTable(const Comm& comm, std::string group, count_t offset, count_t mine, count_t total,
               std::vector<ColumnAppender> columns);
  const Comm* comm_;
  std::string group_;
  count_t offset_, mine_, total_;
  std::vector<ColumnAppender> columns_;  // user, item, value[, time]
};

class InputWriter {
 public:
  // Stamps the root (format, format_version, then what the header gives) and /ratings
  // (n_users, n_items, feedback).
  InputWriter(h5::File& file, const Comm& comm, InputHeader header);

  h5::File& file() { return file_; }
  const InputHeader& header() const { return header_; }

  // Announce this rank's row count of /ratings or /test; then append the rows.
  RatingsTable ratings(count_t mine, bool with_time);
  RatingsTable test(count_t mine, bool with_time);

  void user_ids(std::span<const std::int64_t> mine);
  // String ids: every id, the same on every rank; rank 0 writes them as fixed-length strings as
  // wide as the longest (h5::File::create_strings).
  void user_ids(const std::vector<std::string>& all);
  void user_features(std::span<const real> mine, const std::vector<std::string>& names);
  void item_ids(std::span<const std::int64_t> mine);
  void item_ids(const std::vector<std::string>& all);
  void item_domains(std::span<const index_t> mine, const std::vector<std::string>& names);
  void item_features(std::span<const real> mine, const std::vector<std::string>& names);
  void labels(std::span<const index_t> users, std::span<const std::int8_t> values);

 private:
  RatingsTable table(const std::string& group, count_t mine, bool with_time);
  h5::Options column_layout(count_t rows) const;
  void check_rows(const std::string& path, std::size_t mine, hsize_t width, count_t expected, const char* what) const;
  // Fails (on every rank alike) when a per-user or per-item table has the wrong row count:
  // `total` rows in all, or this rank's `mine` values of `width` each.
  void check_rows(const std::string& path, count_t total, count_t expected, const char* what) const;
  h5::File& file_;
  const Comm& comm_;
  InputHeader header_;
};

}  // namespace crossmf
