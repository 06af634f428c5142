// Audiences under a contact policy (--max-offers-per-user N): the (user, product) pairs of every
// gated domain at once that maximise the total predicted affinity, with at most A users per
// product and at most N products per user, eligible users only, never a product the user already
// rated.
//
// This is a transportation problem, solved by Bertsekas' auction, synchronous across ranks.
// Users bid from their owner ranks against the products' prices (replicated); each product's
// owner rank (the rank that writes its audience row) keeps its A best bids, and tells the
// winners and the users it drops. No rank sees another rank's users' candidates.
#pragma once
#include <string>
#include <vector>

#include "src/model/audience.h"

namespace crossmf {

struct ContactStats {
  int rounds = 0;
  bool converged = true;          // no user had a bid left to make
  double epsilon = 0;             // the auction's bid increment
  double affinity = 0;            // total affinity of the pairs assigned
  double bound = 0;               // an upper bound on the optimum (LP dual at the final prices)
  count_t eligible_users = 0;
  count_t pairs = 0;              // offers made in all
  count_t users_full = 0;         // users given N offers
  count_t users_none = 0;         // eligible users given none
  int max_offers = 0;             // most offers any user got (<= N)
};

// Collective. `domains` are the gated domains' (name, index into the item domain names);
// `eligible` per local user as for build_audience. One Audience per entry of `domains`, its rows
// as build_audience lays them out, each product's users best affinity first.
std::vector<Audience> assign_audiences(const Comm& comm, const Partition& part, const Factors& f,
                                       const std::vector<std::pair<std::string, int>>& domains,
                                       const std::vector<std::int32_t>& domain, const std::vector<std::uint8_t>& eligible,
                                       int A, int N, double control_fraction, std::uint64_t seed, int threads,
                                       ContactStats* stats);

}  // namespace crossmf
