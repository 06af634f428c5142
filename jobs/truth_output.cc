#include "jobs/truth_output.h"

#include "io/row_slices.h"
#include "io/schema.h"
#include "src/model/campaign_truth.h"

namespace crossmf {

namespace {
// Rank 0 holds the row of a small global table; the others contribute none.
template <class T>
std::span<const T> on_root(const Comm& comm, std::span<const T> all) {
  return comm.root() ? all : std::span<const T>();
}
}  // namespace

namespace {
using namespace schema;

// The /truth attributes: how values were drawn, and the constants of the draws.
void write_constants(h5::File& file, const PlatformSpec& spec, const PlantedConstants& c) {
  using namespace schema::attr;
  file.create_group(kTruth);
  file.set_attr(kTruth, kFeedback, std::string(spec.implicit ? "implicit" : "explicit"));
  file.set_attr(kTruth, kValueModel, std::string(spec.implicit
      ? "value = 1 + Poisson(exp(min(global_mean + user_bias + item_bias + user_factors.item_factors + N(0, noise^2), 9)))"
      : spec.stars ? "value = clip(round(global_mean + user_bias + item_bias + user_factors.item_factors + N(0, noise^2)), 1, 5)"
                   : "value = global_mean + user_bias + item_bias + user_factors.item_factors + N(0, noise^2)"));
  file.set_attr(kTruth, kGlobalMean, c.global_mean);
  file.set_attr(kTruth, kNoise, spec.noise);
  file.set_attr(kTruth, kStars, std::int64_t{spec.stars && !spec.implicit});
  file.set_attr(kTruth, kPopularity, spec.popularity);
  file.set_attr(kTruth, kFactorStd, c.factor_std);
  file.set_attr(kTruth, kUserBiasStd, c.user_bias_std);
  file.set_attr(kTruth, kItemBiasStd, c.item_bias_std);
  file.set_attr(kTruth, kDomainWeight, c.domain_weight);
  file.set_attr(kTruth, kTopicWeight, c.topic_weight);
  file.set_attr(kTruth, kTopicShare, c.topic_share);
  file.set_attr(kTruth, kSegmentWeight, c.segment_weight);
  file.set_attr(kTruth, kDomainMixSpread, c.domain_mix_spread);
  file.set_attr(kTruth, kUserFeatureNoise, c.user_feature_noise);
  file.set_attr(kTruth, kItemFeatureNoise, c.item_feature_noise);
  file.set_attr(kTruth, kAcceptScale, c.accept_scale);
  file.set_attr(kTruth, kAcceptShift, c.accept_shift);
  file.set_attr(kTruth, kActivitySigma, c.activity_sigma);
}

// /truth/campaign: this rank's products among its items.
void write_campaign(h5::File& file, const Comm& comm, const CampaignTruth& t) {
  file.create_group(kTruthCampaign);
  write_column<std::int32_t>(file, comm, kTruthCampaignItem, t.item);
  write_column<double>(file, comm, kTruthCampaignControlRate, t.control_rate);
  write_column<double>(file, comm, kTruthCampaignUplift, t.uplift);
}
}  // namespace

void write_truth(h5::File& file, const Comm& comm, const Platform& platform, const UserBlock& users,
                 index_t item_first, index_t item_count) {
  const PlatformSpec& spec = platform.spec();
  const hsize_t K = static_cast<hsize_t>(platform.k());
  write_constants(file, spec, platform.constants());

  write_matrix<real>(file, comm, kTruthUserFactors, users.factors, K);
  write_column<real>(file, comm, kTruthUserBias, users.bias);
  write_column<std::int32_t>(file, comm, kTruthUserSegment, users.segment);
  const auto item_factors = platform.item_factors().subspan(std::size_t(item_first) * K, std::size_t(item_count) * K);
  write_matrix<real>(file, comm, kTruthItemFactors, item_factors, K);
  write_column<real>(file, comm, kTruthItemBias, platform.item_bias().subspan(item_first, item_count));
  write_column<std::int32_t>(file, comm, kTruthItemTopic, platform.item_topic().subspan(item_first, item_count));
  const std::vector<double> popularity = platform.item_popularity();
  write_column<double>(file, comm, kTruthItemPopularity, std::span<const double>(popularity).subspan(item_first, item_count));

  write_matrix<real>(file, comm, kTruthDomainCentroids, on_root(comm, platform.domain_centroids()), K);
  write_matrix<real>(file, comm, kTruthTopicCentroids, on_root(comm, platform.topic_centroids()), K);
  write_column<std::int32_t>(file, comm, kTruthSegmentTopic, on_root(comm, platform.segment_topic()));
  write_matrix<real>(file, comm, kTruthSegmentDomainMix, on_root(comm, platform.segment_domain_mix()),
                     spec.domains.size());
  file.set_attr(kTruthSegmentDomainMix, attr::kNames, spec.domains);
  if (spec.user_features > 0) write_matrix<real>(file, comm, kTruthUserFeatureMap, on_root(comm, platform.user_feature_map()), K);
  if (spec.item_features > 0) write_matrix<real>(file, comm, kTruthItemFeatureMap, on_root(comm, platform.item_feature_map()), K);
  write_column<real>(file, comm, kTruthLabelWeightsLatent, on_root(comm, platform.label_weights_latent()));
  if (spec.user_features > 0) {
    write_column<real>(file, comm, kTruthLabelWeightsFeatures, on_root(comm, platform.label_weights_features()));
    file.set_attr(kTruthLabelWeightsFeatures, attr::kNames, platform.user_feature_names());
  }
  file.set_attr(kTruth, attr::kLabelIntercept, platform.constants().label_intercept);
  if (spec.labelled > 0) write_column<double>(file, comm, kTruthLabelProbability, users.label_probability);
  write_campaign(file, comm, campaign_truth(platform, item_first, item_count));
}

}  // namespace crossmf
