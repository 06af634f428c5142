// Audiences for finance and insurance products: for each product, the A eligible users with the
// highest predicted affinity, and a seeded random hold-out (control) group among them that the
// campaign must not contact, so its lift can be measured.
//
// Each rank scores its own users against the products (user tile x product tile GEMM) and keeps
// a local top-A per product; the candidates go to the product's owner rank (products are cut
// into contiguous ranges, one per rank, which is also the range of rows that rank writes), which
// merges them. No rank sees all users' scores.
#pragma once
#include <string>
#include <vector>

#include "src/model/factors.h"

namespace crossmf {

struct Audience {
  std::string domain;
  count_t products = 0;                 // all products of the domain
  count_t first = 0;                    // first product row this rank owns
  std::vector<index_t> items;           // owned products: original item ids
  std::vector<index_t> users;           // owned products x A: original user ids, -1 padding
  std::vector<real> scores;             // NaN padding
  std::vector<std::uint8_t> control;    // 1 = hold-out, do not contact
};

// `eligible` per local user (risk below the threshold and has ratings).
Audience build_audience(const Comm& comm, const Partition& part, const Factors& f, const std::string& domain_name,
                        int domain_index, const std::vector<std::int32_t>& domain, const std::vector<std::uint8_t>& eligible,
                        int A, double control_fraction, std::uint64_t seed, int threads);

// The seeded hold-out of each product's members: from (seed, product, user) alone, so a user's
// draw does not depend on the other members, the ranks or the contact policy.
void mark_control(Audience& a, int A, double control_fraction, std::uint64_t seed);

}  // namespace crossmf
