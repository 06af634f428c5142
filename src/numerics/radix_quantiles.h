// Exact quantiles of float values spread over many holders, in two passes over the data and two
// fixed-size reductions, without gathering or sorting the values.
//
// Floats map to 32-bit keys in value order. Pass 1 counts the high 16 bits of the keys; once
// those counts are summed over holders, each wanted rank falls in one bucket. Pass 2 counts
// the low 16 bits of the keys inside those buckets only; summed again, they give the exact
// value of each rank. The caller sums coarse() and fine() over holders between the steps
// (this file knows nothing of MPI). NaNs are skipped.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "src/base/types.h"

namespace crossmf {

class RadixQuantiles {
 public:
  // The q-quantile is the value of rank max(1, ceil(q * n)) in increasing order (1-based):
  // q = 0 gives the minimum, q = 1 the maximum, as numpy's 'inverted_cdf'.
  explicit RadixQuantiles(std::vector<double> probabilities);

  void count_coarse(std::span<const float> values);
  std::span<count_t> coarse() { return coarse_; }
  // After coarse() was summed: picks each quantile's bucket. Returns false when there are no values.
  bool choose();
  void count_fine(std::span<const float> values);
  std::span<count_t> fine() { return fine_; }
  // After fine() was summed: the quantiles, in the order of the probabilities.
  std::vector<double> values() const;
  count_t count() const { return n_; }

 private:
  std::vector<double> q_;
  std::vector<count_t> coarse_;          // [65536]
  std::vector<std::uint32_t> bucket_;    // per quantile: its high 16 bits
  std::vector<count_t> rank_in_bucket_;  // per quantile: 1-based rank inside its bucket
  std::vector<count_t> fine_;            // [quantiles * 65536]
  count_t n_ = 0;
};

}  // namespace crossmf
