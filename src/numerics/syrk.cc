#include "src/numerics/syrk.h"

#include <algorithm>
#include <type_traits>

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
//
// While it runs, the rows the caller adds next, ahead[0 .. n) (w floats each), are requested
// from memory, one row every kEvery vectors: the tile is bound by its FMAs, and the requests
// wait on memory meanwhile. Only the 2 x 8 tiles request: the 1 x 16 tile's 16 broadcasts a
// vector keep the load ports busy. (A line every other vector, from a list of lines, slowed the
// tile by 15%: its loop is tight; a row every 4 vectors, bunched into the first tiles, was
// slower than every 8.)
constexpr std::ptrdiff_t kEvery = 8;

template <int R, int B, class Vectors>
void tile(Vectors v, std::ptrdiff_t count, int r0, int c0, real* c, int ldc, real sign, bool overwrite,
          const real* const* ahead, std::ptrdiff_t n, int w) {
  Lanes acc[R][B] = {};
  for (std::ptrdiff_t p = 0, q = 0; p < count; ++q) {
    if (q < n)
      for (int i = 0; i < w; i += kLanes) __builtin_prefetch(ahead[q] + i, 0, 3);
    for (const std::ptrdiff_t end = std::min(count, p + kEvery); p < end; ++p) {
      // Both addresses once per vector, so that the loads differ by constants: left to itself GCC
      // hoists c0 + b for every b into its own register and spills half of them (the empty asm
      // hides where `cols` comes from).
      const real* rows = v[p] + r0;
      const real* cols = v[p] + c0;
      asm("" : "+r"(cols));
      Lanes a[R];
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) a[r] = lanes_at(rows + kLanes * r);
#pragma GCC unroll 16
      for (int b = 0; b < B; ++b) {
        const real s = cols[b];
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) acc[r][b] += a[r] * s;
      }
    }
  }
#pragma GCC unroll 16
  for (int b = 0; b < B; ++b)
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      LanesAt& out = lanes_at(c + static_cast<std::ptrdiff_t>(c0 + b) * ldc + r0 + kLanes * r);
      out = overwrite ? sign * acc[r][b] : out + sign * acc[r][b];
    }
}

// Vectors per pass: 128 rows of 64 floats (32 KiB) stay in L1 while every tile reads them.
constexpr std::ptrdiff_t kChunk = 128;

// Per block column of 16, from the diagonal block down: pairs of row Lanes by 8 columns, and an
// odd last row Lanes by all 16 columns at once (by 8, its 8 accumulators would wait on the
// latency of their FMAs). `each(R, B, r0, c0)` is called per tile.
template <class Each>
void for_each_tile(int w, Each each) {
  for (int c0 = 0; c0 < w; c0 += kLanes) {
    int r0 = c0;
    for (; r0 + 2 * kLanes <= w; r0 += 2 * kLanes) {
      each(std::integral_constant<int, 2>(), std::integral_constant<int, 8>(), r0, c0);
      each(std::integral_constant<int, 2>(), std::integral_constant<int, 8>(), r0, c0 + 8);
    }
    if (r0 < w) each(std::integral_constant<int, 1>(), std::integral_constant<int, 16>(), r0, c0);
  }
}

template <class Vectors>
void syrk_chunks(Vectors v, std::ptrdiff_t count, int w, real* c, int ldc, real sign, bool overwrite,
                 const real* const* ahead, std::ptrdiff_t ahead_count) {
  for (std::ptrdiff_t p0 = 0; p0 < count || (overwrite && p0 == 0); p0 += kChunk) {
    const std::ptrdiff_t m = std::min(kChunk, count - p0);
    const bool set = overwrite && p0 == 0;
    const Vectors vp = v.from(p0);
    for_each_tile(w, [&](auto R, auto B, int r0, int c0) {
      const std::ptrdiff_t n = decltype(R)::value == 2 ? std::min((m + kEvery - 1) / kEvery, ahead_count) : 0;
      tile<decltype(R)::value, decltype(B)::value>(vp, m, r0, c0, c, ldc, sign, set, ahead, n, w);
      ahead += n;
      ahead_count -= n;
    });
  }
}

}  // namespace

void syrk_lower(const real* v, std::ptrdiff_t stride, std::ptrdiff_t count, int w, real* c, int ldc, real sign,
                bool overwrite) {
  syrk_chunks(Strided{v, stride}, count, w, c, ldc, sign, overwrite, nullptr, 0);
}

void syrk_lower(const real* const* rows, std::ptrdiff_t count, int w, real* c, int ldc, real sign, bool overwrite,
                const real* const* ahead, std::ptrdiff_t ahead_count) {
  syrk_chunks(Listed{rows}, count, w, c, ldc, sign, overwrite, ahead, ahead_count);
}

}  // namespace crossmf
