// The table of one level's kernels: the only symbol of the level that the rest of crossmf sees
// (src/kernels/level.h).
#include "src/kernels/als_solve.h"
#include "src/kernels/cholesky.h"
#include "src/kernels/lanes.h"
#include "src/kernels/scoring.h"
#include "src/kernels/sgd_blocks.h"
#include "src/kernels/syrk.h"

#if defined(__AVX512F__)
#define CROSSMF_VECTORS "AVX-512"
#elif defined(__AVX2__) && defined(__FMA__)
#define CROSSMF_VECTORS "AVX2 + FMA"
#elif defined(__SSE2__)
#define CROSSMF_VECTORS "SSE2"
#elif defined(__ARM_NEON)
#define CROSSMF_VECTORS "NEON"
#else
#define CROSSMF_VECTORS "scalar"
#endif
#define CROSSMF_STRING2(x) #x
#define CROSSMF_STRING(x) CROSSMF_STRING2(x)
#define CROSSMF_PASTE2(a, b) a##b
#define CROSSMF_PASTE(a, b) CROSSMF_PASTE2(a, b)

namespace crossmf::CROSSMF_LEVEL {
namespace {

void syrk_strided(const real* v, std::ptrdiff_t stride, std::ptrdiff_t count, int w, real* c, int ldc, real sign,
                  bool overwrite) {
  syrk_lower(v, stride, count, w, c, ldc, sign, overwrite);
}
void syrk_rows(const real* const* rows, std::ptrdiff_t count, int w, real* c, int ldc, real sign, bool overwrite,
               const real* const* ahead, std::ptrdiff_t ahead_count) {
  syrk_lower(rows, count, w, c, ldc, sign, overwrite, ahead, ahead_count);
}

constexpr Kernels kTable = {
    CROSSMF_STRING(CROSSMF_LEVEL),
    CROSSMF_LEVEL_NAME " (" CROSSMF_VECTORS ")",
    kLanes,
    solve_explicit_row,
    solve_implicit_cholesky,
    solve_implicit_cg,
    gram,
    cholesky_solve,
    syrk_strided,
    syrk_rows,
    sgd_explicit,
    sgd_implicit,
    products,
    first_at_or_above,
    count_above,
    dots,
    gather_sum,
};

}  // namespace
}  // namespace crossmf::CROSSMF_LEVEL

extern "C" const crossmf::Kernels* CROSSMF_PASTE(crossmf_kernels_, CROSSMF_LEVEL)() {
  return &crossmf::CROSSMF_LEVEL::kTable;
}
