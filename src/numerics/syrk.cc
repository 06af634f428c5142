#include "src/numerics/syrk.h"

#include <algorithm>

namespace crossmf {

namespace {

// The vectors as the two callers hold them: evenly spaced (columns of the Cholesky factor, a
// gathered block), or anywhere, through a list of their addresses (neighbour rows read in place).
struct Strided {
  const real* v;
  std::ptrdiff_t stride;
  const real* operator[](std::ptrdiff_t p) const { return v + p * stride; }
  Strided from(std::ptrdiff_t p) const { return {v + p * stride, stride}; }
};
struct Listed {
  const real* const* rows;
  const real* operator[](std::ptrdiff_t p) const { return rows[p]; }
  Listed from(std::ptrdiff_t p) const { return {rows + p}; }
};

// A register tile: R Lanes of rows (r0 ...) by B columns (c0 ...) of C. Per vector, R loads and
// B broadcasts feed R x B fused multiply-adds: with R = 2, B = 8 the 16 accumulators stay in
// registers and the FMA units, not the loads, set the pace.
template <int R, int B, class Vectors>
void tile(Vectors v, std::ptrdiff_t count, int r0, int c0, real* c, int ldc, real sign, bool overwrite) {
  Lanes acc[R][B] = {};
  for (std::ptrdiff_t p = 0; p < count; ++p) {
    const real* vp = v[p];
    Lanes a[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) a[r] = lanes_at(vp + r0 + kLanes * r);
#pragma GCC unroll 8
    for (int b = 0; b < B; ++b) {
      const real s = vp[c0 + b];
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) acc[r][b] += a[r] * s;
    }
  }
#pragma GCC unroll 8
  for (int b = 0; b < B; ++b)
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      LanesAt& out = lanes_at(c + static_cast<std::ptrdiff_t>(c0 + b) * ldc + r0 + kLanes * r);
      out = overwrite ? sign * acc[r][b] : out + sign * acc[r][b];
    }
}

// Vectors per pass: 128 rows of 64 floats (32 KiB) stay in L1 while every tile reads them.
constexpr std::ptrdiff_t kChunk = 128;

template <class Vectors>
void syrk_chunks(Vectors v, std::ptrdiff_t count, int w, real* c, int ldc, real sign, bool overwrite) {
  for (std::ptrdiff_t p0 = 0; p0 < count || (overwrite && p0 == 0); p0 += kChunk) {
    const std::ptrdiff_t m = std::min(kChunk, count - p0);
    const bool set = overwrite && p0 == 0;
    const Vectors vp = v.from(p0);
    for (int c0 = 0; c0 < w; c0 += 8) {
      int r0 = c0 / kLanes * kLanes;  // from the diagonal block down
      for (; r0 + 2 * kLanes <= w; r0 += 2 * kLanes) tile<2, 8>(vp, m, r0, c0, c, ldc, sign, set);
      if (r0 < w) tile<1, 8>(vp, m, r0, c0, c, ldc, sign, set);
    }
  }
}

}  // namespace

void syrk_lower(const real* v, std::ptrdiff_t stride, std::ptrdiff_t count, int w, real* c, int ldc, real sign,
                bool overwrite) {
  syrk_chunks(Strided{v, stride}, count, w, c, ldc, sign, overwrite);
}

void syrk_lower(const real* const* rows, std::ptrdiff_t count, int w, real* c, int ldc, real sign, bool overwrite) {
  syrk_chunks(Listed{rows}, count, w, c, ldc, sign, overwrite);
}

}  // namespace crossmf
