#include "src/model/audience.h"

#include "src/kernels/kernels.h"
#include "src/model/topn_scan.h"
#include "src/numerics/random.h"
#include "src/numerics/slices.h"
#include "src/numerics/topn.h"

namespace crossmf {

Audience build_audience(const Comm& comm, const Partition& part, const Factors& f, const std::string& domain_name,
                        int domain_index, const std::vector<std::int32_t>& domain, const std::vector<std::uint8_t>& eligible,
                        int A, double control_fraction, std::uint64_t seed, int threads) {
  const int P = comm.size(), k = f.k;
  Audience out;
  out.domain = domain_name;
  // Products in original id order (the same list on every rank).
  std::vector<index_t> products;
  for (index_t i = 0; i < part.n_items; ++i)
    if (domain[i] == domain_index) products.push_back(i);
  const count_t np = static_cast<count_t>(products.size());
  out.products = np;
  std::vector<index_t> users;
  for (index_t u = 0; u < part.local_users; ++u)
    if (eligible[u]) users.push_back(u);
  // Local top-A per product: tiles of products (per thread) times tiles of users by GEMM.
  constexpr count_t kProductTile = 64;
  constexpr index_t kUserTile = 8192;
  std::vector<TopN> best(np, TopN(A));
  Matrix U(static_cast<Eigen::Index>(users.size()), k);
  std::vector<real> user_bias(users.size(), 0);
  std::vector<index_t> original(users.size());
  for (std::size_t j = 0; j < users.size(); ++j) {
    U.row(j) = f.users.row(users[j]).head(k);
    if (f.biases) user_bias[j] = f.mu + f.users(users[j], k);
    original[j] = part.user_scatter.inverse(part.user_begin + users[j]);
  }
  const index_t nu = static_cast<index_t>(users.size());
  const Kernels& K = kernels();
#pragma omp parallel num_threads(threads)
  {
    Matrix Yp, S;
#pragma omp for schedule(dynamic, 1)
    for (count_t p0 = 0; p0 < np; p0 += kProductTile) {
      const count_t tile = std::min(kProductTile, np - p0);
      Yp.resize(tile, k);
      for (count_t p = 0; p < tile; ++p) Yp.row(p) = f.items.row(part.item_scatter.forward(products[p0 + p])).head(k);
      for (index_t u0 = 0; u0 < nu; u0 += kUserTile) {
        const index_t tu = std::min(kUserTile, nu - u0);
        S.resize(tile, tu);  // products x users
        K.products(Yp.data(), static_cast<index_t>(tile), k, U.data() + static_cast<std::size_t>(u0) * k, tu, k, k, S.data());
        for (count_t p = 0; p < tile; ++p) {
          const real item_bias = f.biases ? f.items(part.item_scatter.forward(products[p0 + p]), k) : real(0);
          TopN& top = best[p0 + p];
          // Only the users that can still enter the product's top-A are looked at one by one.
          scan_above(&S(p, 0), f.biases ? user_bias.data() + u0 : nullptr, item_bias, tu,
                     [&] { return top.threshold(); }, [&](index_t j, real score) { top.push(score, original[u0 + j]); });
        }
      }
    }
  }
  // Candidates to the owner of each product.
  struct Candidate { index_t product; index_t user; real score; };
  std::vector<count_t> counts(P, 0);
  std::vector<Candidate> send;
  std::vector<index_t> ids(A);
  std::vector<real> scores(A);
  for (int r = 0; r < P; ++r) {
    const Slice s = even_slice(np, r, P);
    const std::size_t before = send.size();
    for (count_t p = s.begin; p < s.end; ++p) {
      best[p].write(ids.data(), scores.data());
      for (int j = 0; j < best[p].size(); ++j) send.push_back({static_cast<index_t>(p), ids[j], scores[j]});
    }
    counts[r] = static_cast<count_t>(send.size() - before);
  }
  std::vector<TopN>().swap(best);
  std::vector<Candidate> got = comm.alltoallv<Candidate>(send, counts);
  const Slice mine = even_slice(np, comm.rank(), P);
  out.first = mine.begin;
  const count_t owned = mine.end - mine.begin;
  std::vector<TopN> merged(owned, TopN(A));
  for (const Candidate& c : got) merged[c.product - mine.begin].push(c.score, c.user);
  out.items.resize(owned);
  out.users.resize(static_cast<std::size_t>(owned) * A);
  out.scores.resize(static_cast<std::size_t>(owned) * A);
  for (count_t p = 0; p < owned; ++p) {
    out.items[p] = products[mine.begin + p];
    merged[p].write(out.users.data() + p * A, out.scores.data() + p * A);
  }
  mark_control(out, A, control_fraction, seed);
  return out;
}

void mark_control(Audience& a, int A, double control_fraction, std::uint64_t seed) {
  a.control.assign(a.users.size(), 0);
  for (std::size_t p = 0; p < a.items.size(); ++p)
    for (int j = 0; j < A; ++j) {
      const index_t u = a.users[p * A + j];
      if (u < 0) continue;
      const std::uint64_t h = hash2(seed ^ (static_cast<std::uint64_t>(a.items[p]) << 32), static_cast<std::uint64_t>(u));
      a.control[p * A + j] = to_unit(h) < control_fraction;
    }
}

}  // namespace crossmf
