// Numeric types, named once for the whole code base.
#pragma once
#include <cstdint>

namespace crossmf {

// Precision of factors, biases and rating values (as Spark, LIBMF and implicit do).
using real = float;
// Global user or item index. 2^31 users or items per data set is the design limit.
using index_t = std::int32_t;
// Counts and offsets over ratings: nnz passes 2^31 on real platforms.
using count_t = std::int64_t;

}  // namespace crossmf
