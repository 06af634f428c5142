#include "src/model/factors.h"

#include <algorithm>

#include "src/kernels/kernels.h"
#include "src/numerics/random.h"

namespace crossmf {

namespace {
void init_rows(Matrix& m, index_t rows, index_t first, const Scatter& sc, int k, int width, std::uint64_t seed) {
  m.setZero(rows, width);
  const real scale = real(1) / std::sqrt(static_cast<real>(k));
  for (index_t r = 0; r < rows; ++r) {
    Rng rng(hash2(seed, static_cast<std::uint64_t>(sc.inverse(first + r))));
    for (int c = 0; c < k; ++c) m(r, c) = static_cast<real>(rng.uniform()) * scale;
  }
}
}  // namespace

void init_factors(const Partition& part, int k, bool biases, std::uint64_t seed, Factors& f) {
  f.k = k;
  f.biases = biases;
  init_rows(f.users, part.local_users, part.user_begin, part.user_scatter, k, f.width(), seed ^ 0x7573657273ULL);
  init_rows(f.items, part.n_items, 0, part.item_scatter, k, f.width(), seed ^ 0x6974656d73ULL);
}

void start_factors(const Comm& comm, const Partition& part, int k, bool biases, std::uint64_t seed, Factors& f) {
  init_factors(part, k, biases, seed, f);
  if (!biases) return;
  double s = 0;
  for (real v : part.by_user.val) s += v;
  f.mu = static_cast<real>(comm.sum(s) / static_cast<double>(std::max<count_t>(part.train_nnz, 1)));
}

void Factors::predict(index_t local_user, const index_t* cols, count_t n, std::vector<real>& out) const {
  out.resize(static_cast<std::size_t>(n));
  const int w = width();
  const real* x = users.data() + static_cast<std::size_t>(local_user) * w;
  kernels().dots(x, items.data(), w, k, cols, n, out.data());
  for (count_t j = 0; j < n; ++j)
    out[j] = mu + out[j] + (biases ? x[k] + items.data()[static_cast<std::size_t>(cols[j]) * w + k] : real(0));
}

}  // namespace crossmf
