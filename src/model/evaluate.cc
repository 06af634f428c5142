#include "src/model/evaluate.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "src/kernels/kernels.h"
#include "src/model/topn_scan.h"
#include "src/numerics/random.h"
#include "src/numerics/topn.h"

namespace crossmf {

double local_squared_error(const Partition& part, const Factors& f, int threads) {
  double err = 0;
  const Csr& c = part.by_user;
#pragma omp parallel num_threads(threads) reduction(+ : err)
  {
    std::vector<real> p;
#pragma omp for schedule(dynamic, 64)
    for (index_t u = 0; u < c.rows(); ++u) {
      f.predict(u, c.col.data() + c.ptr[u], c.ptr[u + 1] - c.ptr[u], p);
      for (count_t j = c.ptr[u]; j < c.ptr[u + 1]; ++j) {
        const double e = c.val[j] - p[j - c.ptr[u]];
        err += e * e;
      }
    }
  }
  return err;
}

Metrics evaluate_explicit(const Comm& comm, const Partition& part, const Factors& f, int threads, bool train) {
  double sums[5] = {0, 0, 0, 0, 0};  // test sq, test abs, test n, train sq, train n
  const Csr& t = part.test_by_user;
  const Csr& r = part.by_user;
  double sq = 0, ab = 0, tsq = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sq, ab, tsq)
  {
    std::vector<real> p;
#pragma omp for schedule(dynamic, 256)
    for (index_t u = 0; u < part.local_users; ++u) {
      f.predict(u, t.col.data() + t.ptr[u], t.ptr[u + 1] - t.ptr[u], p);
      for (count_t j = t.ptr[u]; j < t.ptr[u + 1]; ++j) {
        const double e = t.val[j] - p[j - t.ptr[u]];
        sq += e * e;
        ab += std::abs(e);
      }
      if (!train) continue;
      f.predict(u, r.col.data() + r.ptr[u], r.ptr[u + 1] - r.ptr[u], p);
      for (count_t j = r.ptr[u]; j < r.ptr[u + 1]; ++j) {
        const double e = r.val[j] - p[j - r.ptr[u]];
        tsq += e * e;
      }
    }
  }
  sums[0] = sq; sums[1] = ab; sums[2] = double(t.nnz()); sums[3] = tsq; sums[4] = train ? double(r.nnz()) : 0;
  comm.sum(std::span<double>(sums, 5));
  Metrics m;
  m.ratings = static_cast<count_t>(sums[2]);
  if (sums[2] > 0) { m.rmse = std::sqrt(sums[0] / sums[2]); m.mae = sums[1] / sums[2]; }
  if (sums[4] > 0) m.train_rmse = std::sqrt(sums[3] / sums[4]);
  return m;
}

namespace {
struct RankSums {
  double precision = 0, recall = 0, ndcg = 0, map = 0, auc = 0, users = 0, auc_users = 0;
};

// Metrics of one user from the scores of all items; train items are excluded. Linear passes
// over the scores instead of sorting them: this runs for every held-out user against every
// item, as often as the top-N scoring itself.
void score_user(const float* scores, index_t n_items, const index_t* train, count_t n_train, const index_t* test,
                count_t n_test, int at_k, TopN& best, std::vector<index_t>& top, std::vector<float>& scratch,
                RankSums& s) {
  // Top at_k of the items not rated in training, best first, ties by lower id, through the
  // vectorised threshold scan of the recommendations; the train list (sorted) is consulted
  // only for the items that could enter.
  best.reset(at_k);
  count_t a = 0;
  scan_above(scores, nullptr, 0, n_items, [&] { return best.threshold(); }, [&](index_t i, real score) {
    while (a < n_train && train[a] < i) ++a;
    if (a == n_train || train[a] != i) best.push(score, i);
  });
  const int k = best.size();
  top.resize(at_k);
  scratch.resize(at_k);
  best.write(top.data(), scratch.data());
  auto is_test = [&](index_t i) { return std::binary_search(test, test + n_test, i); };
  auto is_train = [&](index_t i) { return std::binary_search(train, train + n_train, i); };
  double hits = 0, dcg = 0, ap = 0;
  for (int r = 0; r < k; ++r) {
    if (is_test(top[r])) {
      hits += 1;
      dcg += 1.0 / std::log2(r + 2.0);
      ap += hits / (r + 1.0);
    }
  }
  double idcg = 0;
  for (int r = 0; r < std::min<count_t>(k, n_test); ++r) idcg += 1.0 / std::log2(r + 2.0);
  s.precision += hits / at_k;
  s.recall += hits / n_test;
  s.ndcg += idcg > 0 ? dcg / idcg : 0;
  s.map += ap / std::min<count_t>(at_k, n_test);
  s.users += 1;
  // AUC: share of (positive, negative) pairs ordered correctly, ties counting half. Negatives
  // are the items in neither list. Per positive, count every item above it (and level with it)
  // in one vectorised pass, then take back the train and test items, whose scores are sorted
  // once so that each positive finds its count among them by binary search.
  std::vector<float>& excluded = scratch;
  excluded.clear();
  for (count_t t = 0; t < n_train; ++t) excluded.push_back(scores[train[t]]);
  for (count_t j = 0; j < n_test; ++j)
    if (!is_train(test[j])) excluded.push_back(scores[test[j]]);
  std::sort(excluded.begin(), excluded.end());
  const double negatives = static_cast<double>(n_items - static_cast<count_t>(excluded.size()));
  if (negatives <= 0) return;
  double wrong = 0;
  for (count_t j = 0; j < n_test; ++j) {
    const float p = scores[test[j]];
    index_t above = 0, level = 0;
    kernels().count_above(scores, n_items, p, &above, &level);
    const auto lo = std::lower_bound(excluded.begin(), excluded.end(), p);
    const auto hi = std::upper_bound(lo, excluded.end(), p);
    above -= static_cast<int>(excluded.end() - hi);
    level -= static_cast<int>(hi - lo);
    wrong += static_cast<double>(above) + 0.5 * static_cast<double>(level);
  }
  s.auc += 1.0 - wrong / (negatives * n_test);
  s.auc_users += 1;
}
}  // namespace

Metrics evaluate_ranking(const Comm& comm, const Partition& part, const Factors& f, int at_k, count_t max_users,
                         std::uint64_t seed, int threads) {
  const Csr& t = part.test_by_user;
  const Csr& r = part.by_user;
  // Which users: those with held-out items, sampled by original id when asked.
  const count_t with_test = comm.sum<count_t>([&] {
    count_t n = 0;
    for (index_t u = 0; u < part.local_users; ++u) n += t.ptr[u + 1] > t.ptr[u];
    return n;
  }());
  const double rate = (max_users > 0 && with_test > max_users) ? double(max_users) / double(with_test) : 1.0;
  std::vector<index_t> users;
  for (index_t u = 0; u < part.local_users; ++u) {
    if (t.ptr[u + 1] == t.ptr[u]) continue;
    const index_t original = part.user_scatter.inverse(part.user_begin + u);
    if (rate < 1.0 && to_unit(hash2(seed ^ 0xe7a1ULL, static_cast<std::uint64_t>(original))) >= rate) continue;
    users.push_back(u);
  }
  const index_t n = part.n_items;
  const int k = f.k;
  const index_t batch = static_cast<index_t>(std::clamp<count_t>((count_t{1} << 22) / std::max<index_t>(n, 1), 1, 256));
  const Kernels& K = kernels();
  RankSums total;
#pragma omp parallel num_threads(threads)
  {
    RankSums mine;
    Matrix scores, X;
    TopN best;
    std::vector<index_t> top;
    std::vector<float> scratch;
#pragma omp for schedule(dynamic, 1)
    for (std::size_t b0 = 0; b0 < users.size(); b0 += batch) {
      const index_t nb = static_cast<index_t>(std::min<std::size_t>(batch, users.size() - b0));
      X.resize(nb, k);
      for (index_t j = 0; j < nb; ++j) X.row(j) = f.users.row(users[b0 + j]).head(k);
      scores.resize(nb, n);
      K.products(X.data(), nb, k, f.items.data(), n, f.width(), k, scores.data());  // users x all items
      for (index_t j = 0; j < nb; ++j) {
        const index_t u = users[b0 + j];
        score_user(scores.data() + static_cast<std::size_t>(j) * n, n, r.col.data() + r.ptr[u], r.ptr[u + 1] - r.ptr[u],
                   t.col.data() + t.ptr[u], t.ptr[u + 1] - t.ptr[u], at_k, best, top, scratch, mine);
      }
    }
#pragma omp critical
    {
      total.precision += mine.precision; total.recall += mine.recall; total.ndcg += mine.ndcg;
      total.map += mine.map; total.auc += mine.auc; total.users += mine.users; total.auc_users += mine.auc_users;
    }
  }
  double v[7] = {total.precision, total.recall, total.ndcg, total.map, total.auc, total.users, total.auc_users};
  comm.sum(std::span<double>(v, 7));
  Metrics m;
  m.users = static_cast<count_t>(v[5]);
  m.ratings = comm.sum<count_t>(t.nnz());
  if (v[5] > 0) { m.precision = v[0] / v[5]; m.recall = v[1] / v[5]; m.ndcg = v[2] / v[5]; m.map = v[3] / v[5]; }
  if (v[6] > 0) m.auc = v[4] / v[6];
  return m;
}

}  // namespace crossmf
