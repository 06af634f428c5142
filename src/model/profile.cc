#include "src/model/profile.h"

#include <cmath>
#include <limits>

#include "src/numerics/random.h"
#include "src/numerics/topn.h"

namespace crossmf {

Behaviour behaviour(const Partition& part, const std::vector<std::int32_t>& domain, int n_domains) {
  Behaviour b;
  const index_t m = part.local_users;
  b.domains = domain.empty() ? 0 : n_domains;
  b.activity.assign(m, 0);
  b.mean_rating.assign(m, std::numeric_limits<real>::quiet_NaN());
  b.domain_share.assign(static_cast<std::size_t>(m) * b.domains, 0);
  for (index_t u = 0; u < m; ++u) {
    double sum = 0;
    count_t n = 0;
    for (const Csr* c : {&part.by_user, &part.test_by_user})
      for (count_t j = c->ptr[u]; j < c->ptr[u + 1]; ++j) {
        sum += c->val[j];
        ++n;
        if (b.domains) {
          const std::int32_t d = domain[part.item_scatter.inverse(c->col[j])];
          if (d >= 0) b.domain_share[static_cast<std::size_t>(u) * b.domains + d] += 1;
        }
      }
    b.activity[u] = static_cast<std::int32_t>(n);
    if (n > 0) {
      b.mean_rating[u] = static_cast<real>(sum / n);
      for (int d = 0; d < b.domains; ++d) b.domain_share[static_cast<std::size_t>(u) * b.domains + d] /= static_cast<real>(n);
    }
  }
  return b;
}

namespace {
// Nearest centroid and its squared distance.
std::pair<int, real> nearest(const real* x, const Matrix& C, int k) {
  int best = 0;
  real dist = std::numeric_limits<real>::infinity();
  for (int s = 0; s < C.rows(); ++s) {
    real d = 0;
    const real* c = &C(s, 0);
#pragma omp simd reduction(+ : d)  // 50 Lloyd steps over every user: not one scalar chain each
    for (int f = 0; f < k; ++f) { const real e = x[f] - c[f]; d += e * e; }
    if (d < dist) { dist = d; best = s; }
  }
  return {best, dist};
}

// Local users with ratings: the ones segmented.
std::vector<index_t> active_users(const Partition& part) {
  std::vector<index_t> active;
  for (index_t u = 0; u < part.local_users; ++u)
    if (part.by_user.ptr[u + 1] > part.by_user.ptr[u]) active.push_back(u);
  return active;
}

// Sizes, domain mix and characteristic items of the segments seg.segment assigns.
void summarise_segments(const Comm& comm, const Partition& part, const Factors& f, const Behaviour& b,
                       const std::vector<index_t>& active, int top_items, Segments& seg) {
  const int k = f.k;
  seg.size.assign(seg.S, 0);
  const int D = b.domains;
  seg.domain_mix.assign(static_cast<std::size_t>(seg.S) * D, 0);
  for (std::size_t a = 0; a < active.size(); ++a) {
    const int s = seg.segment[active[a]];
    ++seg.size[s];
    for (int d = 0; d < D; ++d) seg.domain_mix[static_cast<std::size_t>(s) * D + d] += b.domain_share[static_cast<std::size_t>(active[a]) * D + d];
  }
  comm.sum(std::span<count_t>(seg.size));
  comm.sum(std::span<double>(seg.domain_mix));
  for (int s = 0; s < seg.S; ++s)
    for (int d = 0; d < D; ++d)
      if (seg.size[s] > 0) seg.domain_mix[static_cast<std::size_t>(s) * D + d] /= static_cast<double>(seg.size[s]);
  // Characteristic: the items a segment's centroid scores highest above the all-users average.
  Eigen::Matrix<real, 1, Eigen::Dynamic> overall = Eigen::Matrix<real, 1, Eigen::Dynamic>::Zero(k);
  count_t total = 0;
  for (int s = 0; s < seg.S; ++s) { overall += static_cast<real>(seg.size[s]) * seg.centroids.row(s); total += seg.size[s]; }
  if (total > 0) overall /= static_cast<real>(total);
  seg.top_items.assign(static_cast<std::size_t>(seg.S) * top_items, -1);
  std::vector<real> unused(top_items);
  for (int s = 0; s < seg.S; ++s) {
    TopN best(top_items);
    const Eigen::Matrix<real, 1, Eigen::Dynamic> lift = seg.centroids.row(s) - overall;
    for (index_t i = 0; i < part.n_items; ++i) best.push(lift.dot(f.items.row(i).head(k)), part.item_scatter.inverse(i));
    best.write(seg.top_items.data() + static_cast<std::size_t>(s) * top_items, unused.data());
  }
}
}  // namespace

Segments segment_users(const Comm& comm, const Partition& part, const Factors& f, const Behaviour& b, int S,
                       int top_items, std::uint64_t seed, int threads) {
  const index_t m = part.local_users;
  const int k = f.k, w = f.width();
  Segments seg;
  const std::vector<index_t> active = active_users(part);
  const count_t n_active = comm.sum<count_t>(static_cast<count_t>(active.size()));
  seg.S = static_cast<int>(std::min<count_t>(S, n_active));
  seg.segment.assign(m, -1);
  seg.centroids = Matrix::Zero(seg.S, k);
  auto row = [&](index_t u) { return f.users.data() + static_cast<std::size_t>(u) * w; };
  Rng shared(seed ^ 0x6b6d65616e73ULL);  // same stream on every rank

  // k-means++ seeding.
  std::vector<real> d2(active.size(), std::numeric_limits<real>::infinity());
  for (int c = 0; c < seg.S; ++c) {
    double local = 0;
    for (std::size_t a = 0; a < active.size(); ++a) {
      if (c > 0) {
        real d = 0;
        for (int q = 0; q < k; ++q) { const real e = row(active[a])[q] - seg.centroids(c - 1, q); d += e * e; }
        d2[a] = std::min(d2[a], d);
      }
      local += c == 0 ? 1.0 : d2[a];
    }
    const std::vector<double> sums = [&] {
      std::vector<double> s(comm.size(), 0);
      s[comm.rank()] = local;
      comm.sum(std::span<double>(s));
      return s;
    }();
    double total = 0;
    for (double s : sums) total += s;
    double target = shared.uniform() * total;
    int owner = comm.size() - 1;
    for (int r = 0; r < comm.size(); ++r) {
      if (target < sums[r] || r == comm.size() - 1) { owner = r; break; }
      target -= sums[r];
    }
    std::vector<real> pick(k, 0);
    if (comm.rank() == owner && !active.empty()) {
      std::size_t a = 0;
      for (; a + 1 < active.size(); ++a) {
        const double v = c == 0 ? 1.0 : d2[a];
        if (target < v) break;
        target -= v;
      }
      std::copy(row(active[a]), row(active[a]) + k, pick.begin());
    }
    comm.bcast(std::span<real>(pick), owner);
    for (int q = 0; q < k; ++q) seg.centroids(c, q) = pick[q];
  }

  // Lloyd iterations.
  std::vector<double> sums(static_cast<std::size_t>(seg.S) * k + seg.S);
  for (int it = 0; it < 50 && seg.S > 0; ++it) {
    std::fill(sums.begin(), sums.end(), 0.0);
    count_t changed = 0;
#pragma omp parallel num_threads(threads)
    {
      std::vector<double> mine(sums.size(), 0.0);
      count_t ch = 0;
#pragma omp for schedule(static)
      for (std::size_t a = 0; a < active.size(); ++a) {
        const auto [s, dist] = nearest(row(active[a]), seg.centroids, k);
        (void)dist;
        if (seg.segment[active[a]] != s) { ++ch; seg.segment[active[a]] = s; }
        for (int q = 0; q < k; ++q) mine[static_cast<std::size_t>(s) * k + q] += row(active[a])[q];
        mine[static_cast<std::size_t>(seg.S) * k + s] += 1;
      }
#pragma omp critical
      {
        for (std::size_t j = 0; j < sums.size(); ++j) sums[j] += mine[j];
        changed += ch;
      }
    }
    comm.sum(std::span<double>(sums));
    changed = comm.sum(changed);
    for (int s = 0; s < seg.S; ++s) {
      const double n = sums[static_cast<std::size_t>(seg.S) * k + s];
      if (n > 0)
        for (int q = 0; q < k; ++q) seg.centroids(s, q) = static_cast<real>(sums[static_cast<std::size_t>(s) * k + q] / n);
    }
    seg.iterations = it + 1;
    if (changed == 0) break;
  }

  summarise_segments(comm, part, f, b, active, top_items, seg);
  return seg;
}

Segments assign_segments(const Comm& comm, const Partition& part, const Factors& f, const Behaviour& b,
                         const Matrix& centroids, int top_items, int threads) {
  Segments seg;
  seg.S = static_cast<int>(centroids.rows());
  seg.centroids = centroids;
  seg.segment.assign(part.local_users, -1);
  const std::vector<index_t> active = active_users(part);
  if (seg.S > 0) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::size_t a = 0; a < active.size(); ++a)
      seg.segment[active[a]] = nearest(f.users.data() + static_cast<std::size_t>(active[a]) * f.width(), centroids, f.k).first;
  }
  summarise_segments(comm, part, f, b, active, top_items, seg);
  return seg;
}

namespace {

// The label's thresholds: a trait is named when the segment's mean is this far from everyone's.
constexpr double kLeaningLift = 1.2;
constexpr double kHighRatio = 1.25, kLowRatio = 0.8;

// "high"/"low" side of `overall`, or "" when near it (or either is undefined).
std::string side(double v, double overall, const char* high, const char* low) {
  if (!(overall > 0) || std::isnan(v)) return "";
  if (v >= kHighRatio * overall) return high;
  if (v <= kLowRatio * overall) return low;
  return "";
}

std::string segment_label(const SegmentTraits& t, int s, int D, const std::vector<std::string>& domain_names,
                          double activity, double risk) {
  int best = -1;
  for (int d = 0; d < D; ++d) {
    const double lift = t.domain_lift[static_cast<std::size_t>(s) * D + d];
    if (lift > kLeaningLift && (best < 0 || lift > t.domain_lift[static_cast<std::size_t>(s) * D + best])) best = d;
  }
  std::vector<std::string> traits;
  if (best >= 0) traits.push_back(domain_names[best] + "-leaning");
  if (std::string a = side(t.activity[s], activity, "heavy readers", "light readers"); !a.empty()) traits.push_back(a);
  if (std::string r = side(t.risk[s], risk, "high risk", "low risk"); !r.empty()) traits.push_back(r);
  std::string label;
  for (const std::string& part : traits) label += (label.empty() ? "" : ", ") + part;
  return label.empty() ? "typical" : label;
}

}  // namespace

SegmentTraits describe_segments(const Comm& comm, const Segments& seg, const Behaviour& b, std::span<const real> risk,
                                const std::vector<std::string>& domain_names) {
  const int S = seg.S, D = b.domains;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> sums(2 * static_cast<std::size_t>(S), 0);  // activity, then risk, per segment
  for (std::size_t u = 0; u < seg.segment.size(); ++u) {
    const int s = seg.segment[u];
    if (s < 0) continue;
    sums[s] += b.activity[u];
    if (!risk.empty()) sums[S + s] += risk[u];
  }
  comm.sum(std::span<double>(sums));
  SegmentTraits t;
  t.activity.assign(S, nan);
  t.risk.assign(S, nan);
  t.domain_lift.assign(static_cast<std::size_t>(S) * D, nan);
  // Everyone's means, from the segments' sums (domain_mix is already a mean per segment).
  double users = 0, activity = 0, risk_sum = 0;
  std::vector<double> share(D, 0);
  for (int s = 0; s < S; ++s) {
    const double n = static_cast<double>(seg.size[s]);
    users += n;
    activity += sums[s];
    risk_sum += sums[S + s];
    for (int d = 0; d < D; ++d) share[d] += n * seg.domain_mix[static_cast<std::size_t>(s) * D + d];
    if (n == 0) continue;
    t.activity[s] = sums[s] / n;
    if (!risk.empty()) t.risk[s] = sums[S + s] / n;
  }
  for (int s = 0; s < S; ++s)
    for (int d = 0; d < D; ++d)
      if (seg.size[s] > 0 && share[d] > 0) t.domain_lift[static_cast<std::size_t>(s) * D + d] = seg.domain_mix[static_cast<std::size_t>(s) * D + d] * users / share[d];
  const double mean_activity = users > 0 ? activity / users : nan;
  const double mean_risk = users > 0 && !risk.empty() ? risk_sum / users : nan;
  for (int s = 0; s < S; ++s)
    t.label.push_back(seg.size[s] == 0 ? "empty" : segment_label(t, s, D, domain_names, mean_activity, mean_risk));
  return t;
}

}  // namespace crossmf
