// The synthetic paid-knowledge platform that `crossmf generate` writes: a planted low-rank model
// of users and items in product domains, from which ratings, features and labels are drawn.
// Pure numerics: no MPI, no HDF5. Everything about an item or a user comes from that item's or
// user's own random streams (random_stream.h), so any rank can compute any part of it alone.
//
// The planted model (K = --true-factors, s = K^-1/4 so that x.y has about unit variance):
//   topics            T = min(8, K) orthogonal directions tau_t of length sqrt(K) (Gram-Schmidt
//                     on N(0, I) draws) that every domain shares; item i has topic t_i
//                     (uniform), so reading about a topic and buying its finance or insurance
//                     products are one taste
//   segments          G = 8; segment g likes one topic a_g (dealt in a seeded order, so up to
//                     T segments have distinct topics) and has a domain mix
//                     w_gd = exp(0.8 N(0, 1)) scaled to a largest of 1; user u is in segment
//                     g_u (uniform)
//   user traits       x_u = s (0.8 tau_a + 0.6 z_u), z_u ~ N(0, I), a = a_(g_u);
//                     b_u ~ N(0, 0.35^2)
//   item traits       y_i = s (0.5 m_d + 0.7 tau_t + 0.51 g_i), g_i ~ N(0, I), m_d the
//                     centroid of the item's domain d, t = t_i; c_i ~ N(0, 0.25^2)
//   explicit value    mu + b_u + c_i + x_u.y_i + N(0, noise^2), rounded and clipped to 1..5
//                     stars with --stars, mu = 3.6
//   implicit value    1 + Poisson(exp(mu + b_u + c_i + x_u.y_i + N(0, noise^2))), mu = 0,
//                     the log-rate capped at 9
//   which items       proposed by popularity: with probability 0.7 among the items of the
//                     user's topic a, else among all; accepted with probability w_gd
//                     (explicit) or w_gd sigmoid(2 x_u.y_i) (implicit) (interaction_sampler.h).
//                     So a user's topic leads its choices in every domain, segments differ in
//                     domain mix, and implicit choices also follow the rest of its tastes
//   user features     A x_u + N(0, 0.5^2 I)     (A is F x K)
//   item features     B y_i + N(0, 0.3^2 I)     (B is G x K)
//   label             Bernoulli(sigmoid(w0 + w_x.x_u + w_f.f_u)) for a --labelled share of users
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "src/base/config.h"
#include "src/base/types.h"
#include "src/numerics/power_law.h"
#include "src/numerics/random_stream.h"

namespace crossmf {

// The knobs of the platform, resolved from the generate options.
struct PlatformSpec {
  count_t users = 0, items = 0;
  count_t ratings = 0, test_ratings = 0;
  int factors = 0;
  bool implicit = false;
  bool stars = true;
  double noise = 0;
  double popularity = 0;
  std::vector<std::string> domains;
  std::vector<double> domain_shares;
  int user_features = 0, item_features = 0;
  double labelled = 0;
  std::uint64_t seed = 0;
};
PlatformSpec platform_spec(const GenerateOptions& options);

// The constants of the planted model, written beside the data as /truth attributes.
struct PlantedConstants {
  double global_mean = 0;
  double factor_std = 0;          // s
  double user_bias_std = 0.35;
  double item_bias_std = 0.25;
  int topics = 8;
  int segments = 8;
  double domain_weight = 0.5;     // weight of the domain centroid in y_i
  double topic_weight = 0.7;      // weight of the topic direction in y_i
  double segment_weight = 0.8;    // weight of the segment's topic in x_u
  double domain_mix_spread = 0.8; // log-normal spread of a segment's domain mix
  double user_feature_noise = 0.5;
  double item_feature_noise = 0.3;
  double label_intercept = -1.5;
  double topic_share = 0.7;       // share of proposals from the user's segment's topic
  double accept_scale = 2.0;      // implicit: P(accept) = w_gd sigmoid(scale * x.y + shift)
  double accept_shift = 0.0;
  double activity_sigma = 1.0;    // log-normal spread of user activity
  std::int64_t time_start = 1577836800;         // 2020-01-01T00:00:00Z
  std::int64_t time_span = 3 * 365 * 86400;
};

// A block of consecutive users [first, first + count) with their drawn traits.
struct UserBlock {
  index_t first = 0, count = 0;
  std::vector<real> factors;             // [count, K]
  std::vector<std::int32_t> segment;     // [count] planted segment
  std::vector<real> bias;                // [count]
  std::vector<real> features;            // [count, F]
  std::vector<std::uint64_t> activity;   // [count] integer weights, before capping
  std::vector<index_t> labelled;         // global indices of the labelled users, increasing
  std::vector<std::int8_t> labels;       // their 0/1 outcomes
  std::vector<double> label_probability; // P(outcome = 1) under the planted model
};

class Platform {
 public:
  // Draws the global truth and every item: O(items * K) on every rank.
  explicit Platform(PlatformSpec spec);

  const PlatformSpec& spec() const { return spec_; }
  const PlantedConstants& constants() const { return constants_; }
  int k() const { return spec_.factors; }

  // Global truth, row-major.
  std::span<const real> domain_centroids() const { return centroids_; }       // [D, K]
  std::span<const real> topic_centroids() const { return topic_centroids_; }  // [T, K]
  std::span<const real> segment_domain_mix() const { return domain_mix_; }    // [G, D] w_gd
  std::span<const std::int32_t> segment_topic() const { return segment_topic_; }  // [G] a_g
  std::span<const real> user_feature_map() const { return user_map_; }        // [F, K]
  std::span<const real> item_feature_map() const { return item_map_; }        // [G, K]
  std::span<const real> label_weights_latent() const { return label_latent_; }    // [K]
  std::span<const real> label_weights_features() const { return label_features_; }  // [F]
  std::vector<std::string> user_feature_names() const;
  std::vector<std::string> item_feature_names() const;

  // Items, all of them.
  std::span<const real> item_factors() const { return item_factors_; }  // [I, K]
  std::span<const real> item_factor(index_t i) const { return {item_factors_.data() + std::size_t(i) * k(), std::size_t(k())}; }
  std::span<const real> item_bias() const { return item_bias_; }
  std::span<const index_t> item_domain() const { return item_domain_; }
  std::span<const std::int32_t> item_topic() const { return item_topic_; }
  std::vector<double> item_popularity() const;               // [I] probability of a proposal
  index_t item_at_rank(count_t r) const { return item_at_rank_[r]; }
  const PowerLaw& popularity_law() const { return law_; }
  // Topic t's items in popularity order: its size, the rank of its p-th, and the position of a
  // draw by popularity among its positions >= lo (lo < size) for a uniform u in [0, 1).
  count_t topic_size(int t) const { return topic_start_[t + 1] - topic_start_[t]; }
  count_t topic_rank(int t, count_t p) const { return topic_ranks_[topic_start_[t] + p]; }
  count_t topic_draw(int t, double u, count_t lo) const;
  std::vector<real> item_features(index_t first, index_t n) const;  // [n, G]

  // External ids, as a platform's database would have them.
  static std::int64_t user_id(index_t u) { return 10000000 + static_cast<std::int64_t>(u); }
  static std::int64_t item_id(index_t i) { return 20000000 + static_cast<std::int64_t>(i); }

  UserBlock users(index_t first, index_t count) const;

  double affinity(std::span<const real> x_u, index_t i) const;
  // Probability that a user of segment g with traits x_u takes up a proposed item i.
  double acceptance(std::span<const real> x_u, int g, index_t i) const;
  // The planted rating value of (u, i) before noise: mu + b_u + c_i + x_u.y_i.
  double planted(std::span<const real> x_u, real b_u, index_t i) const;
  // The observed value: the planted one with noise from the user's stream, then stars or counts.
  real observe(std::span<const real> x_u, real b_u, index_t i, RandomStream& rs) const;

 private:
  void plant_segments();
  void index_topics();
  PlatformSpec spec_;
  PlantedConstants constants_;
  PowerLaw law_;
  std::vector<real> centroids_, user_map_, item_map_, label_latent_, label_features_;
  std::vector<real> topic_centroids_, domain_mix_;
  std::vector<std::int32_t> segment_topic_, item_topic_;
  // Topic t owns topic_ranks_[topic_start_[t], topic_start_[t + 1]) (increasing popularity
  // ranks) and topic_cum_[topic_start_[t] + t, ... + size] (cumulative probabilities from 0).
  std::vector<count_t> topic_start_, topic_ranks_;
  std::vector<double> topic_cum_;
  std::vector<real> item_factors_, item_bias_;
  std::vector<index_t> item_domain_, item_at_rank_, rank_of_item_;
};

}  // namespace crossmf
