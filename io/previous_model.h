// A trained output read back as the start of a new training (train --init-from): its factors
// and biases, keyed by the external ids of its users and items, so that tomorrow's input, which
// numbers them differently, finds each one.
#pragma once
#include <string>
#include <vector>

#include "src/comm/comm.h"
#include "io/id_keys.h"
#include "src/comm/duplicates.h"

namespace crossmf {

struct PreviousModel {
  int k = 0;
  count_t n_users = 0, n_items = 0;
  // Rows of k factors then the bias: this rank's even slice of the users, every item.
  std::vector<Key128> user_keys, item_keys;
  std::vector<real> user_rows, item_rows;
};

// Collective. `option` names the option in messages ("--init-from"). Refuses, with the same
// AgreedError on every rank: a file that is not a crossmf output or is of a newer format
// (Exit::usage), a factor count other than `k` (Exit::usage), an output without /users/id or
// /items/id (Exit::usage: ids are what match rows across inputs), damaged shapes or non-finite
// values (Exit::data).
PreviousModel read_previous_model(const std::string& path, const std::string& option, int k, const Comm& comm);

// What `crossmf score` needs of a trained output to score users it has not seen: the objective's
// settings, the items (every rank all of them, as in training) and the stored downstream models.
struct ScoringModel {
  std::string config;       // the root attribute: the options it was trained with, as INI text
  std::string fingerprint;  // of its input
  std::string algorithm;
  bool implicit = false;  // its feedback
  double lambda = 0, alpha = 0;
  real mu = 0;  // global mean
  int k = 0;
  count_t n_items = 0;
  std::vector<Key128> item_keys;
  IdSlice item_ids;             // every item's id as stored
  std::vector<real> item_rows;  // n_items x (k + 1): factors, bias
  std::vector<std::int32_t> item_domain;
  std::vector<std::string> domain_names;
  std::vector<real> centroids;  // S x k
  int segments = 0;
  // The risk model, when it was fitted: [1, factors, standardised features] coefficients.
  bool risk = false;
  std::vector<double> risk_coef, risk_mean, risk_std;
  std::vector<std::string> risk_names;
  // BMF: the users' prior (k + 1 means and precisions), the noise precision and, with the rated
  // prior, the items' vectors (n_items x k; empty without).
  std::vector<real> prior_mean, prior_precision, rated;
  double noise = 0;
  // The map that places items from their features (/model/feature_map, (G + 1) x width rows;
  // empty without): [1, standardised features] -> [factors, bias].
  std::vector<double> feature_map, feature_mean, feature_scale;
};

// Collective. Refuses as read_previous_model does, and a model without item ids.
ScoringModel read_scoring_model(const std::string& path, const std::string& option, const Comm& comm);

}  // namespace crossmf
