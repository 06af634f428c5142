// External ids (/users/id, /items/id) of a slice of rows, as 128-bit keys that match across
// files however the rows are numbered: integers as they are, strings by two hashes.
#pragma once
#include <string>
#include <vector>

#include "io/h5.h"
#include "src/comm/comm.h"
#include "src/comm/duplicates.h"

namespace crossmf {

struct IdSlice {
  std::vector<Key128> keys;
  std::vector<std::int64_t> integers;
  std::vector<std::string> strings;
  bool is_unsigned = false;
  std::string text(count_t k) const;  // row k as a message shows it
};

// Collective: rows [begin, begin + n) of an id dataset (integer or string, checked by the
// caller). An empty string id fails with Exit::data naming the row; `what` is "user" or "item".
IdSlice read_id_slice(const h5::Dataset& d, count_t begin, count_t n, const char* what);

// Collective: this rank's share of the ids of a text file, one a line (blank lines and lines
// starting with '#' skipped): the lines that start in its even slice of the file's bytes, so no
// rank holds the whole list. Keys of a dataset of `kind`: integers when the ids are integers,
// else strings. Throws the same AgreedError on every rank, naming `option`, the file and the
// line (counted over the whole file): Exit::usage when it cannot be read, Exit::data for a line
// that is not an integer where ids are.
std::vector<Key128> read_id_list(const std::string& path, h5::Kind kind, const std::string& option, const Comm& comm);

}  // namespace crossmf
