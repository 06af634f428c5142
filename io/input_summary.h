// What `inspect` reports about an input file (CONTRACT.md, "Input file"), gathered in parallel:
// each rank reads its share of every table in bounded blocks and the counts are reduced.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "io/h5.h"
#include "src/comm/comm.h"

namespace crossmf {

struct ValueSummary {
  count_t count = 0, nan = 0;
  double min = 0, max = 0, mean = 0;
  // Explicit: ratings by nearest star, buckets <=0, 1, 2, 3, 4, 5, >=6.
  std::vector<count_t> stars;
  // Implicit: (probability, exact quantile).
  std::vector<std::pair<double, double>> quantiles;
};

// /ratings or /test.
struct TableSummary {
  bool present = false;
  count_t nnz = 0;
  count_t bad_users = 0, bad_items = 0;   // indices outside [0, n)
  bool has_time = false;
  std::int64_t time_min = 0, time_max = 0;
  ValueSummary values;
  count_t users_with = 0, items_with = 0;  // users and items with at least one row
  std::vector<count_t> domain_interactions;
};

struct InputSummary {
  std::string format;       // root attribute, empty when absent
  std::int64_t version = 0;
  std::string generator, seed;
  count_t n_users = 0, n_items = 0;
  std::string feedback;     // "explicit", "implicit" or "" when the attribute is missing
  TableSummary ratings, test;
  std::vector<std::string> domains;
  std::vector<count_t> domain_items;
  count_t bad_domains = 0;
  std::vector<std::string> user_features, item_features;  // names; present when non-empty
  bool has_user_features = false, has_item_features = false;
  bool has_labels = false;
  count_t labelled = 0, positive = 0, bad_labels = 0;
  std::string user_ids, item_ids;  // dtype, empty when absent
  bool has_truth = false;
};

// Collective. Throws Error(Exit::data) when /ratings or its n_users/n_items are missing.
InputSummary summarize_input(const h5::File& file, const Comm& comm);

}  // namespace crossmf
