// Ratings as parallel arrays: what io reads and the model partitions.
#pragma once
#include <cstdint>

#include "src/base/types.h"
#include "src/base/uninitialised.h"

namespace crossmf {

// Ratings as parallel arrays: one rank's share, in any order. The columns start uninitialised:
// the read's threads fill them, so they also first touch their pages.
struct Triplets {
  UninitVector<index_t> user, item;
  UninitVector<real> value;
  UninitVector<std::int64_t> time;  // empty when the file has no times
  count_t size() const { return static_cast<count_t>(user.size()); }
};

}  // namespace crossmf
