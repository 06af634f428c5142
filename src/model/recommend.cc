#include "src/model/recommend.h"

#include <algorithm>
#include <limits>

#include "src/base/timer.h"
#include "src/kernels/kernels.h"
#include "src/model/topn_scan.h"
#include "src/numerics/slices.h"
#include "src/numerics/topn.h"

namespace crossmf {

namespace {
// A tile of 256 users x 512 items: near GEMM's peak rate at k = 64, and the 512 KB of scores
// are still in L2 when the selection pass reads them (bench/README.md, code choices).
constexpr index_t kUserTile = 256;
constexpr index_t kItemTile = 512;

// Items in the order they are scored: by domain, then scattered id. Each domain is then one
// run of positions, whose candidates meet one threshold (the lower of "all"'s and the domain
// list's), so the selection pass is one comparison per score with no lookup of the item's domain.
struct ScoringOrder {
  std::vector<index_t> scattered;  // by position
  std::vector<index_t> original;   // by position
  std::vector<index_t> position;   // by scattered id
  struct Run { index_t begin, end; std::int32_t domain; };
  std::vector<Run> runs;           // positions of one domain (-1: none), in increasing order
};

ScoringOrder scoring_order(const Partition& part, const std::vector<std::int32_t>& dom) {
  const index_t n = part.n_items;
  ScoringOrder o;
  o.scattered.resize(n);
  for (index_t s = 0; s < n; ++s) o.scattered[s] = s;
  std::stable_sort(o.scattered.begin(), o.scattered.end(), [&](index_t a, index_t b) { return dom[a] < dom[b]; });
  o.original.resize(n);
  o.position.resize(n);
  for (index_t p = 0; p < n; ++p) {
    o.original[p] = part.item_scatter.inverse(o.scattered[p]);
    o.position[o.scattered[p]] = p;
    if (p == 0 || dom[o.scattered[p]] != o.runs.back().domain) o.runs.push_back({p, p, dom[o.scattered[p]]});
    o.runs.back().end = p + 1;
  }
  return o;
}

// The items each user of a tile has rated (in training or held out), as (row in the tile,
// position) pairs bucketed by tile of items: they are masked out of each tile's scores right
// after its GEMM, so the selection never looks a candidate up. A counting sort: no comparisons.
struct RatedByItemTile {
  struct Cell { index_t row, position; };
  std::vector<Cell> cells;
  std::vector<std::size_t> begin;  // per tile of items, and one past the last
  void build(const Csr& train, const Csr& test, const std::vector<index_t>& position, index_t u0, index_t nu,
             index_t item_tiles) {
    begin.assign(item_tiles + 1, 0);
    auto each = [&](auto f) {
      for (index_t j = 0; j < nu; ++j)
        for (const Csr* c : {&train, &test})
          for (count_t r = c->ptr[u0 + j]; r < c->ptr[u0 + j + 1]; ++r) f(j, position[c->col[r]]);
    };
    each([&](index_t, index_t p) { ++begin[p / kItemTile + 1]; });
    for (index_t t = 0; t < item_tiles; ++t) begin[t + 1] += begin[t];
    cells.resize(begin[item_tiles]);
    std::vector<std::size_t> at(begin.begin(), begin.end() - 1);
    each([&](index_t j, index_t p) { cells[at[p / kItemTile]++] = {j, p}; });
  }
};
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
  std::vector<std::int32_t> dom(n, -1);
  if (!domain.empty())
    for (index_t s = 0; s < n; ++s) dom[s] = domain[part.item_scatter.inverse(s)];
  const ScoringOrder order = scoring_order(part, dom);
  // By position: the item factors, the item's own terms of the score (explicit: mu + item
  // bias) and, for users with no ratings, its popularity.
  Matrix items(n, k);
  std::vector<real> item_term(n, 0), pop(n);
  for (index_t p = 0; p < n; ++p) {
    const index_t s = order.scattered[p];
    items.row(p) = f.items.row(s).head(k);
    if (f.biases) item_term[p] = f.mu + f.items(s, k);
    pop[p] = static_cast<real>(popularity[s]);
  }
  const Csr& tr = part.by_user;
  const Csr& te = part.test_by_user;
  const index_t item_tiles = (n + kItemTile - 1) / kItemTile;
  const Kernels& K = kernels();
  double flops = 0;
#pragma omp parallel num_threads(threads) reduction(+ : flops)
  {
    Matrix X, S;
    std::vector<TopN> heaps(static_cast<std::size_t>(kUserTile) * L, TopN(top_n));
    RatedByItemTile rated;
#pragma omp for schedule(dynamic, 1)
    for (index_t u0 = 0; u0 < m; u0 += kUserTile) {
      const index_t nu = std::min(kUserTile, m - u0);
      rated.build(tr, te, order.position, u0, nu, item_tiles);
      X.resize(nu, k);
      for (index_t j = 0; j < nu; ++j) {
        X.row(j) = f.users.row(u0 + j).head(k);
        for (int l = 0; l < L; ++l) heaps[j * L + l].reset(top_n);
      }
      for (index_t i0 = 0; i0 < n; i0 += kItemTile) {
        const index_t ni = std::min(kItemTile, n - i0);
        S.resize(nu, ni);
        K.products(X.data(), nu, k, items.data() + static_cast<std::size_t>(i0) * k, ni, k, k, S.data());
        flops += 2.0 * nu * ni * k;
        // Users without ratings get the most popular items: their scores are the popularity.
        for (index_t j = 0; j < nu; ++j)
          if (tr.ptr[u0 + j + 1] == tr.ptr[u0 + j]) std::copy_n(pop.data() + i0, ni, &S(j, 0));
        for (std::size_t r = rated.begin[i0 / kItemTile]; r < rated.begin[i0 / kItemTile + 1]; ++r)
          S(rated.cells[r].row, rated.cells[r].position - i0) = std::numeric_limits<real>::quiet_NaN();
        for (index_t j = 0; j < nu; ++j) {
          const index_t u = u0 + j;
          const bool cold = tr.ptr[u + 1] == tr.ptr[u];
          const bool gated = !withhold.empty() && withhold[u];
          const real user_term = f.biases ? f.users(u, k) : real(0);
          const real* row = S.data() + static_cast<std::size_t>(j) * ni;
          const real* terms = cold ? nullptr : item_term.data() + i0;
          TopN& all = heaps[j * L];
          for (const auto& run : order.runs) {
            const index_t b = std::max(run.begin, i0) - i0, e = std::min(run.end, i0 + ni) - i0;
            if (b >= e || (gated && run.domain >= 0 && gated_domain[run.domain])) continue;
            TopN* list = run.domain >= 0 ? &heaps[j * L + 1 + run.domain] : nullptr;
            auto threshold = [&] { return list ? std::min(all.threshold(), list->threshold()) : all.threshold(); };
            auto keep = [&](index_t c, real score) {
              all.push(score, order.original[i0 + b + c]);
              if (list) list->push(score, order.original[i0 + b + c]);
            };
            scan_above(row + b, terms ? terms + b : nullptr, user_term, e - b, threshold, keep);
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
  const Kernels& K = kernels();
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
        S.resize(nr, ni);
        K.products(Q.data(), nr, k, unit.data() + static_cast<std::size_t>(i0) * k, ni, k, k, S.data());
        for (index_t j = 0; j < nr; ++j) {
          const index_t self = static_cast<index_t>(mine.begin + r0 + j);
          const real* row = S.data() + static_cast<std::size_t>(j) * ni;
          scan_above(row, nullptr, 0, ni, [&] { return heaps[j].threshold(); },
                     [&](index_t c, real score) {
                       if (original[i0 + c] != self) heaps[j].push(score, original[i0 + c]);
                     });
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
