// Lanes: 16 floats that the kernels treat as one value, so the hot loops say what they compute
// and GCC picks the instructions: one AVX-512 register under -march=native, four SSE registers
// in the portable build.
#pragma once
#include "src/base/types.h"

namespace crossmf {

static_assert(sizeof(real) == 4, "Lanes hold 16 single-precision values");
constexpr int kLanes = 16;

typedef real Lanes __attribute__((vector_size(64)));
// The same vector at any address: memory is read and written through a reference to this type,
// never through functions taking or returning Lanes by value (their ABI differs between builds).
typedef real LanesAt __attribute__((vector_size(64), aligned(alignof(real)), may_alias));

inline const LanesAt& lanes_at(const real* p) { return *reinterpret_cast<const LanesAt*>(p); }
inline LanesAt& lanes_at(real* p) { return *reinterpret_cast<LanesAt*>(p); }

// The smallest multiple of kLanes that holds d: the kernels work on whole Lanes, and the caller
// pads its matrices and vectors to this size.
constexpr int padded(int d) { return (d + kLanes - 1) / kLanes * kLanes; }

// Sum of the 16 lanes by a shuffle tree (four dependent adds, not fifteen).
inline real lanes_sum(const Lanes& v) {
  typedef real Half __attribute__((vector_size(8 * sizeof(real))));
  typedef real Quarter __attribute__((vector_size(4 * sizeof(real))));
  const Half h = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  Quarter q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
  q += __builtin_shufflevector(q, q, 2, 3, 0, 1);
  return q[0] + q[1];
}

// x . y over k floats at any address, for one pair of rows when the next step waits on it (an
// SGD step, a prediction): whole Lanes on two accumulators and a shuffle tree, then a scalar tail.
inline real lanes_dot(const real* x, const real* y, int k) {
  const int kv = k / kLanes * kLanes;
  Lanes d0 = {}, d1 = {};
  int f = 0;
  for (; f + 2 * kLanes <= kv; f += 2 * kLanes) {
    d0 += lanes_at(x + f) * lanes_at(y + f);
    d1 += lanes_at(x + f + kLanes) * lanes_at(y + f + kLanes);
  }
  if (f < kv) d0 += lanes_at(x + f) * lanes_at(y + f);
  d0 += d1;
  real dot = lanes_sum(d0);
  for (f = kv; f < k; ++f) dot += x[f] * y[f];
  return dot;
}

}  // namespace crossmf
