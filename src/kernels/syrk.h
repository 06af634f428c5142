// The symmetric rank update C += sign * sum_p v_p v_p^T, lower triangle, on whole Lanes.
//
// It builds every explicit ALS row's normal equations (v_p are the gathered neighbour rows) and
// does the trailing updates of the blocked Cholesky (v_p are columns of the factor), so most of
// the arithmetic of a row solve runs in this one register-tiled loop.
#pragma once
#include <cstddef>

#include "src/kernels/lanes.h"

namespace crossmf::CROSSMF_LEVEL {

// C is w x w, column-major with leading dimension ldc; w is a multiple of kLanes. Vector p is
// v + p * stride (w values). Only the kLanes x kLanes blocks on and below the diagonal are updated, the
// diagonal blocks in full. Rows and stride aligned to 64 bytes run fastest; any alignment works.
// With `overwrite`, those blocks of C are set to the product instead (C need not be initialised).
void syrk_lower(const real* v, std::ptrdiff_t stride, std::ptrdiff_t count, int w, real* c, int ldc, real sign,
                bool overwrite = false);
// The same with vector p at rows[p]: neighbour rows read where they lie, not copied together.
// The rows ahead[0 .. ahead_count) (those the caller adds next) are requested from memory meanwhile,
// spread over the tiles, so that their memory latency hides behind the FMAs.
void syrk_lower(const real* const* rows, std::ptrdiff_t count, int w, real* c, int ldc, real sign,
                bool overwrite = false, const real* const* ahead = nullptr, std::ptrdiff_t ahead_count = 0);

}  // namespace crossmf::CROSSMF_LEVEL
