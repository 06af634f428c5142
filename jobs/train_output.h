// What train computes, and how it is laid out in the output schema of CONTRACT.md.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "io/id_keys.h"
#include "io/input_reader.h"
#include "src/base/config.h"
#include "src/model/als.h"
#include "src/model/contact_policy.h"
#include "src/model/evaluate.h"
#include "src/model/new_items.h"
#include "src/model/profile.h"
#include "src/model/recommend.h"
#include "src/model/risk.h"
#include "src/model/tune.h"

namespace crossmf {

struct History {
  std::vector<std::string> columns;
  std::map<std::string, std::vector<double>> values;
  void add(const std::string& c, double v) {
    if (!values.count(c)) columns.push_back(c);
    values[c].push_back(v);
  }
};

struct TrainResults {
  bool trained = true;  // false: written by score, which has no history, tuning or similar items
  bool implicit = false;
  std::string algorithm;  // as run: --algorithm auto resolved
  int iterations_run = 0;
  double lambda = 0, alpha = NAN;  // as trained (alpha: implicit only)
  TuneResult tuning;               // --lambda/--alpha auto: the candidates tried
  std::string fingerprint;  // of the input
  std::string model, model_fingerprint;  // score: the trained output it folded users into
  Factors factors;
  FoldInPrior fold_in;  // bmf: the users' prior score folds in with (empty otherwise)
  History history;
  Metrics metrics;
  std::vector<std::string> domain_names;
  std::vector<bool> gated_domain;
  FeatureMap feature_map;                    // when the input has /items/features
  std::vector<std::uint8_t> item_from_features;  // by original item id
  RiskModel risk;
  RiskReasons risk_reasons;  // when the risk model is available
  Recommendations recommendations;
  std::vector<std::uint8_t> gated;  // per local user, when --gating flag
  Behaviour behaviour;
  Segments segments;
  SegmentTraits segment_traits;
  SimilarItems similar;
  std::vector<Audience> audiences;
  ContactStats contacts;               // with --max-offers-per-user
};

// Where the output's ids come from: /users/id from `users`, /items/id from `items` (train: both
// the input; score: the input and the model), and every item's domain (empty: none).
struct IdSources {
  h5::File& users;
  h5::File& items;
  std::vector<std::int32_t> item_domain;
  // score --users: this rank's chosen users' ids, written at rows [chosen_first, ...) instead of
  // copying the users' /users/id.
  const IdSlice* chosen = nullptr;
  count_t chosen_first = 0;
  bool chosen_strings = false;  // the ids are strings (on every rank alike)
  // score: every item's id on every rank (the model's, then those it placed), written instead of
  // copying /items/id.
  const IdSlice* all_items = nullptr;
  const IdSlice* more_items = nullptr;
};

// Collective. Writes everything into `path` (the temporary file of an AtomicOutput).
// `info` gives the users' and items' counts. Returns the bytes this rank wrote.
std::size_t write_train_output(const std::string& path, const Comm& comm, const Config& config, const InputInfo& info,
                               const IdSources& ids, const Partition& part, const TrainResults& r);

}  // namespace crossmf
