// The text inputs of import (ratings, test, items, users, labels) read row by row into the id
// maps, the rating runs and the side tables. Malformed rows are counted and shown (BadRows);
// the column layout of each file is in CONTRACT.md and `crossmf import --help`.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/id_map.h"
#include "io/rating_runs.h"
#include "src/base/config.h"
#include "src/base/types.h"

namespace crossmf {

// What reading one file did, for the log.
struct TextStats {
  std::string path;
  count_t rows = 0;      // data rows (not the header, not blank lines)
  count_t bad = 0;       // malformed, skipped
  count_t dropped = 0;   // well-formed but naming an id the file may not introduce
  count_t repeated = 0;  // side tables: ids seen again (later row kept)
  count_t bytes = 0;
  double seconds = 0;
  bool header = false;
  std::string delimiter;
  void log() const;
};

// user, item[, value[, time]]. With `add_ids` new ids enter the maps (ratings); without, a row
// with an id the maps lack is dropped and counted (test). Returns whether there was a time
// column.
bool read_ratings(const std::string& path, const ImportOptions& options, bool add_ids, IdMap& users, IdMap& items,
                  RatingRuns& runs, TextStats& stats);

// What an events file gave besides its rows.
struct EventsRead {
  bool has_time = false;
  std::optional<std::int64_t> as_of;  // the time --half-life decays to (--as-of, else the file's latest)
  count_t after_as_of = 0;            // rows later than --as-of, dropped
};

// user, item, event[, time[, amount]] (--events). Each row's strength, weight(event) * amount
// (1 without the column; an empty amount counts as 1) * 0.5^((as_of - time) / half-life), goes
// to `runs`, which sum a pair's rows and keep its newest time. With --half-life and no --as-of
// the file is read twice, first for its latest time. An unknown event or a bad time or amount
// stops the import (Exit::data) naming the line; rows that cannot be split, or lack an id, are
// malformed rows as in a ratings file.
EventsRead read_events(const std::string& path, const ImportOptions& options, IdMap& users, IdMap& items,
                       RatingRuns& runs, TextStats& stats);

// Per-id rows of numbers (features) with column names, indexed by the dense id.
struct FeatureRows {
  std::vector<std::string> names;
  std::vector<real> values;          // [rows, names.size()], zeros where an id had no row
  std::vector<count_t> line;         // line that described each id; 0: none
  void resize(index_t n);            // to n ids
  count_t described() const;
};

struct ItemsTable {
  FeatureRows features;
  std::vector<std::int32_t> domain;  // per item; -1 where the items file had no row
  std::vector<std::string> domain_names;
};
// item, domain[, features...]. Items not in the ratings are added (new items with features).
ItemsTable read_items(const std::string& path, const ImportOptions& options, IdMap& items, TextStats& stats);

// user, features... Users not in the ratings are added.
FeatureRows read_users(const std::string& path, const ImportOptions& options, IdMap& users, TextStats& stats);

struct LabelsTable {
  std::vector<index_t> user;
  std::vector<std::int8_t> value;
};
// user, 0/1. Labels of users known neither from ratings nor from the users file are dropped.
LabelsTable read_labels(const std::string& path, const ImportOptions& options, const IdMap& users, TextStats& stats);

}  // namespace crossmf
