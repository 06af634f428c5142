// User profiles: a behaviour summary per user (activity, mean rating, share of interactions per
// domain) and segments from distributed k-means on the user factors.
#pragma once
#include <span>
#include <string>
#include <vector>

#include "src/model/factors.h"

namespace crossmf {

struct Behaviour {
  std::vector<std::int32_t> activity;  // per local user: ratings in the input (training + held out)
  std::vector<real> mean_rating;       // NaN for a user with none
  std::vector<real> domain_share;      // local users x D
  int domains = 0;
};

// `domain` by original item id (may be empty: then no domain shares).
Behaviour behaviour(const Partition& part, const std::vector<std::int32_t>& domain, int n_domains);

struct Segments {
  int S = 0;
  std::vector<std::int32_t> segment;  // per local user
  Matrix centroids;                   // S x k, every rank
  std::vector<count_t> size;          // S, every rank
  std::vector<double> domain_mix;     // S x D: mean domain share of the segment's users
  std::vector<index_t> top_items;     // S x T: original ids of the most characteristic items
  int iterations = 0;
};

// Collective. k-means++ seeding (each pick drawn with one shared random number over the
// allgathered per-rank D^2 sums, so every rank picks the same point), then Lloyd iterations with
// centroid sums and counts reduced across ranks. Users without ratings are left out (segment -1).
Segments segment_users(const Comm& comm, const Partition& part, const Factors& f, const Behaviour& b, int S,
                       int top_items, std::uint64_t seed, int threads);

// Collective. Each user with ratings in the segment of the nearest of fixed `centroids` (S x k),
// then the same sizes, domain mix and characteristic items: a trained model's segments for
// users scored later (score).
Segments assign_segments(const Comm& comm, const Partition& part, const Factors& f, const Behaviour& b,
                         const Matrix& centroids, int top_items, int threads);

// What sets each segment apart from all segmented users (those with ratings), and a short label
// built from it.
struct SegmentTraits {
  std::vector<double> activity;     // S: mean ratings per user (/profiles/activity)
  std::vector<double> risk;         // S: mean risk score; NaN without a risk model
  std::vector<double> domain_lift;  // S x D: mean domain share over the all-users mean share
  std::vector<std::string> label;   // S: e.g. "finance-leaning, light readers, low risk"
};

// Collective (one allreduce). `risk` per local user, empty without a risk model. Label rules,
// deterministic: the domain of largest lift, when above 1.2, gives "<domain>-leaning"; mean
// activity at least 1.25x (at most 0.8x) the overall mean gives "heavy readers" ("light
// readers"); mean risk likewise gives "high risk" ("low risk"). No trait: "typical"; no users:
// "empty". NaN (lift, activity, risk) where a mean has no users.
SegmentTraits describe_segments(const Comm& comm, const Segments& seg, const Behaviour& b, std::span<const real> risk,
                                const std::vector<std::string>& domain_names);

}  // namespace crossmf
