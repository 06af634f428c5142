// Recommendations and similar items, scored as blocked dense products (a tile of users times a
// tile of items by GEMM) with a partial top-N per row; items the user already rated (in
// training or held out) are excluded. Users with no ratings get the most popular items instead,
// flagged as such.
#pragma once
#include <string>
#include <vector>

#include "src/model/factors.h"

namespace crossmf {

struct Recommendations {
  int n = 0;
  // Per list ("all", then one per domain): local users x n, in local (scattered) user order.
  std::vector<std::string> lists;
  std::vector<std::vector<index_t>> items;  // original item ids, -1 padding
  std::vector<std::vector<real>> scores;    // NaN padding
  std::vector<std::uint8_t> fallback;       // per local user: 1 = popularity fallback
  double flops = 0, seconds = 0;
};

// `domain` (by original item id, may be empty) and `domain_names` define the per-domain lists.
// `popularity` is each item's global rating count, by scattered item id.
// `withhold` (per local user, may be empty): 1 = that user gets no item of a domain with
// `gated_domain[d]`, in any list.
Recommendations recommend(const Partition& part, const Factors& f, int top_n, const std::vector<std::int32_t>& domain,
                          const std::vector<std::string>& domain_names, const std::vector<count_t>& popularity,
                          const std::vector<std::uint8_t>& withhold, const std::vector<bool>& gated_domain, int threads);

// The domains whose offers risky users must not get (--gating) and which get audiences: the
// products a bank or insurer sells, by the names the input's /items/domain uses for them.
inline bool is_gated_domain(const std::string& name) { return name == "finance" || name == "insurance"; }

// Each item's global rating count, by scattered item id (every rank).
std::vector<count_t> item_popularity(const Comm& comm, const Partition& part);

struct SimilarItems {
  std::vector<index_t> items;  // rows of this rank's file-order slice of items x n: original ids
  std::vector<real> scores;    // cosine similarity
};
// Cosine similarity of item factors; this rank computes its slice even_slice(n_items) in file order.
SimilarItems similar_items(const Comm& comm, const Partition& part, const Factors& f, int top_n, int threads);

}  // namespace crossmf
