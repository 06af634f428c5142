// A campaign's outcomes as delimited text: rows `user, product, converted[, time]` naming users
// and products by the external ids of a trained output (as import reads text: the delimiter and
// a header line detected, or given). Strict: a malformed row ends the read, naming file and line.
// Where the output's ids are integers, an id is matched by value ("007" is 7).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/id_map.h"
#include "src/base/choices.h"
#include "src/base/types.h"

namespace crossmf {

struct OutcomeRows {
  // The rows whose user and product the output knows, by dense index.
  std::vector<index_t> user, item;
  std::vector<std::uint8_t> converted;
  count_t total = 0;                // data rows read
  count_t unknown_users = 0;        // rows naming a user not in /users/id
  count_t unknown_products = 0;     // (known user) naming a product not in /items/id
  bool header = false, time = false;
  std::string delimiter;
};

// Throws Error(Exit::io) if the file cannot be read and Error(Exit::data) naming file and line
// for: a column count other than 3 or 4, a header whose names are not user, product (or item),
// converted[, time], an empty id, a converted value other than 0 or 1, a time that is not an
// integer, or no rows at all.
OutcomeRows read_outcomes(const std::string& path, DelimiterChoice delimiter, Header header, const IdMap& users,
                          const IdMap& items);

}  // namespace crossmf
