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
  const double w = constants_.domain_weight, rest = std::sqrt(1.0 - w * w);
  for (count_t i = 0; i < I; ++i) {
    RandomStream rs(seed, Purpose::item_traits, static_cast<std::uint64_t>(i));
    item_bias_[i] = static_cast<real>(constants_.item_bias_std * rs.normal());
    const real* m = centroids_.data() + std::size_t(item_domain_[i]) * K;
    for (int c = 0; c < K; ++c) item_factors_[std::size_t(i) * K + c] = static_cast<real>(s * (w * m[c] + rest * rs.normal()));
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
  b.bias.resize(count);
  b.features.resize(std::size_t(count) * F);
  b.activity.resize(count);
  for (index_t j = 0; j < count; ++j) {
    const auto u = static_cast<std::uint64_t>(first + j);
    std::span<real> x(b.factors.data() + std::size_t(j) * K, K);
    RandomStream traits(spec_.seed, Purpose::user_traits, u);
    for (auto& v : x) v = static_cast<real>(constants_.factor_std * traits.normal());
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

double Platform::acceptance(std::span<const real> x_u, index_t i) const {
  return sigmoid(constants_.accept_scale * affinity(x_u, i) + constants_.accept_shift);
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
