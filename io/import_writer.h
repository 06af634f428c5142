// Writes what import read into the input schema of CONTRACT.md: ratings merged from their runs
// block by block, external ids, item domains and features, user features, labels. Runs on one
// rank (MPI_COMM_SELF), since text import is sequential; the other ranks wait.
#pragma once
#include <string>

#include "io/h5.h"
#include "io/id_map.h"
#include "io/rating_runs.h"
#include "io/text_tables.h"

namespace crossmf {

// The datasets of one ratings group (/ratings or /test).
struct RatingsPaths {
  const char* user;
  const char* item;
  const char* value;
  const char* time;
};
RatingsPaths ratings_paths();
RatingsPaths test_paths();

class ImportWriter {
 public:
  // Creates (truncates) `path` and stamps the format, version and resolved options on it.
  ImportWriter(const std::string& path, const std::string& resolved_config);

  // Merges `runs` into the group's datasets: a counting pass, then the writing pass. Returns
  // the number of ratings written (rows less folded duplicates).
  count_t ratings(const RatingsPaths& paths, RatingRuns& runs, bool has_time);
  // n_users, n_items and feedback on /ratings.
  void ratings_attributes(index_t n_users, index_t n_items, const std::string& feedback);
  // int64 if every id is an integer, strings otherwise.
  void ids(const char* path, const IdMap& ids);
  // /items/domain (-1: no row in the items file) and /items/features, over all n_items.
  void items(ItemsTable& table, index_t n_items);
  // /users/features over all n_users (zeros for users without a row).
  void users(FeatureRows& table, index_t n_users);
  void labels(const LabelsTable& table);
  void close() { file_.close(); }

 private:
  void features(const char* path, FeatureRows& rows, index_t n);
  h5::File file_;
};

}  // namespace crossmf
