#include "src/kernels/scoring.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "src/kernels/lanes.h"
#include "src/numerics/dense.h"

namespace crossmf::CROSSMF_LEVEL {

namespace {

// Bit l set where v[l] >= t[l] (false for NaN), in one instruction or two where the level has it.
unsigned at_least(const Lanes& v, const Lanes& t) {
#if defined(__AVX512F__)
  return _mm512_cmp_ps_mask(reinterpret_cast<__m512>(v), reinterpret_cast<__m512>(t), _CMP_GE_OQ);
#elif defined(__AVX__)
  return static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(reinterpret_cast<__m256>(v), reinterpret_cast<__m256>(t), _CMP_GE_OQ)));
#elif defined(__SSE2__)
  return static_cast<unsigned>(_mm_movemask_ps(_mm_cmpge_ps(reinterpret_cast<__m128>(v), reinterpret_cast<__m128>(t))));
#else
  const auto pass = v >= t;
  unsigned mask = 0;
  for (int l = 0; l < kLanes; ++l) mask |= (pass[l] ? 1u : 0u) << l;
  return mask;
#endif
}

}  // namespace

void products(const real* a, index_t rows_a, index_t lda, const real* b, index_t rows_b, index_t ldb, int k, real* s) {
  using Rows = Eigen::Map<const Matrix, 0, Eigen::OuterStride<>>;
  const Rows A(a, rows_a, k, Eigen::OuterStride<>(lda)), B(b, rows_b, k, Eigen::OuterStride<>(ldb));
  Eigen::Map<Matrix> S(s, rows_a, rows_b);
  S.noalias() = A * B.transpose();
}

index_t first_at_or_above(const real* base, const real* terms, real shift, index_t from, index_t n, real threshold) {
  const Lanes t = Lanes{} + threshold, sh = Lanes{} + shift;
  index_t c = from;
  for (; c + kLanes <= n; c += kLanes) {
    // The same arithmetic as the scalar score below, so a lane passes exactly when it does.
    Lanes v = lanes_at(base + c);
    if (terms) v += sh + lanes_at(terms + c);
    if (const unsigned pass = at_least(v, t)) return c + __builtin_ctz(pass);
  }
  for (; c < n; ++c)
    if ((terms ? base[c] + (shift + terms[c]) : base[c]) >= threshold) return c;
  return n;
}

void count_above(const real* s, index_t n, real p, index_t* above, index_t* equal) {
  typedef int Counts __attribute__((vector_size(kLanes * sizeof(int))));
  const Lanes pv = Lanes{} + p;
  Counts a = {}, e = {};  // a comparison is -1 where true
  index_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const Lanes v = lanes_at(s + i);
    a -= v > pv;
    e -= v == pv;
  }
  index_t na = 0, ne = 0;
  for (int l = 0; l < kLanes; ++l) { na += a[l]; ne += e[l]; }
  for (; i < n; ++i) { na += s[i] > p; ne += s[i] == p; }
  *above = na;
  *equal = ne;
}

void dots(const real* x, const real* rows, int width, int k, const index_t* cols, count_t n, real* out) {
  // The rows are scattered over a matrix larger than the caches: each is requested a few
  // products ahead.
  constexpr count_t kAhead = 8;
  for (count_t j = 0; j < n; ++j) {
    if (j + kAhead < n)
      for (int i = 0; i < k; i += kRowPad) __builtin_prefetch(rows + static_cast<std::size_t>(cols[j + kAhead]) * width + i);
    out[j] = lanes_dot(x, rows + static_cast<std::size_t>(cols[j]) * width, k);
  }
}

namespace {

// Columns [i, i + M kLanes) of gather_sum, in registers: two sets of accumulators (even and odd
// rows) so that consecutive rows' adds do not wait on each other.
template <int M>
void gather_lanes(const real* rows, int width, int i, const index_t* cols, count_t n, real* out) {
  constexpr count_t kAhead = 8;
  Lanes even[M] = {}, odd[M] = {};
  auto row = [&](count_t j) { return rows + static_cast<std::size_t>(cols[j]) * width + i; };
  count_t j = 0;
  for (; j + 1 < n; j += 2) {
    if (j + kAhead + 1 < n) {
      __builtin_prefetch(row(j + kAhead));
      __builtin_prefetch(row(j + kAhead + 1));
    }
    const real* r0 = row(j);
    const real* r1 = row(j + 1);
    for (int l = 0; l < M; ++l) {
      even[l] += lanes_at(r0 + l * kLanes);
      odd[l] += lanes_at(r1 + l * kLanes);
    }
  }
  if (j < n)
    for (int l = 0; l < M; ++l) even[l] += lanes_at(row(j) + l * kLanes);
  for (int l = 0; l < M; ++l) lanes_at(out + i + l * kLanes) = even[l] + odd[l];
}

}  // namespace

void gather_sum(const real* rows, int width, const index_t* cols, count_t n, real* out) {
  constexpr int kGroup = 4;  // Lanes a pass: 64 columns in 8 zmm accumulators at v4
  int i = 0;
  for (; i + kGroup * kLanes <= width; i += kGroup * kLanes) gather_lanes<kGroup>(rows, width, i, cols, n, out);
  for (; i + kLanes <= width; i += kLanes) gather_lanes<1>(rows, width, i, cols, n, out);
  for (; i < width; ++i) {  // the same order of adds as the lanes: even rows, odd rows, then both
    real even = 0, odd = 0;
    count_t j = 0;
    for (; j + 1 < n; j += 2) {
      even += rows[static_cast<std::size_t>(cols[j]) * width + i];
      odd += rows[static_cast<std::size_t>(cols[j + 1]) * width + i];
    }
    if (j < n) even += rows[static_cast<std::size_t>(cols[j]) * width + i];
    out[i] = even + odd;
  }
}

}  // namespace crossmf::CROSSMF_LEVEL
