// The model: factor rows [f (k), bias] per user and item, plus the global mean.
// User rows live only on their owner rank (scattered order, local); item rows are replicated on
// every rank (scattered order, all items).
#pragma once
#include <vector>

#include "src/model/partition.h"
#include "src/numerics/dense.h"

namespace crossmf {

struct Factors {
  int k = 0;
  bool biases = false;
  int width() const { return k + (biases ? 1 : 0); }
  real mu = 0;     // global mean (explicit with biases), else 0
  Matrix users;    // local_users x width
  Matrix items;    // n_items x width
  // out (resized to n): out[j] = the prediction of local user u for scattered item cols[j],
  // mu + x.y + (biases: x_bias + y_bias).
  void predict(index_t local_user, const index_t* cols, count_t n, std::vector<real>& out) const;
};

// Random initial factors from the seed and each row's original id, so the start does not
// depend on the partition. Biases start at 0.
void init_factors(const Partition& part, int k, bool biases, std::uint64_t seed, Factors& f);

// Collective. init_factors, and with biases mu = the mean of all training ratings: the start of
// every training, and of every candidate of the lambda/alpha search.
void start_factors(const Comm& comm, const Partition& part, int k, bool biases, std::uint64_t seed, Factors& f);

}  // namespace crossmf
