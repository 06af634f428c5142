#include "src/model/platform.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "src/numerics/apportion.h"

namespace crossmf {

namespace {

// Names a platform's analysts would recognise; past the list, numbered ones.
const char* const kUserFeatureNames[] = {"minutes_read", "purchases", "sessions_per_week", "tenure_months",
                                         "courses_completed", "avg_order_value", "support_tickets", "referrals"};
const char* const kItemFeatureNames[] = {"price_band", "length_minutes", "term_months", "risk_class",
                                         "author_rating", "recency_days", "discount", "renewal_rate"};

template <std::size_t N>
std::vector<std::string> feature_names(const char* const (&known)[N], int count, const char* prefix) {
  std::vector<std::string> names;
  for (int j = 0; j < count; ++j)
    names.push_back(j < static_cast<int>(N) ? std::string(known[j]) : prefix + std::to_string(j));
  return names;
}

std::vector<real> normals(RandomStream rs, std::size_t n, double scale) {
  std::vector<real> v(n);
  for (auto& x : v) x = static_cast<real>(scale * rs.normal());
  return v;
}

// A permutation of [0, n) by Fisher-Yates from one stream: the same on every rank.
std::vector<index_t> permutation(count_t n, RandomStream rs) {
  std::vector<index_t> p(n);
  std::iota(p.begin(), p.end(), index_t{0});
  for (count_t k = n - 1; k > 0; --k) std::swap(p[k], p[rs.below(static_cast<std::uint64_t>(k) + 1)]);
  return p;
}

double dot(std::span<const real> a, std::span<const real> b) {
  double s = 0;
  for (std::size_t k = 0; k < a.size(); ++k) s += static_cast<double>(a[k]) * b[k];
  return s;
}

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// n <= k orthogonal rows of norm sqrt(k) (Gram-Schmidt on normals): like N(0, I) draws in
// length, but topics that do not overlap, so liking one says nothing of the others.
std::vector<real> orthogonal_rows(RandomStream rs, int n, int k) {
  std::vector<double> q(std::size_t(n) * k);
  for (auto& v : q) v = rs.normal();
  for (int r = 0; r < n; ++r) {
    double* row = q.data() + std::size_t(r) * k;
    for (int p = 0; p < r; ++p) {
      const double* prev = q.data() + std::size_t(p) * k;
      double d = 0;
      for (int c = 0; c < k; ++c) d += row[c] * prev[c];
      for (int c = 0; c < k; ++c) row[c] -= d * prev[c];
    }
    double norm = 0;
    for (int c = 0; c < k; ++c) norm += row[c] * row[c];
    for (int c = 0; c < k; ++c) row[c] /= std::sqrt(norm);
  }
  std::vector<real> out(q.size());
  for (std::size_t j = 0; j < q.size(); ++j) out[j] = static_cast<real>(q[j] * std::sqrt(static_cast<double>(k)));
  return out;
}

// out[j] = sum_k map[j, k] * x[k] + noise * N(0, 1).
void linear_features(std::span<const real> map, std::span<const real> x, double noise, RandomStream& rs,
                     std::span<real> out) {
  const std::size_t k = x.size();
  for (std::size_t j = 0; j < out.size(); ++j)
    out[j] = static_cast<real>(dot(map.subspan(j * k, k), x) + noise * rs.normal());
}

// Knuth's product method below 30, a rounded normal above (the counts are only a plausible
// strength signal; the planted quantity is the log-rate).
count_t poisson(double lambda, RandomStream& rs) {
  if (lambda < 30) {
    const double limit = std::exp(-lambda);
    count_t k = 0;
    for (double p = rs.uniform(); p > limit; p *= rs.uniform()) ++k;
    return k;
  }
  return std::max<count_t>(0, std::llround(lambda + std::sqrt(lambda) * rs.normal()));
}

}  // namespace

PlatformSpec platform_spec(const GenerateOptions& g) {
  PlatformSpec s;
  s.users = g.users;
  s.items = g.items;
  s.ratings = g.ratings;
  s.test_ratings = g.test_ratings;
  s.factors = g.true_factors;
  s.implicit = g.feedback == Feedback::kImplicit;
  s.stars = g.stars;
  s.noise = g.noise;
  s.popularity = g.popularity;
  s.domains = domain_names(g);
  s.domain_shares = domain_shares(g);
  s.user_features = g.user_features;
  s.item_features = g.item_features;
  s.labelled = g.labelled;
  s.seed = g.seed;
  return s;
}

Platform::Platform(PlatformSpec spec)
    : spec_(std::move(spec)), law_(spec_.items, spec_.popularity) {
  const int K = k(), F = spec_.user_features, G = spec_.item_features;
  const std::size_t D = spec_.domains.size();
  const std::uint64_t seed = spec_.seed;
  constants_.global_mean = spec_.implicit ? 0.0 : 3.6;
  constants_.factor_std = std::pow(static_cast<double>(K), -0.25);
  const double s = constants_.factor_std;
  // Maps scaled so that each feature's signal part, and the label's latent part, has unit variance.
  const double map_scale = 1.0 / (std::sqrt(static_cast<double>(K)) * s);
  centroids_ = normals(RandomStream(seed, Purpose::global, 0), D * K, 1.0);
  user_map_ = normals(RandomStream(seed, Purpose::global, 1), std::size_t(F) * K, map_scale);
  item_map_ = normals(RandomStream(seed, Purpose::global, 2), std::size_t(G) * K, map_scale);
  label_latent_ = normals(RandomStream(seed, Purpose::global, 3), K, map_scale);
  label_features_ = normals(RandomStream(seed, Purpose::global, 4), F, 0.5 / std::sqrt(std::max(F, 1)));
  plant_segments();

  const count_t I = spec_.items;
  item_at_rank_ = permutation(I, RandomStream(seed, Purpose::item_order, 0));
  rank_of_item_.resize(I);
  for (count_t r = 0; r < I; ++r) rank_of_item_[item_at_rank_[r]] = static_cast<index_t>(r);

  // Exactly apportioned domain sizes (shares scaled to integers so the split is exact), laid
  // over the items in a seeded order so that domains and popularity are independent.
  item_domain_.resize(I);
  std::vector<std::uint64_t> weights;
  for (double sh : spec_.domain_shares) weights.push_back(static_cast<std::uint64_t>(std::llround(sh * 1e9)));
  const std::uint64_t whole = std::accumulate(weights.begin(), weights.end(), std::uint64_t{0});
  const std::vector<index_t> order = permutation(I, RandomStream(seed, Purpose::item_domain, 0));
  std::uint64_t before = 0;
  count_t pos = 0;
  for (std::size_t d = 0; d < D; ++d) {
    const count_t n = apportion(I, before, weights[d], whole);
    for (count_t j = 0; j < n; ++j) item_domain_[order[pos++]] = static_cast<index_t>(d);
    before += weights[d];
  }

  item_factors_.resize(std::size_t(I) * K);
  item_bias_.resize(I);
  item_topic_.resize(I);
  const double wd = constants_.domain_weight, wt = constants_.topic_weight, rest = std::sqrt(1.0 - wd * wd - wt * wt);
  for (count_t i = 0; i < I; ++i) {
    RandomStream rs(seed, Purpose::item_traits, static_cast<std::uint64_t>(i));
    item_bias_[i] = static_cast<real>(constants_.item_bias_std * rs.normal());
    item_topic_[i] = static_cast<std::int32_t>(rs.below(static_cast<std::uint64_t>(constants_.topics)));
    const real* m = centroids_.data() + std::size_t(item_domain_[i]) * K;
    const real* t = topic_centroids_.data() + std::size_t(item_topic_[i]) * K;
    for (int c = 0; c < K; ++c)
      item_factors_[std::size_t(i) * K + c] = static_cast<real>(s * (wd * m[c] + wt * t[c] + rest * rs.normal()));
  }
  index_topics();
}

void Platform::index_topics() {
  const int T = constants_.topics;
  topic_start_.assign(T + 1, 0);
  for (std::int32_t t : item_topic_) ++topic_start_[t + 1];
  for (int t = 0; t < T; ++t) topic_start_[t + 1] += topic_start_[t];
  topic_ranks_.resize(spec_.items);
  topic_cum_.resize(spec_.items + T);
  std::vector<count_t> fill(topic_start_.begin(), topic_start_.end() - 1);
  for (int t = 0; t < T; ++t) topic_cum_[topic_start_[t] + t] = 0;
  for (count_t r = 0; r < spec_.items; ++r) {  // in rank order, so each topic's list is sorted
    const int t = item_topic_[item_at_rank_[r]];
    const count_t p = fill[t]++;
    topic_ranks_[p] = r;
    topic_cum_[p + t + 1] = topic_cum_[p + t] + law_.probability(r);
  }
}

count_t Platform::topic_draw(int t, double u, count_t lo) const {
  const double* cum = topic_cum_.data() + topic_start_[t] + t;
  const count_t n = topic_size(t);
  const double v = cum[lo] + u * (cum[n] - cum[lo]);
  const count_t p = static_cast<count_t>(std::upper_bound(cum + lo + 1, cum + n + 1, v) - (cum + 1));
  return std::min(p, n - 1);
}

// Topic directions, and per segment its topic and domain mix.
void Platform::plant_segments() {
  constants_.topics = std::min(constants_.topics, k());
  const int K = k(), T = constants_.topics, G = constants_.segments;
  const std::size_t D = spec_.domains.size();
  topic_centroids_ = orthogonal_rows(RandomStream(spec_.seed, Purpose::global, 5), T, K);
  RandomStream rs(spec_.seed, Purpose::global, 6);
  segment_topic_.resize(G);
  domain_mix_.resize(std::size_t(G) * D);
  // Topics dealt in a seeded order, one per segment (the g-th, mod T), so segments differ.
  const std::vector<index_t> order = permutation(T, RandomStream(spec_.seed, Purpose::global, 7));
  for (int g = 0; g < G; ++g) {
    segment_topic_[g] = static_cast<std::int32_t>(order[g % T]);
    real* mix = domain_mix_.data() + g * D;
    for (std::size_t d = 0; d < D; ++d) mix[d] = static_cast<real>(std::exp(constants_.domain_mix_spread * rs.normal()));
    const real top = *std::max_element(mix, mix + D);
    for (std::size_t d = 0; d < D; ++d) mix[d] /= top;
  }
}

std::vector<std::string> Platform::user_feature_names() const {
  return feature_names(kUserFeatureNames, spec_.user_features, "user_feature_");
}
std::vector<std::string> Platform::item_feature_names() const {
  return feature_names(kItemFeatureNames, spec_.item_features, "item_feature_");
}

std::vector<double> Platform::item_popularity() const {
  std::vector<double> p(spec_.items);
  for (count_t i = 0; i < spec_.items; ++i) p[i] = law_.probability(rank_of_item_[i]);
  return p;
}

std::vector<real> Platform::item_features(index_t first, index_t n) const {
  const int G = spec_.item_features;
  std::vector<real> out(std::size_t(n) * G);
  for (index_t j = 0; j < n; ++j) {
    const index_t i = first + j;
    RandomStream rs(spec_.seed, Purpose::item_features, static_cast<std::uint64_t>(i));
    linear_features(item_map_, item_factor(i), constants_.item_feature_noise, rs,
                    std::span<real>(out).subspan(std::size_t(j) * G, G));
  }
  return out;
}

UserBlock Platform::users(index_t first, index_t count) const {
  const int K = k(), F = spec_.user_features;
  UserBlock b;
  b.first = first;
  b.count = count;
  b.factors.resize(std::size_t(count) * K);
  b.segment.resize(count);
  b.bias.resize(count);
  b.features.resize(std::size_t(count) * F);
  b.activity.resize(count);
  for (index_t j = 0; j < count; ++j) {
    const auto u = static_cast<std::uint64_t>(first + j);
    std::span<real> x(b.factors.data() + std::size_t(j) * K, K);
    RandomStream traits(spec_.seed, Purpose::user_traits, u);
    const int g = static_cast<int>(traits.below(static_cast<std::uint64_t>(constants_.segments)));
    b.segment[j] = g;
    const double ws = constants_.segment_weight, rest = std::sqrt(1.0 - ws * ws);
    const real* centre = topic_centroids_.data() + std::size_t(segment_topic_[g]) * K;
    for (int c = 0; c < K; ++c) x[c] = static_cast<real>(constants_.factor_std * (ws * centre[c] + rest * traits.normal()));
    b.bias[j] = static_cast<real>(constants_.user_bias_std * traits.normal());
    // Integer weights: the split of the rating total over users must be exact (apportion.h).
    const double a = 4096.0 * std::exp(constants_.activity_sigma * traits.normal());
    b.activity[j] = static_cast<std::uint64_t>(std::clamp(std::llround(a), 1LL, 1LL << 26));

    std::span<real> f(b.features.data() + std::size_t(j) * F, F);
    RandomStream feats(spec_.seed, Purpose::user_features, u);
    linear_features(user_map_, x, constants_.user_feature_noise, feats, f);

    RandomStream label(spec_.seed, Purpose::user_label, u);
    if (label.bernoulli(spec_.labelled)) {
      const double logit = constants_.label_intercept + dot(label_latent_, x) + dot(label_features_, f);
      const double p = sigmoid(logit);
      b.labelled.push_back(first + j);
      b.labels.push_back(label.bernoulli(p) ? 1 : 0);
      b.label_probability.push_back(p);
    }
  }
  return b;
}

double Platform::affinity(std::span<const real> x_u, index_t i) const { return dot(x_u, item_factor(i)); }

double Platform::acceptance(std::span<const real> x_u, int g, index_t i) const {
  const double mix = domain_mix_[std::size_t(g) * spec_.domains.size() + item_domain_[i]];
  if (!spec_.implicit) return mix;
  return mix * sigmoid(constants_.accept_scale * affinity(x_u, i) + constants_.accept_shift);
}

double Platform::planted(std::span<const real> x_u, real b_u, index_t i) const {
  return constants_.global_mean + static_cast<double>(b_u) + static_cast<double>(item_bias_[i]) + affinity(x_u, i);
}

real Platform::observe(std::span<const real> x_u, real b_u, index_t i, RandomStream& rs) const {
  const double v = planted(x_u, b_u, i) + spec_.noise * rs.normal();
  if (spec_.implicit) return static_cast<real>(1 + poisson(std::exp(std::min(v, 9.0)), rs));
  if (spec_.stars) return static_cast<real>(std::clamp(std::round(v), 1.0, 5.0));
  return static_cast<real>(v);
}

}  // namespace crossmf
