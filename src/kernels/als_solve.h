// The per-row least-squares solves of alternating least squares, knowing nothing of MPI.
//
// One row (a user, or an item) is solved against the fixed factors of its neighbours, the rows
// of `other` named by `cols`. The neighbours' factor rows form a dense n x d matrix G, read in
// place through a list of their addresses, so the normal equations are built by SYRK/GEMV on G
// rather than one rank-1 update per rating.
//
// Explicit (ALS-WR with biases): factor rows are [f (k), bias]; prediction mu + f_u.f_i + b_u + b_i.
//   minimise sum_j (r_j - mu - b_j - g_j.x)^2 + lambda * n * |x|^2, with g_j = [f_j, 1], x = [f, b].
// Implicit (Hu, Koren, Volinsky 2008): factor rows are f (k), c_j = confidence(r_j),
//   minimise sum_all c (p - x.y)^2 + lambda |x|^2, solved exactly (Cholesky) or by a few
//   conjugate-gradient steps warm-started from the current x, using the Gram matrix G_all = Y^T Y.
#pragma once
#include "src/kernels/kernels.h"
#include "src/kernels/level.h"

namespace crossmf::CROSSMF_LEVEL {

// Explicit: writes [f, bias] (biases) or f into out. The normal equations are built on the k
// factor columns F only (SYRK over the gathered rows, padded to whole Lanes); the bias is then
// eliminated, which leaves the k x k Schur complement F^T F + C - s s^T / (n + c_b) with s the
// column sums of F, so the hot loops never see the odd width k + 1. A Gibbs draw takes the
// factors from that marginal (its Cholesky factor turns normal draws into the noise), then the
// bias given them.
// Solved rows with fewer ratings than unknowns use the push-through identity
// (G^T G + D)^-1 G^T = D^-1 G^T (G D^-1 G^T + I)^-1: an n x n solve.
void solve_explicit_row(const RowProblem& row, const ExplicitRow& how, real* out, AlsWorkspace& ws);

// Implicit, exact: A = gram + sum (c_j - 1) y_j y_j^T + lambda I, b = sum c_j y_j.
void solve_implicit_cholesky(const RowProblem& row, const real* gram, real lambda, real* out, AlsWorkspace& ws);

// Implicit, `steps` CG iterations from the current value of out (warm start). `gram` (k x k)
// must be stored full (both triangles).
void solve_implicit_cg(const RowProblem& row, const real* gram, real lambda, int steps, real* out, AlsWorkspace& ws);

// out (k x k, both triangles) = the sum over `count` rows, `ld` apart, of r r^T (first k values).
void gram(const real* rows, count_t count, int k, int ld, real* out);

}  // namespace crossmf::CROSSMF_LEVEL
