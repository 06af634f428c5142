// Reads the input schema (CONTRACT.md) and validates every dataset, required or optional, before
// anything depends on it. Opening checks all the metadata (attributes, shapes, types, names), the
// same on every rank; the values are checked as each rank reads its own slice (indices on their
// full 64-bit value, finiteness, 0/1 labels, unique ids and labelled users), and agreed on at
// once. Errors name the file, dataset and row, and what would fix them.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "io/h5.h"
#include "src/comm/duplicates.h"
#include "src/base/triplets.h"
#include "src/base/types.h"
#include "src/comm/comm.h"
#include "src/numerics/slices.h"

namespace crossmf {

struct InputInfo {
  std::string path;
  index_t n_users = 0, n_items = 0;
  bool implicit = false;
  count_t nnz = 0, test_nnz = 0, labels = 0;
  bool has_time = false, has_test = false, has_labels = false;
  bool has_item_features = false, has_user_features = false;
  bool has_user_ids = false, has_item_ids = false, has_domains = false;
  std::vector<std::string> domain_names;
  int user_features = 0, item_features = 0;      // columns F and G
  std::vector<std::string> user_feature_names;  // F names (feature_<j> where the file has none)
  std::string fingerprint;  // sizes plus a checksum of a sample of values: identifies the data
};

// The optional tables, read once at the start.
struct SideTables {
  std::vector<std::int32_t> domain;  // every item's domain (-1: none), on every rank; empty without
  std::vector<real> item_features;   // n_items x G, on every rank
  std::vector<real> user_features;   // this rank's rows even_slice(n_users) x F, in file order
  Triplets labels;                   // this rank's slice of /labels (user, 0/1 in value)
};

class InputReader {
 public:
  // Collective: opens the file and checks all its metadata. Throws the same Error on every rank.
  InputReader(const std::string& path, const Comm& comm);
  const InputInfo& info() const { return info_; }
  // Collective: this rank's contiguous slice of /ratings (or /test), validated: implicit strengths
  // must be > 0 (`implicit`: the feedback the run uses; the file's by default). Times only when
  // asked for (and present). A problem is thrown by this rank alone, after the last collective:
  // call it alone in an agreed().
  Triplets read_ratings(bool test, bool with_time = false, std::optional<bool> implicit = std::nullopt) const;
  // Collective: reads and validates every optional table (domains, features, labels, ids), one
  // agreed() each, so a problem found by any rank stops every rank alike (AgreedError).
  SideTables read_side_tables() const;
  // Collective: keys of rows [s.begin, s.end) of /users/id or /items/id (which must exist).
  std::vector<Key128> id_keys(const char* name, Slice s) const;
  // Collective: every rank gets /items/domain, validated.
  std::vector<std::int32_t> read_domains() const;
  h5::File& file() { return file_; }

 private:
  void check_ratings_group(const std::string& group, count_t* nnz, bool* has_time);
  void check_ids(const char* name, index_t n, bool* present);
  void check_side_metadata();
  std::vector<real> read_user_features() const;
  std::vector<real> read_item_features() const;
  Triplets read_labels() const;
  void check_labelled_users_unique(const Triplets& labels) const;
  void check_ids_unique(const char* name, index_t n) const;
  h5::File file_;
  const Comm& comm_;
  InputInfo info_;
};

// Collective. A checksum of the ratings that does not depend on their order or on how they are
// split across ranks (a sum of per-rating hashes), for fingerprints.
std::uint64_t ratings_checksum(const Comm& comm, const Triplets& t);

}  // namespace crossmf
