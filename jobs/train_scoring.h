// What the platform acts on, computed from the trained factors: new items placed from their
// features, the risk model, risk-gated recommendations, behaviour and segments, similar items
// and the audiences of finance and insurance products.
#pragma once
#include "io/previous_model.h"
#include "jobs/train_context.h"

namespace crossmf {

// Collective. Fills run.results; frees run.side.
void score_users(TrainContext& run);

// Collective (crossmf score). The same for users folded into a trained model `m`: its stored
// risk coefficients and segments' centroids; `domain` of every item of the partition.
// Fills run.results; frees run.side.
void score_folded_users(TrainContext& run, const ScoringModel& m, const std::vector<std::int32_t>& domain);

}  // namespace crossmf
