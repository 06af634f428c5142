// Reads the input schema (CONTRACT.md): each rank its own contiguous slice of the ratings, read
// collectively, validated row by row. Errors name the file, dataset and row.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "io/h5.h"
#include "src/base/types.h"
#include "src/base/uninitialised.h"
#include "src/comm/comm.h"

namespace crossmf {

// Ratings as parallel arrays: one rank's share, in any order. The columns start uninitialised:
// the read's threads fill them, so they also first touch their pages.
struct Triplets {
  UninitVector<index_t> user, item;
  UninitVector<real> value;
  UninitVector<std::int64_t> time;  // empty when the file has no times
  count_t size() const { return static_cast<count_t>(user.size()); }
};

struct InputInfo {
  std::string path;
  index_t n_users = 0, n_items = 0;
  bool implicit = false;
  count_t nnz = 0, test_nnz = 0;
  bool has_time = false, has_test = false, has_labels = false;
  bool has_item_features = false, has_user_features = false;
  bool has_user_ids = false, has_item_ids = false, has_domains = false;
  std::vector<std::string> domain_names;
  std::string fingerprint;  // sizes plus a checksum of a sample of values: identifies the data
};

class InputReader {
 public:
  // Collective: opens the file and checks its metadata (attributes, shapes, dtypes).
  InputReader(const std::string& path, const Comm& comm);
  const InputInfo& info() const { return info_; }
  // Collective: this rank's contiguous slice of /ratings (or /test), validated; times only when
  // asked for (and present).
  Triplets read_ratings(bool test, bool with_time = false) const;
  // Collective: every rank gets /items/domain (O(n_items), replicated like item factors).
  std::vector<std::int32_t> read_domains() const;
  // Collective: this rank's slice even_slice(n_users) of /users/features (rows x F), and names.
  std::vector<real> read_user_features(int* width, std::vector<std::string>* names) const;
  // Collective: every rank gets /items/features (n_items x G, replicated like item factors).
  std::vector<real> read_item_features(int* width) const;
  // Collective: this rank's slice of /labels (user in .user, 0/1 in .value).
  Triplets read_labels() const;
  h5::File& file() { return file_; }

 private:
  void check_group(const std::string& group, count_t* nnz, bool* has_time);
  h5::File file_;
  const Comm& comm_;
  InputInfo info_;
};

// Collective. A checksum of the ratings that does not depend on their order or on how they are
// split across ranks (a sum of per-rating hashes), for fingerprints.
std::uint64_t ratings_checksum(const Comm& comm, const Triplets& t);

// Rows [begin, end) of `total` rows that rank `rank` of `size` reads.
struct Slice { count_t begin, end; };
Slice even_slice(count_t total, int rank, int size);

}  // namespace crossmf
