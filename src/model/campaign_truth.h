// The outcomes a campaign on the generated platform would have, planted per product so that
// `crossmf lift` can be checked against a known uplift (`crossmf generate`, /truth/campaign).
//
// The law: every item of a domain that `train` builds audiences for (is_gated_domain) gets,
// from the item's own stream (Purpose::campaign),
//   control_rate p0 ~ U(0.02, 0.2)     the conversion probability of a member not contacted
//   uplift    delta ~ U(0, 0.1)        added by contact: a contacted member converts with p0 + delta
// Members convert independently of one another (tools/campaign_outcomes.py draws them).
#pragma once
#include <cstdint>
#include <vector>

#include "src/model/platform.h"

namespace crossmf {

struct CampaignTruth {
  std::vector<std::int32_t> item;  // item indices, increasing
  std::vector<double> control_rate, uplift;
};

// The products among items [first, first + count).
CampaignTruth campaign_truth(const Platform& platform, index_t first, index_t count);

}  // namespace crossmf
