// Writes the input schema of CONTRACT.md ("Input file") from per-rank slices: generate and
// import both hold some rows of each table on each rank and never the whole data set.
//
// Every method is collective. Row tables (users, items, labels, ratings) take this rank's
// consecutive rows; the rows of lower ranks come first in the file. Optional parts that are
// never called are simply absent.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io/h5.h"
#include "io/row_slices.h"
#include "src/comm/comm.h"

namespace crossmf {

struct InputHeader {
  count_t n_users = 0, n_items = 0;
  std::string feedback;   // "explicit" | "implicit"
  std::string generator;  // what wrote the file, e.g. "crossmf generate 0.1.0"
  std::string config;     // the resolved options as INI text (may be empty)
  bool compress = true;   // deflate the ratings: a smaller file, but each rank inflates what it reads
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
  // Stamps the root (format, format_version, generator, config) and /ratings (n_users,
  // n_items, feedback).
  InputWriter(h5::File& file, const Comm& comm, InputHeader header);

  h5::File& file() { return file_; }
  const InputHeader& header() const { return header_; }

  // Announce this rank's row count of /ratings or /test; then append the rows.
  RatingsTable ratings(count_t mine, bool with_time);
  RatingsTable test(count_t mine, bool with_time);

  void user_ids(std::span<const std::int64_t> mine);
  void user_features(std::span<const real> mine, const std::vector<std::string>& names);
  void item_ids(std::span<const std::int64_t> mine);
  void item_domains(std::span<const index_t> mine, const std::vector<std::string>& names);
  void item_features(std::span<const real> mine, const std::vector<std::string>& names);
  void labels(std::span<const index_t> users, std::span<const std::int8_t> values);

 private:
  RatingsTable table(const std::string& group, count_t mine, bool with_time);
  // Fails (on every rank alike) when a per-user or per-item table has the wrong row count.
  void check_rows(const std::string& path, count_t rows, count_t expected, const char* what) const;
  h5::File& file_;
  const Comm& comm_;
  InputHeader header_;
};

}  // namespace crossmf
