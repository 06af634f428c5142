// The numerical kernels: the hot loops of ALS, SGD, scoring and evaluation, compiled once per
// x86-64 level into one binary (baseline SSE2, x86-64-v3 AVX2 + FMA, x86-64-v4 AVX-512); the
// best level this CPU has is chosen once, at start, and CROSSMF_ISA=auto|v4|v3|baseline caps it.
//
// This header is the whole interface and is safe to include from code compiled for any CPU: it
// holds no vector types, and the structs it passes hold plain pointers and scalars, so every
// level and the baseline code agree on their layout. Everything else in src/kernels/ is
// compiled once per level and included only there (src/kernels/level.h says why).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "src/base/types.h"

namespace crossmf {

// Factor rows as the kernels read them: zero-padded to a whole number of 16 floats (64 bytes,
// the widest vector of any level), so every level reads whole vectors and no row straddles a
// cache line more than it must.
constexpr int kRowPad = 16;
constexpr int padded(int d) { return (d + kRowPad - 1) / kRowPad * kRowPad; }

// Memory on 64-byte boundaries, for the workspaces the kernels fill.
template <class T>
struct CacheAligned {
  using value_type = T;
  CacheAligned() = default;
  template <class U>
  CacheAligned(const CacheAligned<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t{64}); }
  template <class U>
  bool operator==(const CacheAligned<U>&) const { return true; }
};

// One row (a user or an item) of an ALS half-step: solved against the fixed factors of its
// neighbours, the rows of `other` named by `cols`.
struct RowProblem {
  // Neighbours' factor rows, padded(k) floats apart, zero past k. On 64-byte boundaries they
  // are read fastest: no vector load straddles two lines.
  const real* other;
  int k;               // latent factors
  const index_t* cols; // neighbours of this row
  const real* values;  // ratings (explicit) or confidences c_j (implicit)
  count_t n;           // number of neighbours
  const real* bias = nullptr;  // explicit with biases: the neighbours' biases, bias[cols[j]]
  // cols[n .. n + ahead) name the neighbours of the rows this thread solves next (cols and
  // values must be readable that far): their rows are requested from memory while this row's
  // arithmetic runs, and are never part of its solve.
  count_t ahead = 0;
};

// Scratch space reused across rows by one thread; it only grows.
struct AlsWorkspace {
  using Buffer = std::vector<real, CacheAligned<real>>;
  Buffer block, normal, rhs, sums, t, x, r, p, ap, zero;
  std::vector<const real*> rows;   // the neighbours' rows
  std::vector<const real*> ahead;  // rows to request early
  // The explicit SYRK has requested the rows of neighbours [0, requested) of the row being
  // gathered; after it, of the row whose neighbours follow at next_cols, which the gather
  // then need not request again.
  count_t requested = 0;
  const index_t* next_cols = nullptr;
  // Time in the arithmetic of the solves (normal equations, Cholesky, CG steps), not in
  // gathering the neighbours, in ticks() (src/base/timer.h), over the rows this thread solved.
  std::uint64_t arithmetic_ticks = 0;
};

// How one explicit row is regularised, and for Gibbs sampling drawn. The unknowns are the row's
// k factors, then its bias when `biases`; the normal equations are those of
//   minimise sum_j (r_j - mu - b_j - g_j.x)^2 + sum_i c_i (x_i - m_i)^2,
// with c the precisions and m the prior means (zero unless given).
struct ExplicitRow {
  bool biases = true;
  real mu = 0;          // global mean
  real factor_reg = 0;  // c_i of the factors (ALS: lambda n^nu)
  real bias_reg = 0;    // c of the bias
  // Gibbs sampling: per-unknown precisions and means replacing the two above (k + 1 values, the
  // bias last), and k + 1 standard normal draws: the row is drawn from N(solution, (A / draw_scale^2)^-1)
  // for the normal matrix A, instead of set to the solution.
  const real* precision = nullptr;
  const real* mean = nullptr;
  const real* draw = nullptr;
  real draw_scale = 0;
};

// One SGD rating.
struct SgdRating {
  index_t user;
  index_t item;
  real value;
};

// A run of SGD steps over ratings[from, to) of one block, sorted by user. Factor rows are
// [f (k), bias], `width` floats apart; each row keeps the running mean of its squared
// gradients (AdaGrad, as LIBMF) and steps eta / sqrt(that mean).
struct SgdBlock {
  const SgdRating* ratings;
  std::size_t from, to;
  real* users;
  real* items;
  int k, width;
  real* user_sums;
  real* item_sums;
  bool biases;
  real mu, lambda, eta;
};

// Implicit SGD: each positive is followed by `negatives` sampled items of the block's item
// range [item_lo, item_lo + item_span) that the user has not rated (by_user_ptr/col: the
// user's rated items, sorted), drawn from Rng(seed). BPR, or a weighted squared loss (wsl:
// target 1 with confidence 1 + alpha r for a positive, target 0 with weight 1 for a negative).
struct SgdImplicit {
  bool wsl;
  double alpha;
  int negatives;
  index_t item_lo, item_span;
  const count_t* by_user_ptr;
  const index_t* by_user_col;
  std::uint64_t seed;
};

struct Kernels {
  const char* level;        // what CROSSMF_ISA names: "v4", "v3", "baseline", or "native"
  const char* description;  // for logs and output attributes, e.g. "x86-64-v4 (AVX-512)"
  int lanes;                // floats per vector: also the block size of syrk_lower and cholesky_solve

  // ALS rows (src/kernels/als_solve.h). Explicit with biases writes [f, bias], else f.
  void (*solve_explicit_row)(const RowProblem& row, const ExplicitRow& how, real* out, AlsWorkspace& ws);
  // Implicit, exact or by `steps` CG steps warm-started from out. gram: k x k, both triangles.
  void (*solve_implicit_cholesky)(const RowProblem& row, const real* gram, real lambda, real* out, AlsWorkspace& ws);
  void (*solve_implicit_cg)(const RowProblem& row, const real* gram, real lambda, int steps, real* out, AlsWorkspace& ws);
  // out (k x k, both triangles) = sum over the rows r of r[0..k) r[0..k)^T; rows `ld` apart.
  void (*gram)(const real* rows, count_t count, int k, int ld, real* out);
  // The dense building blocks of the row solves (src/kernels/cholesky.h, syrk.h), for tests.
  bool (*cholesky_solve)(real* a, int lda, real* b, int d);
  void (*syrk_lower)(const real* v, std::ptrdiff_t stride, std::ptrdiff_t count, int w, real* c, int ldc, real sign,
                     bool overwrite);
  void (*syrk_rows)(const real* const* rows, std::ptrdiff_t count, int w, real* c, int ldc, real sign, bool overwrite,
                    const real* const* ahead, std::ptrdiff_t ahead_count);

  // SGD over one block (src/kernels/sgd_blocks.h): the summed loss before each step.
  double (*sgd_explicit)(const SgdBlock& block);
  double (*sgd_implicit)(const SgdBlock& block, const SgdImplicit& sampling, count_t* updates);

  // Scoring (src/kernels/scoring.h). s (rows_a x rows_b, row-major) = A B^T over k columns;
  // A's rows lda apart, B's ldb apart.
  void (*products)(const real* a, index_t rows_a, index_t lda, const real* b, index_t rows_b, index_t ldb, int k,
                   real* s);
  // The first c in [from, n) whose score base[c] + (shift + terms[c]) (base[c] when terms is
  // null) is >= threshold, or n. NaN never is.
  index_t (*first_at_or_above)(const real* base, const real* terms, real shift, index_t from, index_t n,
                               real threshold);
  // How many of s[0, n) are > p, and how many == p.
  void (*count_above)(const real* s, index_t n, real p, index_t* above, index_t* level);
  // out[j] = x . rows[cols[j]] over k values, for j < n; rows `width` apart.
  void (*dots)(const real* x, const real* rows, int width, int k, const index_t* cols, count_t n, real* out);
  // out[0, width) = the sum over j < n of rows[cols[j]]; rows `width` apart (BMF's rated
  // priors). The same sums at every level.
  void (*gather_sum)(const real* rows, int width, const index_t* cols, count_t n, real* out);
};

// The kernels in use: chosen at the first call from the CPU and CROSSMF_ISA. Throws Error
// (Exit::usage) when CROSSMF_ISA names an unknown level or one this CPU or build lacks; main
// calls it before any work so that this error ends the job cleanly on every rank.
const Kernels& kernels();
// The kernels of one level if this build has them and this CPU runs them, else nullptr
// (tests run every level the machine has).
const Kernels* kernels_at(const std::string& level);
// Every level this build has, best first, whether or not this CPU runs it.
std::vector<std::string> kernel_levels();

}  // namespace crossmf
