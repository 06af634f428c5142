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

}  // namespace crossmf::CROSSMF_LEVEL
