// Dense symmetric positive definite solves of the per-row ALS systems (order ~ k = 64).
#pragma once
#include "src/kernels/lanes.h"

namespace crossmf::CROSSMF_LEVEL {

// Solves A x = b in place (x overwrites b) for a symmetric positive definite A of order d,
// column-major with leading dimension lda >= padded(d), lower triangle used. A is overwritten by
// its Cholesky factor and padded to order padded(d) with the identity, so b needs room for
// padded(d) values. Returns false if A is not positive definite.
//
// Right-looking and blocked by kLanes: each kLanes-column step factors its diagonal block in registers,
// solves the panel below it against that block, and hands the trailing update, which holds most
// of the d^3 / 3 flops, to syrk_lower, so that the flops run from registers, not memory.
bool cholesky_solve(real* a, int lda, real* b, int d);

// After cholesky_solve on `a` (A = L L^T): z := L^-T z, in place. z needs room for padded(d)
// values. With z standard normal, L^-T z is a draw from N(0, A^-1) (a Gibbs step's noise).
void cholesky_upper_solve(const real* a, int lda, real* z, int d);

}  // namespace crossmf::CROSSMF_LEVEL
