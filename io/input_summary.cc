#include "io/input_summary.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "io/h5_listing.h"
#include "io/row_slices.h"
#include "io/schema.h"
#include "src/base/choices.h"
#include "src/numerics/radix_quantiles.h"

namespace crossmf {

namespace {

constexpr count_t kBlockRows = count_t{1} << 22;
const std::vector<double> kQuantiles = {0, 0.25, 0.5, 0.75, 0.9, 0.99, 1};

std::string text_attr(const h5::File& f, const std::string& obj, const std::string& name) {
  if (!f.has_attr(obj, name)) return "";
  try {
    return std::to_string(f.attr_int(obj, name));
  } catch (const Error&) {
    return f.attr_string(obj, name);
  }
}

std::vector<std::string> names_attr(const h5::File& f, const std::string& obj) {
  return f.has_attr(obj, "names") ? f.attr_strings(obj, "names") : std::vector<std::string>{};
}

TableSummary summarize_table(const h5::File& f, const Comm& comm, const std::string& group, const InputSummary& in,
                             std::span<const index_t> item_domain) {
  TableSummary t;
  t.present = f.exists(schema::path(group, schema::kUserColumn));
  if (!t.present) return t;
  const h5::Dataset user = f.dataset(schema::path(group, schema::kUserColumn)), item = f.dataset(schema::path(group, schema::kItemColumn)), value = f.dataset(schema::path(group, schema::kValueColumn));
  t.nnz = static_cast<count_t>(user.rows());
  if (static_cast<count_t>(item.rows()) != t.nnz || static_cast<count_t>(value.rows()) != t.nnz)
    fail(Exit::data, "{}: {}/user, /item and /value have different lengths ({}, {}, {}); they are columns of one table",
         f.path(), group, t.nnz, item.rows(), value.rows());
  t.has_time = f.exists(schema::path(group, schema::kTimeColumn));
  std::optional<h5::Dataset> time;
  if (t.has_time) time.emplace(f.dataset(schema::path(group, schema::kTimeColumn)));
  // An unknown or missing feedback attribute: both summaries.
  const std::optional<Feedback> kind = choice_named<Feedback>(in.feedback);
  const bool stars = kind != Feedback::kImplicit, quantiles = kind != Feedback::kExplicit;

  std::vector<std::uint8_t> user_seen(in.n_users, 0);
  std::vector<count_t> per_item(in.n_items, 0);
  std::vector<count_t> star_counts(7, 0);
  std::vector<index_t> u, i;
  std::vector<float> v;
  std::vector<std::int64_t> tm;
  double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
  std::int64_t tmin = INT64_MAX, tmax = INT64_MIN;
  RadixQuantiles radix(kQuantiles);
  const RowShare share = share_rows(t.nnz, comm);
  for_each_block(share, kBlockRows, comm, [&](count_t first, count_t n) {
    u.resize(n); i.resize(n); v.resize(n);
    user.read<index_t>(u, first, n);
    item.read<index_t>(i, first, n);
    value.read<float>(v, first, n);
    if (time) {
      tm.resize(n);
      time->read<std::int64_t>(tm, first, n);
      for (auto x : tm) { tmin = std::min(tmin, x); tmax = std::max(tmax, x); }
    }
    for (count_t k = 0; k < n; ++k) {
      if (u[k] < 0 || u[k] >= in.n_users) ++t.bad_users; else user_seen[u[k]] = 1;
      if (i[k] < 0 || i[k] >= in.n_items) ++t.bad_items; else ++per_item[i[k]];
      const double x = v[k];
      if (std::isnan(x)) { ++t.values.nan; continue; }
      sum += x;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      if (stars) ++star_counts[std::clamp<long>(std::lround(std::clamp(x, -1.0, 7.0)), 0, 6)];
    }
    if (quantiles) radix.count_coarse(v);
  });

  t.bad_users = comm.sum(t.bad_users);
  t.bad_items = comm.sum(t.bad_items);
  t.values.nan = comm.sum(t.values.nan);
  t.values.count = t.nnz - t.values.nan;
  t.values.mean = t.values.count ? comm.sum(sum) / static_cast<double>(t.values.count) : 0.0;
  t.values.min = comm.min(lo);
  t.values.max = comm.max(hi);
  if (t.has_time) { t.time_min = comm.min(tmin); t.time_max = comm.max(tmax); }
  comm.max(std::span<std::uint8_t>(user_seen));
  comm.sum(std::span<count_t>(per_item));
  t.users_with = std::count(user_seen.begin(), user_seen.end(), 1);
  t.items_with = std::count_if(per_item.begin(), per_item.end(), [](count_t c) { return c > 0; });
  if (!item_domain.empty()) {
    t.domain_interactions.assign(in.domains.size(), 0);
    for (count_t j = 0; j < in.n_items; ++j)
      if (item_domain[j] >= 0 && item_domain[j] < static_cast<index_t>(in.domains.size()))
        t.domain_interactions[item_domain[j]] += per_item[j];
  }
  if (stars) {
    comm.sum(std::span<count_t>(star_counts));
    t.values.stars = star_counts;
  }
  if (quantiles) {
    comm.sum(radix.coarse());
    if (radix.choose()) {
      for_each_block(share, kBlockRows, comm, [&](count_t first, count_t n) {
        v.resize(n);
        value.read<float>(v, first, n);
        radix.count_fine(v);
      });
      comm.sum(radix.fine());
      const std::vector<double> q = radix.values();
      for (std::size_t j = 0; j < q.size(); ++j) t.values.quantiles.emplace_back(kQuantiles[j], q[j]);
    }
  }
  return t;
}

}  // namespace

InputSummary summarize_input(const h5::File& f, const Comm& comm) {
  InputSummary s;
  s.format = text_attr(f, "/", "format");
  s.version = f.has_attr("/", "format_version") ? f.attr_int("/", "format_version") : 0;
  s.generator = text_attr(f, "/", "generator");
  s.seed = text_attr(f, "/", "seed");
  if (!f.exists(schema::kRatings))
    fail(Exit::data, "{}: no {} group; an input file holds its ratings there (CONTRACT.md, 'Input file')", f.path(), schema::kRatings);
  s.n_users = f.attr_int(schema::kRatings, "n_users");
  s.n_items = f.attr_int(schema::kRatings, "n_items");
  if (s.n_users < 0 || s.n_items < 0)
    fail(Exit::data, "{}: {} attributes n_users {} and n_items {} must not be negative", f.path(), schema::kRatings, s.n_users, s.n_items);
  s.feedback = text_attr(f, schema::kRatings, "feedback");

  std::vector<index_t> domain;
  if (f.exists(schema::kItemsDomain)) {
    s.domains = names_attr(f, schema::kItemsDomain);
    const h5::Dataset d = f.dataset(schema::kItemsDomain);
    if (static_cast<count_t>(d.rows()) != s.n_items)
      fail(Exit::data, "{}: {} has {} rows but n_items is {}", f.path(), schema::kItemsDomain, d.rows(), s.n_items);
    // Per-item, small: every rank needs it to file interactions under domains.
    domain = d.read_all<index_t>();
    s.domain_items.assign(s.domains.size(), 0);
    for (index_t x : domain) {
      if (x < 0 || x >= static_cast<index_t>(s.domains.size())) ++s.bad_domains;
      else ++s.domain_items[x];
    }
  }
  s.ratings = summarize_table(f, comm, schema::kRatings, s, domain);
  if (!s.ratings.present)
    fail(Exit::data, "{}: {} is missing; the input schema is in CONTRACT.md ('Input file')", f.path(), schema::kRatingsUser);
  s.test = summarize_table(f, comm, schema::kTest, s, domain);

  s.has_user_features = f.exists(schema::kUsersFeatures);
  if (s.has_user_features) s.user_features = names_attr(f, schema::kUsersFeatures);
  s.has_item_features = f.exists(schema::kItemsFeatures);
  if (s.has_item_features) s.item_features = names_attr(f, schema::kItemsFeatures);
  if (f.exists(schema::kUsersId)) s.user_ids = h5::dtype_text(f.dataset(schema::kUsersId));
  if (f.exists(schema::kItemsId)) s.item_ids = h5::dtype_text(f.dataset(schema::kItemsId));
  s.has_truth = f.exists(schema::kTruth);

  s.has_labels = f.exists(schema::kLabelsValue);
  if (s.has_labels) {
    const h5::Dataset lu = f.dataset(schema::kLabelsUser), lv = f.dataset(schema::kLabelsValue);
    s.labelled = static_cast<count_t>(lv.rows());
    if (static_cast<count_t>(lu.rows()) != s.labelled)
      fail(Exit::data, "{}: {} and {} have different lengths", f.path(), schema::kLabelsUser, schema::kLabelsValue);
    std::vector<std::int64_t> users;
    std::vector<real> values;
    for_each_block(share_rows(s.labelled, comm), kBlockRows, comm, [&](count_t first, count_t n) {
      users.resize(n);
      values.resize(n);
      lu.read<std::int64_t>(users, first, n);
      lv.read<real>(values, first, n);
      for (count_t k = 0; k < n; ++k) {
        if (values[k] != 0) ++s.positive;
        if (users[k] < 0 || users[k] >= s.n_users || (values[k] != 0 && values[k] != 1)) ++s.bad_labels;
      }
    });
    s.positive = comm.sum(s.positive);
    s.bad_labels = comm.sum(s.bad_labels);
  }
  return s;
}

}  // namespace crossmf
