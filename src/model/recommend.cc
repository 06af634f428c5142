#include "src/model/recommend.h"

#include "src/base/timer.h"
#include "src/numerics/topn.h"

namespace crossmf {

namespace {
constexpr index_t kUserTile = 64;
constexpr index_t kItemTile = 4096;
}  // namespace

std::vector<count_t> item_popularity(const Comm& comm, const Partition& part) {
  std::vector<count_t> pop(part.n_items, 0);
  for (index_t i = 0; i < part.local_items; ++i)
    pop[part.item_begin + i] = part.by_item.ptr[i + 1] - part.by_item.ptr[i];
  comm.sum(std::span<count_t>(pop));
  return pop;
}

Recommendations recommend(const Partition& part, const Factors& f, int top_n, const std::vector<std::int32_t>& domain,
                          const std::vector<std::string>& domain_names, const std::vector<count_t>& popularity,
                          const std::vector<std::uint8_t>& withhold, const std::vector<bool>& gated_domain, int threads) {
  Stopwatch watch;
  Recommendations rec;
  rec.n = top_n;
  rec.lists.push_back("all");
  for (const auto& d : domain_names) rec.lists.push_back(d);
  const int L = static_cast<int>(rec.lists.size());
  const index_t m = part.local_users, n = part.n_items;
  const int k = f.k;
  for (int l = 0; l < L; ++l) {
    rec.items.emplace_back(static_cast<std::size_t>(m) * top_n);
    rec.scores.emplace_back(static_cast<std::size_t>(m) * top_n);
  }
  rec.fallback.assign(m, 0);
  // Per scattered item: original id, domain, and (explicit) the item's own bias term.
  std::vector<index_t> original(n);
  std::vector<std::int32_t> dom(n, -1);
  for (index_t s = 0; s < n; ++s) {
    original[s] = part.item_scatter.inverse(s);
    if (!domain.empty()) dom[s] = domain[original[s]];
  }
  const Csr& tr = part.by_user;
  const Csr& te = part.test_by_user;
  // The item's own terms of the score (explicit: mu + item bias), by scattered id.
  std::vector<real> item_term(n, 0);
  if (f.biases)
    for (index_t s = 0; s < n; ++s) item_term[s] = f.mu + f.items(s, k);
  // Is scattered item s in row u of c? Candidates come in increasing s, so a pointer per user
  // that only moves forward answers in amortised O(1).
  auto rated = [](const Csr& c, index_t u, index_t s, count_t& at) {
    while (at < c.ptr[u + 1] && c.col[at] < s) ++at;
    return at < c.ptr[u + 1] && c.col[at] == s;
  };
  double flops = 0;
#pragma omp parallel num_threads(threads) reduction(+ : flops)
  {
    Matrix X, S;
    std::vector<TopN> heaps(static_cast<std::size_t>(kUserTile) * L, TopN(top_n));
    std::vector<index_t> passed(kItemTile);
    std::vector<real> entry(L);  // per domain + 1: the score an item needs to enter a list
    std::vector<count_t> at_train(kUserTile), at_test(kUserTile);
#pragma omp for schedule(dynamic, 1)
    for (index_t u0 = 0; u0 < m; u0 += kUserTile) {
      const index_t nu = std::min(kUserTile, m - u0);
      X.resize(nu, k);
      for (index_t j = 0; j < nu; ++j) {
        X.row(j) = f.users.row(u0 + j).head(k);
        at_train[j] = tr.ptr[u0 + j];
        at_test[j] = te.ptr[u0 + j];
        for (int l = 0; l < L; ++l) heaps[j * L + l].reset(top_n);
      }
      for (index_t i0 = 0; i0 < n; i0 += kItemTile) {
        const index_t ni = std::min(kItemTile, n - i0);
        S.noalias() = X * f.items.block(i0, 0, ni, k).transpose();
        flops += 2.0 * nu * ni * k;
        for (index_t j = 0; j < nu; ++j) {
          const index_t u = u0 + j;
          const bool cold = tr.ptr[u + 1] == tr.ptr[u];
          const bool gated = !withhold.empty() && withhold[u];
          const real user_term = f.biases ? f.users(u, k) : real(0);
          real* row = S.data() + static_cast<std::size_t>(j) * ni;
          if (cold) {
            for (index_t c = 0; c < ni; ++c) row[c] = static_cast<real>(popularity[i0 + c]);
          } else {
            const real* terms = item_term.data() + i0;
#pragma omp simd
            for (index_t c = 0; c < ni; ++c) row[c] += user_term + terms[c];
          }
          // Most items cannot enter either list they belong to ("all" and their domain's): one
          // comparison against the lower of those two thresholds rejects them before the
          // exclusion lookups.
          const real all = heaps[j * L].threshold();
          entry[0] = all;  // items without a domain
          for (int l = 1; l < L; ++l) entry[l] = std::min(all, heaps[j * L + l].threshold());
          index_t count = 0;
          for (index_t c = 0; c < ni; ++c) {
            passed[count] = c;
            count += row[c] >= entry[dom[i0 + c] + 1];
          }
          for (index_t q = 0; q < count; ++q) {
            const index_t s = i0 + passed[q];
            if (rated(tr, u, s, at_train[j]) || rated(te, u, s, at_test[j])) continue;
            if (gated && dom[s] >= 0 && gated_domain[dom[s]]) continue;
            const real score = row[passed[q]];
            heaps[j * L].push(score, original[s]);
            if (dom[s] >= 0) heaps[j * L + 1 + dom[s]].push(score, original[s]);
          }
        }
      }
      for (index_t j = 0; j < nu; ++j) {
        const index_t u = u0 + j;
        rec.fallback[u] = tr.ptr[u + 1] == tr.ptr[u];
        for (int l = 0; l < L; ++l)
          heaps[j * L + l].write(rec.items[l].data() + static_cast<std::size_t>(u) * top_n,
                                 rec.scores[l].data() + static_cast<std::size_t>(u) * top_n);
      }
    }
  }
  rec.flops = flops;
  rec.seconds = watch.seconds();
  return rec;
}

SimilarItems similar_items(const Comm& comm, const Partition& part, const Factors& f, int top_n, int threads) {
  const index_t n = part.n_items;
  const int k = f.k;
  // Unit-length factor rows (zero rows stay zero).
  Matrix unit = f.items.leftCols(k);
  for (index_t s = 0; s < n; ++s) {
    const real norm = unit.row(s).norm();
    if (norm > 0) unit.row(s) /= norm;
  }
  const Slice mine = even_slice(n, comm.rank(), comm.size());
  const index_t rows = static_cast<index_t>(mine.end - mine.begin);
  SimilarItems out;
  out.items.resize(static_cast<std::size_t>(rows) * top_n);
  out.scores.resize(static_cast<std::size_t>(rows) * top_n);
  std::vector<index_t> original(n);
  for (index_t s = 0; s < n; ++s) original[s] = part.item_scatter.inverse(s);
#pragma omp parallel num_threads(threads)
  {
    Matrix Q, S;
    std::vector<TopN> heaps(kUserTile, TopN(top_n));
#pragma omp for schedule(dynamic, 1)
    for (index_t r0 = 0; r0 < rows; r0 += kUserTile) {
      const index_t nr = std::min(kUserTile, rows - r0);
      Q.resize(nr, k);
      for (index_t j = 0; j < nr; ++j) {
        Q.row(j) = unit.row(part.item_scatter.forward(static_cast<index_t>(mine.begin + r0 + j)));
        heaps[j].reset(top_n);
      }
      for (index_t i0 = 0; i0 < n; i0 += kItemTile) {
        const index_t ni = std::min(kItemTile, n - i0);
        S.noalias() = Q * unit.middleRows(i0, ni).transpose();
        for (index_t j = 0; j < nr; ++j) {
          const index_t self = static_cast<index_t>(mine.begin + r0 + j);
          for (index_t c = 0; c < ni; ++c)
            if (original[i0 + c] != self) heaps[j].push(S(j, c), original[i0 + c]);
        }
      }
      for (index_t j = 0; j < nr; ++j)
        heaps[j].write(out.items.data() + static_cast<std::size_t>(r0 + j) * top_n,
                       out.scores.data() + static_cast<std::size_t>(r0 + j) * top_n);
    }
  }
  return out;
}

}  // namespace crossmf
