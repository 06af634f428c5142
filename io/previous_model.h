// A trained output read back as the start of a new training (train --init-from): its factors
// and biases, keyed by the external ids of its users and items, so that tomorrow's input, which
// numbers them differently, finds each one.
#pragma once
#include <string>
#include <vector>

#include "src/comm/comm.h"
#include "src/comm/duplicates.h"

namespace crossmf {

struct PreviousModel {
  int k = 0;
  count_t n_users = 0, n_items = 0;
  // Rows of k factors then the bias: this rank's even slice of the users, every item.
  std::vector<Key128> user_keys, item_keys;
  std::vector<real> user_rows, item_rows;
};

// Collective. `option` names the option in messages ("--init-from"). Refuses, with the same
// AgreedError on every rank: a file that is not a crossmf output or is of a newer format
// (Exit::usage), a factor count other than `k` (Exit::usage), an output without /users/id or
// /items/id (Exit::usage: ids are what match rows across inputs), damaged shapes or non-finite
// values (Exit::data).
PreviousModel read_previous_model(const std::string& path, const std::string& option, int k, const Comm& comm);

}  // namespace crossmf
