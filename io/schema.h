// Names and versions of the HDF5 layouts in CONTRACT.md, in one place: every group, dataset and
// attribute a crossmf writer creates is named here.
#pragma once
#include <string>
#include <string_view>

namespace crossmf::schema {

inline constexpr const char* kRoot = "/";

// Input file (written by generate and import, read by train and inspect).
inline constexpr const char* kInputFormat = "crossmf-input";
inline constexpr int kInputVersion = 1;  // readers refuse a newer one
inline constexpr const char* kRatings = "/ratings";  // attributes n_users, n_items, feedback
inline constexpr const char* kRatingsUser = "/ratings/user";
inline constexpr const char* kRatingsItem = "/ratings/item";
inline constexpr const char* kRatingsValue = "/ratings/value";
inline constexpr const char* kRatingsTime = "/ratings/time";
inline constexpr const char* kTest = "/test";
inline constexpr const char* kTestUser = "/test/user";
inline constexpr const char* kTestItem = "/test/item";
inline constexpr const char* kTestValue = "/test/value";
inline constexpr const char* kTestTime = "/test/time";
// The columns of a ratings group (kRatings or kTest), after its name and a '/'.
inline constexpr const char* kUserColumn = "user";
inline constexpr const char* kItemColumn = "item";
inline constexpr const char* kValueColumn = "value";
inline constexpr const char* kTimeColumn = "time";
inline constexpr const char* kItemsDomain = "/items/domain";   // attribute "names"
inline constexpr const char* kItemsId = "/items/id";
inline constexpr const char* kItemsFeatures = "/items/features";  // attribute "names"
inline constexpr const char* kUsersId = "/users/id";
inline constexpr const char* kUsersFeatures = "/users/features";  // attribute "names"
inline constexpr const char* kLabelsUser = "/labels/user";
inline constexpr const char* kLabelsValue = "/labels/value";
inline constexpr const char* kTruth = "/truth";  // generate's planted model, for tests (jobs/truth_output.h)
inline constexpr const char* kTruthUserFactors = "/truth/user_factors";
inline constexpr const char* kTruthUserBias = "/truth/user_bias";
inline constexpr const char* kTruthItemFactors = "/truth/item_factors";
inline constexpr const char* kTruthItemBias = "/truth/item_bias";
inline constexpr const char* kTruthItemPopularity = "/truth/item_popularity";
inline constexpr const char* kTruthDomainCentroids = "/truth/domain_centroids";
inline constexpr const char* kTruthTopicCentroids = "/truth/topic_centroids";
inline constexpr const char* kTruthItemTopic = "/truth/item_topic";
inline constexpr const char* kTruthUserSegment = "/truth/user_segment";
inline constexpr const char* kTruthSegmentTopic = "/truth/segment_topic";
inline constexpr const char* kTruthSegmentDomainMix = "/truth/segment_domain_mix";
inline constexpr const char* kTruthUserFeatureMap = "/truth/user_feature_map";
inline constexpr const char* kTruthItemFeatureMap = "/truth/item_feature_map";
inline constexpr const char* kTruthLabelWeightsLatent = "/truth/label_weights_latent";
inline constexpr const char* kTruthLabelWeightsFeatures = "/truth/label_weights_features";
inline constexpr const char* kTruthLabelProbability = "/truth/label_probability";
// Planted campaign outcomes per product (src/model/campaign_truth.h).
inline constexpr const char* kTruthCampaign = "/truth/campaign";
inline constexpr const char* kTruthCampaignItem = "/truth/campaign/item";
inline constexpr const char* kTruthCampaignControlRate = "/truth/campaign/control_rate";
inline constexpr const char* kTruthCampaignUplift = "/truth/campaign/uplift";

// Output file (written by train). The ids and /items/domain are copied under the input's names.
inline constexpr const char* kOutputFormat = "crossmf-output";
inline constexpr int kOutputVersion = 1;
inline constexpr const char* kModel = "/model";
inline constexpr const char* kModelUserFactors = "/model/user_factors";
inline constexpr const char* kModelItemFactors = "/model/item_factors";
inline constexpr const char* kModelUserBias = "/model/user_bias";
inline constexpr const char* kModelItemBias = "/model/item_bias";
inline constexpr const char* kModelItemFromFeatures = "/model/item_from_features";
inline constexpr const char* kModelFeatureMap = "/model/feature_map";
inline constexpr const char* kModelFeatureMean = "/model/feature_mean";
inline constexpr const char* kModelFeatureScale = "/model/feature_scale";
// BMF: what a fold-in (score) needs beyond the factors; attribute noise_precision.
inline constexpr const char* kModelUserPriorMean = "/model/user_prior_mean";
inline constexpr const char* kModelUserPriorPrecision = "/model/user_prior_precision";
inline constexpr const char* kModelRatedVectors = "/model/rated_vectors";
inline constexpr const char* kMetrics = "/metrics";
inline constexpr const char* kMetricsHistory = "/metrics/history";  // one dataset per column
inline constexpr const char* kTuning = "/metrics/tuning";
inline constexpr const char* kTuningLambda = "/metrics/tuning/lambda";
inline constexpr const char* kTuningAlpha = "/metrics/tuning/alpha";
inline constexpr const char* kTuningValidationNdcg = "/metrics/tuning/validation_ndcg_at_k";  // implicit
inline constexpr const char* kTuningValidationRmse = "/metrics/tuning/validation_rmse";       // explicit
inline constexpr const char* kTuningIterations = "/metrics/tuning/iterations";
inline constexpr const char* kTuningSeconds = "/metrics/tuning/seconds";
inline constexpr const char* kProfiles = "/profiles";
inline constexpr const char* kProfilesActivity = "/profiles/activity";
inline constexpr const char* kProfilesMeanRating = "/profiles/mean_rating";
inline constexpr const char* kProfilesDomainShare = "/profiles/domain_share";
inline constexpr const char* kProfilesSegment = "/profiles/segment";
inline constexpr const char* kProfilesCentroids = "/profiles/centroids";
inline constexpr const char* kSegmentsSize = "/profiles/segments/size";
inline constexpr const char* kSegmentsDomainMix = "/profiles/segments/domain_mix";
inline constexpr const char* kSegmentsTopItems = "/profiles/segments/top_items";
inline constexpr const char* kSegmentsActivity = "/profiles/segments/activity";
inline constexpr const char* kSegmentsRisk = "/profiles/segments/risk";
inline constexpr const char* kSegmentsDomainLift = "/profiles/segments/domain_lift";  // attribute "names"
inline constexpr const char* kSegmentsLabel = "/profiles/segments/label";
inline constexpr const char* kRecommendations = "/recommendations";  // a group per list: items, scores
inline constexpr const char* kRecommendationsFallback = "/recommendations/fallback";
inline constexpr const char* kRecommendationsGated = "/recommendations/gated";
inline constexpr const char* kSimilarItemsItems = "/similar_items/items";
inline constexpr const char* kSimilarItemsScores = "/similar_items/scores";
inline constexpr const char* kRisk = "/risk";
inline constexpr const char* kRiskScore = "/risk/score";
inline constexpr const char* kRiskTier = "/risk/tier";
inline constexpr const char* kRiskSplit = "/risk/split";
inline constexpr const char* kRiskCoefficients = "/risk/coefficients";
inline constexpr const char* kRiskFeatureMean = "/risk/feature_mean";
inline constexpr const char* kRiskFeatureStd = "/risk/feature_std";
inline constexpr const char* kRiskReasons = "/risk/reasons";
inline constexpr const char* kRiskReasonContributions = "/risk/reason_contributions";
inline constexpr const char* kRiskReliabilityPredicted = "/risk/reliability/predicted";
inline constexpr const char* kRiskReliabilityObserved = "/risk/reliability/observed";
inline constexpr const char* kRiskReliabilityCount = "/risk/reliability/count";
inline constexpr const char* kAudiences = "/audiences";  // a group per gated domain
// The datasets of a recommendation list's or an audience's group, after its name and a '/'.
inline constexpr const char* kItemsLeaf = "items";
inline constexpr const char* kScoresLeaf = "scores";
inline constexpr const char* kUsersLeaf = "users";
inline constexpr const char* kControlLeaf = "control";

// `group`/`leaf`, for the groups above named at run time (a history column, a list, a domain).
inline std::string path(std::string_view group, std::string_view leaf) {
  return std::string(group) + "/" + std::string(leaf);
}

// Lift file (written by lift): contacted against control conversion of a campaign. Each group
// holds one dataset per column, a row per product, per segment, or the one overall row.
inline constexpr const char* kLiftFormat = "crossmf-lift";
inline constexpr int kLiftVersion = 1;
inline constexpr const char* kLift = "/lift";  // attributes: the outcomes' counts, the methods
inline constexpr const char* kLiftProducts = "/lift/products";
inline constexpr const char* kLiftSegments = "/lift/segments";
inline constexpr const char* kLiftOverall = "/lift/overall";
// The key columns of the lift groups (and the CSV's), after a group's name and a '/'.
inline constexpr const char* kLiftItem = "item";        // products: dense item index of the output
inline constexpr const char* kLiftId = "id";            // products: external id, as /items/id
inline constexpr const char* kLiftDomain = "domain";    // products: the audience group's name
inline constexpr const char* kLiftSegment = "segment";  // segments: /profiles/segment's value
// The statistics columns of every lift group, in this order (src/numerics/uplift.h).
inline constexpr const char* kLiftCountColumns[] = {"contacted", "contacted_conversions", "control",
                                                    "control_conversions"};
inline constexpr const char* kLiftRateColumns[] = {"contacted_rate", "control_rate", "uplift", "uplift_low",
                                                   "uplift_high", "relative_uplift", "relative_uplift_low",
                                                   "relative_uplift_high", "p_value"};

// Checkpoint file.
inline constexpr const char* kCheckpointFormat = "crossmf-checkpoint";
inline constexpr int kCheckpointVersion = 1;
inline constexpr const char* kCheckpointUsers = "/users";            // [f, bias] rows
inline constexpr const char* kCheckpointItems = "/items";
inline constexpr const char* kCheckpointUserState = "/user_state";   // the trainer's per-row state
inline constexpr const char* kCheckpointItemState = "/item_state";
inline constexpr const char* kCheckpointHistory = "/history";        // attribute columns; one dataset each

// Attribute names.
namespace attr {
// The root of every crossmf file.
inline constexpr const char* kFormat = "format";
inline constexpr const char* kFormatVersion = "format_version";
inline constexpr const char* kCrossmfVersion = "crossmf_version";
inline constexpr const char* kCreatedUtc = "created_utc";
inline constexpr const char* kConfig = "config";  // the resolved options as INI text
// The root of an input file.
inline constexpr const char* kGenerator = "generator";    // generate: "crossmf generate <version>"
inline constexpr const char* kSeed = "seed";              // generate
inline constexpr const char* kCreatedBy = "created_by";   // import: "crossmf import"
// The root of an output file.
inline constexpr const char* kNRanks = "n_ranks";
inline constexpr const char* kInput = "input";
inline constexpr const char* kInputFingerprint = "input_fingerprint";
inline constexpr const char* kKernels = "kernels";
// Input groups and datasets.
inline constexpr const char* kNUsers = "n_users";
inline constexpr const char* kNItems = "n_items";
inline constexpr const char* kFeedback = "feedback";  // also on /model
inline constexpr const char* kNames = "names";        // column or category names
// /truth: the planted model's constants (src/model/platform.h).
inline constexpr const char* kValueModel = "value_model";
inline constexpr const char* kNoise = "noise";
inline constexpr const char* kStars = "stars";
inline constexpr const char* kPopularity = "popularity";
inline constexpr const char* kFactorStd = "factor_std";
inline constexpr const char* kUserBiasStd = "user_bias_std";
inline constexpr const char* kItemBiasStd = "item_bias_std";
inline constexpr const char* kDomainWeight = "domain_weight";
inline constexpr const char* kTopicWeight = "topic_weight";
inline constexpr const char* kTopicShare = "topic_share";
inline constexpr const char* kSegmentWeight = "segment_weight";
inline constexpr const char* kDomainMixSpread = "domain_mix_spread";
inline constexpr const char* kUserFeatureNoise = "user_feature_noise";
inline constexpr const char* kItemFeatureNoise = "item_feature_noise";
inline constexpr const char* kAcceptScale = "accept_scale";
inline constexpr const char* kAcceptShift = "accept_shift";
inline constexpr const char* kActivitySigma = "activity_sigma";
inline constexpr const char* kLabelIntercept = "label_intercept";
// /truth with generate --events: the --event-weights that import the event log back.
inline constexpr const char* kEventWeights = "event_weights";
// The root of a checkpoint (with kCrossmfVersion, kInputFingerprint, kKernels, kGlobalMean).
inline constexpr const char* kOptions = "options";
inline constexpr const char* kIteration = "iteration";
inline constexpr const char* kBest = "best";
inline constexpr const char* kFirstLoss = "first_loss";
inline constexpr const char* kSpent = "spent";
inline constexpr const char* kSinceBest = "since_best";
inline constexpr const char* kTrainingComplete = "training_complete";
inline constexpr const char* kWidth = "width";
inline constexpr const char* kColumns = "columns";  // on kCheckpointHistory
// Output groups and datasets (and kGlobalMean on /truth).
inline constexpr const char* kMeaning = "meaning";
inline constexpr const char* kGlobalMean = "global_mean";
inline constexpr const char* kAlgorithm = "algorithm";
inline constexpr const char* kIterationsRun = "iterations_run";
inline constexpr const char* kLambda = "lambda";
inline constexpr const char* kAlpha = "alpha";
inline constexpr const char* kNoisePrecision = "noise_precision";
inline constexpr const char* kModelFingerprint = "model_fingerprint";  // score: the trained output's
inline constexpr const char* kModel = "model";                          // score: its path
inline constexpr const char* kValidationRatings = "validation_ratings";
inline constexpr const char* kRmse = "rmse";
inline constexpr const char* kMae = "mae";
inline constexpr const char* kPrecisionAtK = "precision_at_k";
inline constexpr const char* kRecallAtK = "recall_at_k";
inline constexpr const char* kNdcgAtK = "ndcg_at_k";
inline constexpr const char* kMapAtK = "map_at_k";
inline constexpr const char* kAuc = "auc";
inline constexpr const char* kK = "k";
inline constexpr const char* kUsersEvaluated = "users_evaluated";
inline constexpr const char* kHeldOutRatings = "held_out_ratings";
inline constexpr const char* kKmeansIterations = "kmeans_iterations";
inline constexpr const char* kFallbackMeaning = "fallback_meaning";
inline constexpr const char* kGatedMeaning = "gated_meaning";
inline constexpr const char* kStatus = "status";
inline constexpr const char* kFeatureNames = "feature_names";
inline constexpr const char* kKs = "ks";
inline constexpr const char* kGini = "gini";
inline constexpr const char* kBrier = "brier";
inline constexpr const char* kThreshold = "threshold";
inline constexpr const char* kNFit = "n_fit";
inline constexpr const char* kNHeldOut = "n_held_out";
inline constexpr const char* kControlFraction = "control_fraction";
inline constexpr const char* kEligibility = "eligibility";
inline constexpr const char* kMaxOffersPerUser = "max_offers_per_user";  // on /audiences; 0: no cap
// The /lift group of a lift file.
inline constexpr const char* kAudiencesFile = "audiences";  // the output read (--audiences)
inline constexpr const char* kOutcomesFile = "outcomes";    // --outcomes
inline constexpr const char* kConfidence = "confidence";
inline constexpr const char* kAbsoluteInterval = "absolute_interval";
inline constexpr const char* kRelativeInterval = "relative_interval";
inline constexpr const char* kTestName = "test";
inline constexpr const char* kOutcomeRows = "outcome_rows";
inline constexpr const char* kUnknownUsers = "unknown_users";
inline constexpr const char* kUnknownProducts = "unknown_products";
inline constexpr const char* kOutsideAudiences = "outside_audiences";
inline constexpr const char* kRepeatedPairs = "repeated_pairs";
}  // namespace attr

}  // namespace crossmf::schema
