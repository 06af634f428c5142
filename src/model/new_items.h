// New items (no interactions yet, but with attributes in /items/features) are placed in the
// latent space by a ridge regression from features to factors, learned on the items that do
// have interactions. Item factors are replicated, so every rank fits the same small map
// locally: (G+1) x (G+1) normal equations, no communication.
#pragma once
#include <vector>

#include "src/model/factors.h"

namespace crossmf {

struct FeatureMap {
  int G = 0;                   // item features (plus an intercept row in `weights`)
  Eigen::MatrixXd weights;     // (G + 1) x width
  std::vector<double> mean, scale;  // feature standardisation
  index_t placed = 0;          // items given factors from their features
};

// One item's factors (and bias) from its G raw features: the map applied to [1, standardised].
void map_features(const FeatureMap& map, const real* features, real* out);

// `features` is n_items x G in original item order; `popularity` by scattered id. Items with no
// training ratings get factors (and bias) from the map. Returns the map.
FeatureMap place_new_items(const Partition& part, const std::vector<real>& features, int G,
                           const std::vector<count_t>& popularity, double lambda, Factors& f,
                           std::vector<std::uint8_t>* from_features);

}  // namespace crossmf
