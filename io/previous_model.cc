#include "io/previous_model.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>

#include "io/dataset_checks.h"
#include "io/h5.h"
#include "io/id_keys.h"
#include "io/schema.h"
#include "src/base/choices.h"
#include "src/numerics/slices.h"

namespace crossmf {

namespace {

// Rows [begin, begin + n) of the factors and the bias, k + 1 values a row.
std::vector<real> read_rows(const h5::File& f, const std::string& factors, const std::string& bias, count_t begin,
                            count_t n, int k) {
  std::vector<real> x(static_cast<std::size_t>(n) * k), b(static_cast<std::size_t>(n)), rows;
  f.dataset(factors).read<real>(x, begin, n);
  f.dataset(bias).read<real>(b, begin, n);
  rows.resize(static_cast<std::size_t>(n) * (k + 1));
  for (count_t r = 0; r < n; ++r) {
    std::copy_n(x.data() + r * k, k, rows.data() + r * (k + 1));
    rows[r * (k + 1) + k] = b[r];
  }
  if (const std::string bad = first_non_finite(rows, k + 1, begin); !bad.empty())
    fail(Exit::data, "{}: {} or {}: {}; train it again", f.path(), factors, bias, bad);
  return rows;
}

// A crossmf output of a format this crossmf reads.
void check_format(const h5::File& f, const std::string& option) {
  const std::string path = f.path();
  if (!f.has_attr("/", schema::attr::kFormat) || f.attr_string("/", schema::attr::kFormat) != schema::kOutputFormat)
    fail(Exit::usage, "{} {} is not a crossmf output (no root attribute {} = \"{}\"); give the output of an "
                      "earlier 'crossmf train'", option, path, schema::attr::kFormat, schema::kOutputFormat);
  if (const auto v = f.attr_int("/", schema::attr::kFormatVersion); v > schema::kOutputVersion)
    fail(Exit::usage, "{} {} has output format_version {}, newer than this crossmf reads ({}); use a newer crossmf",
         option, path, v, schema::kOutputVersion);
}

// The output's shapes and ids, the same on every rank.
void check_layout(const h5::File& f, const std::string& option, int k, PreviousModel& m) {
  const std::string path = f.path();
  check_format(f, option);
  for (const char* ids : {schema::kUsersId, schema::kItemsId})
    if (!f.exists(ids))
      fail(Exit::usage, "{} {} has no {}: a model is matched to the new input by external ids; train from an input "
                        "with /users/id and /items/id", option, path, ids);
  for (const char* name : {schema::kModelUserFactors, schema::kModelItemFactors, schema::kModelUserBias, schema::kModelItemBias})
    if (!f.exists(name)) fail(Exit::data, "{} {} has no {}; give a complete crossmf output", option, path, name);
  m.n_users = static_cast<count_t>(f.dataset(schema::kUsersId).rows());
  m.n_items = static_cast<count_t>(f.dataset(schema::kItemsId).rows());
  for (auto [name, rows, bias] : {std::tuple{schema::kModelUserFactors, m.n_users, schema::kModelUserBias},
                                  {schema::kModelItemFactors, m.n_items, schema::kModelItemBias}}) {
    const int cols = require_matrix(f.dataset(name), rows, "the ids' rows");
    if (cols != k)
      fail(Exit::usage, "{} {}: {} has {} factors but this run trains {}; give --factors {} or drop {}", option, path,
           name, cols, k, cols, option);
    require_column(f.dataset(bias), Values::numbers, rows, "the ids' rows");
  }
  for (const char* ids : {schema::kUsersId, schema::kItemsId}) {
    const h5::Kind kind = f.dataset(ids).kind();
    if (kind != h5::Kind::integer && kind != h5::Kind::string)
      fail(Exit::data, "{} {}: {} holds neither integers nor strings; give a crossmf output", option, path, ids);
  }
}

// A 1-D dataset of numbers, whole, of `n` values when n >= 0.
template <class T>
std::vector<T> whole(const h5::File& f, const std::string& name, count_t n, const std::string& meaning) {
  if (n != -2) require_column(f.dataset(name), Values::numbers, n, meaning);  // -2: checked by the caller
  std::vector<T> v = f.dataset(name).read_all<T>();
  for (T x : v)
    if (!std::isfinite(static_cast<double>(x))) fail(Exit::data, "{}: {} holds a non-finite value; train it again", f.path(), name);
  return v;
}

// The items, the objective's settings and the parts downstream of the factors.
void read_scoring_parts(const h5::File& f, const std::string& option, ScoringModel& m) {
  using namespace schema;
  const std::string path = f.path();
  check_format(f, option);
  if (!f.exists(kItemsId))
    fail(Exit::usage, "{} {} has no {}: items are matched to the new input by external id; train from an input with "
                      "{}", option, path, kItemsId, kItemsId);
  for (const char* name : {kModelItemFactors, kModelItemBias})
    if (!f.exists(name)) fail(Exit::data, "{} {} has no {}; give a complete crossmf output", option, path, name);
  for (const char* a : {attr::kAlgorithm, attr::kFeedback, attr::kLambda})
    if (!f.has_attr(kModel, a)) fail(Exit::data, "{} {}: {} has no attribute {}; give a complete crossmf output", option, path, kModel, a);
  m.config = f.has_attr(kRoot, attr::kConfig) ? f.attr_string(kRoot, attr::kConfig) : "";
  // Its input's fingerprint and when it was written: which training this is.
  for (const char* a : {attr::kInputFingerprint, attr::kCreatedUtc})
    if (f.has_attr(kRoot, a)) m.fingerprint += (m.fingerprint.empty() ? "" : " ") + std::string(a) + "=" + f.attr_string(kRoot, a);
  m.algorithm = f.attr_string(kModel, attr::kAlgorithm);
  const std::optional<Feedback> feedback = choice_named<Feedback>(f.attr_string(kModel, attr::kFeedback));
  if (!feedback) fail(Exit::data, "{} {}: {} attribute {} is not one of {}; give a crossmf output", option, path, kModel,
                      attr::kFeedback, choice_list<Feedback>());
  m.implicit = *feedback == Feedback::kImplicit;
  m.lambda = f.attr_double(kModel, attr::kLambda);
  m.alpha = f.has_attr(kModel, attr::kAlpha) ? f.attr_double(kModel, attr::kAlpha) : 0;
  m.mu = static_cast<real>(f.has_attr(kModelItemBias, attr::kGlobalMean) ? f.attr_double(kModelItemBias, attr::kGlobalMean) : 0);
  m.n_items = static_cast<count_t>(f.dataset(kItemsId).rows());
  m.k = require_matrix(f.dataset(kModelItemFactors), m.n_items, "the item ids' rows");
  require_column(f.dataset(kModelItemBias), Values::numbers, m.n_items, "the item ids' rows");
  const h5::Kind kind = f.dataset(kItemsId).kind();
  if (kind != h5::Kind::integer && kind != h5::Kind::string)
    fail(Exit::data, "{} {}: {} holds neither integers nor strings; give a crossmf output", option, path, kItemsId);
  if (f.exists(kItemsDomain)) {
    require_column(f.dataset(kItemsDomain), Values::integers, m.n_items, "the item ids' rows");
    m.item_domain = f.dataset(kItemsDomain).read_all<std::int32_t>();
    m.domain_names = f.attr_strings(kItemsDomain, attr::kNames);
    for (std::int32_t d : m.item_domain)
      if (d < 0 || d >= static_cast<std::int32_t>(m.domain_names.size()))
        fail(Exit::data, "{} {}: {} holds {}, not an index into its {} names; give a crossmf output", option, path,
             kItemsDomain, d, m.domain_names.size());
  }
  if (f.exists(kProfilesCentroids)) {
    const h5::Dataset c = f.dataset(kProfilesCentroids);
    if (c.dims().size() != 2 || static_cast<int>(c.dims()[1]) != m.k)
      fail(Exit::data, "{} {}: {} is not [segments, {}]; give a crossmf output", option, path, kProfilesCentroids, m.k);
    m.segments = static_cast<int>(c.dims()[0]);
    m.centroids = whole<real>(f, kProfilesCentroids, -2, "");
  }
  m.risk = f.exists(kRiskCoefficients);
  if (m.risk) {
    m.risk_coef = whole<double>(f, kRiskCoefficients, -1, "");
    m.risk_names = f.attr_strings(kRiskCoefficients, attr::kFeatureNames);
    const count_t F = static_cast<count_t>(m.risk_coef.size()) - 1 - m.k;
    if (F < 0 || m.risk_names.size() != m.risk_coef.size())
      fail(Exit::data, "{} {}: {} has {} values for k = {} and {} names; give a crossmf output", option, path,
           kRiskCoefficients, m.risk_coef.size(), m.k, m.risk_names.size());
    m.risk_mean = whole<double>(f, kRiskFeatureMean, F, "one per user feature of the risk model");
    m.risk_std = whole<double>(f, kRiskFeatureStd, F, "one per user feature of the risk model");
  }
  if (f.exists(kModelFeatureMap)) {
    const h5::Dataset d = f.dataset(kModelFeatureMap);
    const int width = m.implicit ? m.k : m.k + 1;
    if (d.dims().size() != 2 || d.dims()[0] < 1 || static_cast<int>(d.dims()[1]) != width)
      fail(Exit::data, "{} {}: {} is not [1 + item features, {}]; give a crossmf output", option, path, kModelFeatureMap, width);
    m.feature_map = whole<double>(f, kModelFeatureMap, -2, "");
    const count_t G = static_cast<count_t>(d.dims()[0]) - 1;
    m.feature_mean = whole<double>(f, kModelFeatureMean, G, "one per item feature of the map");
    m.feature_scale = whole<double>(f, kModelFeatureScale, G, "one per item feature of the map");
  }
  if (f.exists(kModelUserPriorMean)) {
    m.prior_mean = whole<real>(f, kModelUserPriorMean, m.k + 1, "k + 1: the factors then the bias");
    m.prior_precision = whole<real>(f, kModelUserPriorPrecision, m.k + 1, "k + 1: the factors then the bias");
    m.noise = f.attr_double(kModelUserPriorPrecision, attr::kNoisePrecision);
    if (f.exists(kModelRatedVectors)) {
      require_matrix(f.dataset(kModelRatedVectors), m.n_items, "the item ids' rows");
      m.rated = f.dataset(kModelRatedVectors).read_all<real>();
    }
  }
}

}  // namespace

ScoringModel read_scoring_model(const std::string& path, const std::string& option, const Comm& comm) {
  ScoringModel m;
  std::optional<h5::File> f;
  agreed(comm, [&] {
    f.emplace(h5::File::open(path, comm.raw(), false, "a crossmf output (" + option + ")"));
    read_scoring_parts(*f, option, m);
  });
  agreed(comm, [&] {
    m.item_ids = read_id_slice(f->dataset(schema::kItemsId), 0, m.n_items, "item");
    m.item_keys = m.item_ids.keys;
    m.item_rows = read_rows(*f, schema::kModelItemFactors, schema::kModelItemBias, 0, m.n_items, m.k);
  });
  return m;
}

PreviousModel read_previous_model(const std::string& path, const std::string& option, int k, const Comm& comm) {
  PreviousModel m;
  m.k = k;
  std::optional<h5::File> f;
  agreed(comm, [&] {
    f.emplace(h5::File::open(path, comm.raw(), false, "a crossmf output (" + option + ")"));
    check_layout(*f, option, k, m);
  });
  const Slice s = even_slice(m.n_users, comm.rank(), comm.size());
  agreed(comm, [&] {
    m.user_keys = read_id_slice(f->dataset(schema::kUsersId), s.begin, s.end - s.begin, "user").keys;
    m.user_rows = read_rows(*f, schema::kModelUserFactors, schema::kModelUserBias, s.begin, s.end - s.begin, k);
  });
  agreed(comm, [&] {
    m.item_keys = read_id_slice(f->dataset(schema::kItemsId), 0, m.n_items, "item").keys;
    m.item_rows = read_rows(*f, schema::kModelItemFactors, schema::kModelItemBias, 0, m.n_items, k);
  });
  return m;
}

}  // namespace crossmf
