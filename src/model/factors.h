// The model: factor rows [f (k), bias] per user and item, plus the global mean.
// User rows live only on their owner rank (scattered order, local); item rows are replicated on
// every rank (scattered order, all items).
#pragma once
#include "src/model/partition.h"
#include "src/numerics/dense.h"
#include "src/numerics/lanes.h"

namespace crossmf {

struct Factors {
  int k = 0;
  bool biases = false;
  int width() const { return k + (biases ? 1 : 0); }
  real mu = 0;     // global mean (explicit with biases), else 0
  Matrix users;    // local_users x width
  Matrix items;    // n_items x width
  real predict(index_t local_user, index_t scattered_item) const {
    const real* x = users.data() + static_cast<std::size_t>(local_user) * width();
    const real* y = items.data() + static_cast<std::size_t>(scattered_item) * width();
    return mu + lanes_dot(x, y, k) + (biases ? x[k] + y[k] : real(0));
  }
};

// Random initial factors from the seed and each row's original id, so the start does not
// depend on the partition. Biases start at 0.
void init_factors(const Partition& part, int k, bool biases, std::uint64_t seed, Factors& f);

}  // namespace crossmf
