#include "src/kernels/syrk.h"

#include <algorithm>
#include <type_traits>

namespace crossmf::CROSSMF_LEVEL {

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
// B broadcasts feed R x B multiply-adds; the shapes below keep the accumulators, the loaded rows
// and a broadcast within the level's registers (32 under AVX-512, 16 under AVX2 and SSE), so
// the arithmetic units, not the loads or spills, set the pace.
//   AVX-512: 2 x 8 (16 accumulators), and 1 x 16 for an odd last Lanes of rows (by 8, its 8
//            accumulators would wait on the latency of their FMAs);
//   AVX2:    2 x 4 (8 of 16 ymm registers), odd rows 1 x 8;
//   SSE2:    2 x 4 (8 of 16 xmm, with room for the products: SSE2 has no FMA), odd rows 1 x 4.
#if defined(__AVX512F__)
constexpr int kTileRows = 2, kTileCols = 8, kOddCols = 16;
#elif defined(__AVX2__)
constexpr int kTileRows = 3, kTileCols = 4, kOddCols = kLanes;
#else
constexpr int kTileRows = 2, kTileCols = 4, kOddCols = kLanes;
#endif
static_assert(kLanes % kTileCols == 0 && kLanes % kOddCols == 0, "tiles cover a block column");

// While it runs, the rows the caller adds next, ahead[0 .. n) (w floats each), are requested
// from memory, one row every kEvery vectors: the tile is bound by its arithmetic, and the
// requests wait on memory meanwhile. Only the main tiles request: the odd tile's broadcasts
// keep the load ports busy.
constexpr std::ptrdiff_t kEvery = 8;

template <int R, int B, class Vectors>
void tile(Vectors v, std::ptrdiff_t count, int r0, int c0, real* c, int ldc, real sign, bool overwrite,
          const real* const* ahead, std::ptrdiff_t n, int w) {
  Lanes acc[R][B] = {};
  for (std::ptrdiff_t p = 0, q = 0; p < count; ++q) {
    if (q < n)
      for (int i = 0; i < w; i += kRowPad) __builtin_prefetch(ahead[q] + i, 0, 3);  // a line each
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

// Per block column of kLanes, from the diagonal block down: kTileRows Lanes of rows by kTileCols
// columns, and an odd last Lanes of rows by kOddCols. `each(R, B, r0, c0)` is called per tile.
template <class Each>
void for_each_tile(int w, Each each) {
  using Rows = std::integral_constant<int, kTileRows>;
  using Cols = std::integral_constant<int, kTileCols>;
  for (int c0 = 0; c0 < w; c0 += kLanes) {
    int r0 = c0;
    for (; r0 + kTileRows * kLanes <= w; r0 += kTileRows * kLanes)
      for (int b = 0; b < kLanes; b += kTileCols) each(Rows(), Cols(), r0, c0 + b);
    if (kTileRows > 2 && r0 + 2 * kLanes <= w) {
      for (int b = 0; b < kLanes; b += kTileCols) each(std::integral_constant<int, 2>(), Cols(), r0, c0 + b);
      r0 += 2 * kLanes;
    }
    for (; r0 < w; r0 += kLanes)
      for (int b = 0; b < kLanes; b += kOddCols)
        each(std::integral_constant<int, 1>(), std::integral_constant<int, kOddCols>(), r0, c0 + b);
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
      const std::ptrdiff_t n = decltype(R)::value == kTileRows ? std::min((m + kEvery - 1) / kEvery, ahead_count) : 0;
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

}  // namespace crossmf::CROSSMF_LEVEL
