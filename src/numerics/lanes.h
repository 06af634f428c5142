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

typedef int LaneIndex __attribute__((vector_size(64)));

// out[l] = the sum of the lanes of v[l]: sixteen dot products finished together in four rounds
// of two shuffles and an add, where one horizontal sum each would take four rounds apiece.
// Round h pairs v[i] with v[i + h] and keeps, in each half of every 2h-lane group, the sum of
// the two halves of the matching group of one of them. v is destroyed.
inline void lane_sums(Lanes (&v)[kLanes], Lanes& out) {
  static const LaneIndex lo8 = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23};
  static const LaneIndex hi8 = {8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31};
  static const LaneIndex lo4 = {0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27};
  static const LaneIndex hi4 = {4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31};
  static const LaneIndex lo2 = {0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29};
  static const LaneIndex hi2 = {2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31};
  static const LaneIndex lo1 = {0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30};
  static const LaneIndex hi1 = {1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31};
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) v[i] = __builtin_shuffle(v[i], v[i + 8], lo8) + __builtin_shuffle(v[i], v[i + 8], hi8);
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) v[i] = __builtin_shuffle(v[i], v[i + 4], lo4) + __builtin_shuffle(v[i], v[i + 4], hi4);
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i) v[i] = __builtin_shuffle(v[i], v[i + 2], lo2) + __builtin_shuffle(v[i], v[i + 2], hi2);
  out = __builtin_shuffle(v[0], v[1], lo1) + __builtin_shuffle(v[0], v[1], hi1);
}

}  // namespace crossmf
