#include "jobs/truth_output.h"

#include "io/row_slices.h"
#include "io/schema.h"

namespace crossmf {

namespace {
// Rank 0 holds the row of a small global table; the others contribute none.
template <class T>
std::span<const T> on_root(const Comm& comm, std::span<const T> all) {
  return comm.root() ? all : std::span<const T>();
}
}  // namespace

void write_truth(h5::File& file, const Comm& comm, const Platform& platform, const UserBlock& users,
                 index_t item_first, index_t item_count) {
  const std::string t = schema::kTruth;
  const PlatformSpec& spec = platform.spec();
  const PlantedConstants& c = platform.constants();
  const hsize_t K = static_cast<hsize_t>(platform.k());
  file.create_group(t);
  file.set_attr(t, "feedback", std::string(spec.implicit ? "implicit" : "explicit"));
  file.set_attr(t, "value_model", std::string(spec.implicit
      ? "value = 1 + Poisson(exp(min(global_mean + user_bias + item_bias + user_factors.item_factors + N(0, noise^2), 9)))"
      : spec.stars ? "value = clip(round(global_mean + user_bias + item_bias + user_factors.item_factors + N(0, noise^2)), 1, 5)"
                   : "value = global_mean + user_bias + item_bias + user_factors.item_factors + N(0, noise^2)"));
  file.set_attr(t, "global_mean", c.global_mean);
  file.set_attr(t, "noise", spec.noise);
  file.set_attr(t, "stars", std::int64_t{spec.stars && !spec.implicit});
  file.set_attr(t, "popularity", spec.popularity);
  file.set_attr(t, "factor_std", c.factor_std);
  file.set_attr(t, "user_bias_std", c.user_bias_std);
  file.set_attr(t, "item_bias_std", c.item_bias_std);
  file.set_attr(t, "domain_weight", c.domain_weight);
  file.set_attr(t, "user_feature_noise", c.user_feature_noise);
  file.set_attr(t, "item_feature_noise", c.item_feature_noise);
  file.set_attr(t, "accept_scale", c.accept_scale);
  file.set_attr(t, "accept_shift", c.accept_shift);
  file.set_attr(t, "activity_sigma", c.activity_sigma);

  write_matrix<real>(file, comm, t + "/user_factors", users.factors, K);
  write_column<real>(file, comm, t + "/user_bias", users.bias);
  const auto item_factors = platform.item_factors().subspan(std::size_t(item_first) * K, std::size_t(item_count) * K);
  write_matrix<real>(file, comm, t + "/item_factors", item_factors, K);
  write_column<real>(file, comm, t + "/item_bias", platform.item_bias().subspan(item_first, item_count));
  const std::vector<double> popularity = platform.item_popularity();
  write_column<double>(file, comm, t + "/item_popularity", std::span<const double>(popularity).subspan(item_first, item_count));

  write_matrix<real>(file, comm, t + "/domain_centroids", on_root(comm, platform.domain_centroids()), K);
  if (spec.user_features > 0) write_matrix<real>(file, comm, t + "/user_feature_map", on_root(comm, platform.user_feature_map()), K);
  if (spec.item_features > 0) write_matrix<real>(file, comm, t + "/item_feature_map", on_root(comm, platform.item_feature_map()), K);
  write_column<real>(file, comm, t + "/label_weights_latent", on_root(comm, platform.label_weights_latent()));
  if (spec.user_features > 0) {
    write_column<real>(file, comm, t + "/label_weights_features", on_root(comm, platform.label_weights_features()));
    file.set_attr(t + "/label_weights_features", "names", platform.user_feature_names());
  }
  file.set_attr(t, "label_intercept", c.label_intercept);
  if (spec.labelled > 0) write_column<double>(file, comm, t + "/label_probability", users.label_probability);
}

}  // namespace crossmf
