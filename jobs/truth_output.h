// /truth: the model `generate` planted, written beside the data so that tests and analysts can
// compute the best achievable metrics. Layout (K planted factors):
//   /truth                         attributes: global_mean, noise, feedback, stars, popularity,
//                                  the constants of src/model/platform.h, value_model (text)
//   /truth/user_factors [U,K]      /truth/user_bias [U]
//   /truth/item_factors [I,K]      /truth/item_bias [I]      /truth/item_popularity [I] (float64)
//   /truth/user_segment [U] (int32)   /truth/item_topic [I] (int32)
//   /truth/domain_centroids [D,K]  /truth/user_feature_map [F,K]   /truth/item_feature_map [G,K]
//   /truth/topic_centroids [T,K]   /truth/segment_topic [S] (int32)
//   /truth/segment_domain_mix [S,D] (attribute names: the domains) a segment's acceptance per domain
//   /truth/label_weights_latent [K]   /truth/label_weights_features [F]
//   /truth/label_probability [L]   P(outcome = 1) of each user of /labels, in that order
//   /truth/campaign/item [P] (int32), control_rate [P], uplift [P] (float64): each product of
//                                  the domains train builds audiences for (src/model/campaign_truth.h)
//   /truth attribute event_weights with --events (src/model/event_log.h)
#pragma once
#include "io/h5.h"
#include "src/comm/comm.h"
#include "src/model/platform.h"

namespace crossmf {

// Collective: this rank writes its block of users and items [item_first, item_first + item_count);
// rank 0 writes the global maps.
void write_truth(h5::File& file, const Comm& comm, const Platform& platform, const UserBlock& users,
                 index_t item_first, index_t item_count);

}  // namespace crossmf
