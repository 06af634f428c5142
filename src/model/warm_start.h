// Starting a training from an earlier model (train --init-from): each user and item whose
// external id the earlier model knows starts from its factors and bias there; the others keep
// their usual random start. Ids are matched by a hashed exchange, so no rank holds every user.
#pragma once
#include <span>

#include "src/comm/duplicates.h"
#include "src/model/factors.h"
#include "src/model/partition.h"

namespace crossmf {

// Rows of an earlier model: keys[r] is the id of row r, whose k factors and bias are
// rows[r * (k + 1), ...).
struct KeyedRows {
  std::span<const Key128> keys;
  std::span<const real> rows;
};

struct WarmStarted {
  count_t users = 0, items = 0;  // found in the earlier model, over all ranks
};

// Collective. `users_now`, `items_now`: the ids of this rank's even slices (file order) of the
// input's users and items. `users_then`: any share of the earlier model's users per rank;
// `items_then`: any share of its items. Overwrites the rows of `f` found there (the bias too
// when `f` has biases).
WarmStarted warm_start(const Comm& comm, const Partition& part, std::span<const Key128> users_now,
                       std::span<const Key128> items_now, KeyedRows users_then, KeyedRows items_then, Factors& f);

}  // namespace crossmf
