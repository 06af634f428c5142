// Lanes: one vector register of floats, of the width of the level being compiled (16 under
// AVX-512, 8 under AVX2, 4 under SSE2 or NEON), so the kernels say what they compute and GCC
// picks the instructions. A vector wider than the level's registers would be split by GCC into
// pieces that go through memory, many times slower than the level's own width.
//
// Compiled once per level only: see src/kernels/level.h.
#pragma once
#include <utility>

#include "src/kernels/kernels.h"
#include "src/kernels/level.h"

namespace crossmf::CROSSMF_LEVEL {

static_assert(sizeof(real) == 4, "Lanes hold single-precision values");
#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX2__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif
static_assert(kRowPad % kLanes == 0, "padded rows hold whole Lanes");

typedef real Lanes __attribute__((vector_size(kLanes * sizeof(real))));
// The same vector at any address: memory is read and written through a reference to this type,
// never through functions taking or returning Lanes by value (their ABI differs between levels).
typedef real LanesAt __attribute__((vector_size(kLanes * sizeof(real)), aligned(alignof(real)), may_alias));

inline const LanesAt& lanes_at(const real* p) { return *reinterpret_cast<const LanesAt*>(p); }
inline LanesAt& lanes_at(real* p) { return *reinterpret_cast<LanesAt*>(p); }

// Lane l of round h of a shuffle tree: in each 2h-lane group, `lo` takes the first h lanes of
// the group from a, then the first h from b (indices past kLanes name b's lanes); `hi` takes the
// second h of each.
constexpr int lo_lane(int h, int l) { return (l % (2 * h) < h ? 0 : kLanes) + l / (2 * h) * (2 * h) + l % h; }
constexpr int hi_lane(int h, int l) { return lo_lane(h, l) + h; }

// One round on a pair: each half of every 2h-lane group holds the sum of the two halves of the
// matching group of a (first half) or of b (second half).
template <int H, int... L>
inline Lanes halve(const Lanes& a, const Lanes& b, std::integer_sequence<int, L...>) {
  return __builtin_shufflevector(a, b, lo_lane(H, L)...) + __builtin_shufflevector(a, b, hi_lane(H, L)...);
}
template <int H>
inline Lanes halve(const Lanes& a, const Lanes& b) {
  return halve<H>(a, b, std::make_integer_sequence<int, kLanes>());
}

// Sum of the lanes by a shuffle tree (log2 kLanes dependent adds, not kLanes - 1).
template <int H = kLanes / 2>
inline real lanes_sum(const Lanes& v) {
  if constexpr (H == 0) return v[0];
  else return lanes_sum<H / 2>(halve<H>(v, v));
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

// out[l] = the sum of the lanes of v[l]: kLanes dot products finished together in log2 kLanes
// rounds of shuffles and adds, where one horizontal sum each would take as many rounds apiece.
// Round h pairs v[i] with v[i + h]. v is destroyed.
template <int H = kLanes / 2>
inline void lane_sums(Lanes (&v)[kLanes], Lanes& out) {
  if constexpr (H == 0) {
    out = v[0];
  } else {
#pragma GCC unroll 16
    for (int i = 0; i < H; ++i) v[i] = halve<H>(v[i], v[i + H]);
    lane_sums<H / 2>(v, out);
  }
}

}  // namespace crossmf::CROSSMF_LEVEL
