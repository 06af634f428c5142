#include "src/model/campaign_truth.h"

#include "src/model/recommend.h"

namespace crossmf {

CampaignTruth campaign_truth(const Platform& platform, index_t first, index_t count) {
  const std::vector<std::string>& domains = platform.spec().domains;
  std::vector<bool> gated;
  for (const std::string& name : domains) gated.push_back(is_gated_domain(name));
  CampaignTruth t;
  for (index_t i = first; i < first + count; ++i) {
    if (!gated[platform.item_domain()[i]]) continue;
    RandomStream rs(platform.spec().seed, Purpose::campaign, static_cast<std::uint64_t>(i));
    const double p0 = 0.02 + 0.18 * rs.uniform();
    t.item.push_back(static_cast<std::int32_t>(i));
    t.control_rate.push_back(p0);
    t.uplift.push_back(0.1 * rs.uniform());
  }
  return t;
}

}  // namespace crossmf
