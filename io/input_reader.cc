#include "io/input_reader.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <map>

#include "io/dataset_checks.h"
#include "io/h5_listing.h"
#include "io/id_keys.h"
#include "io/schema.h"
#include "src/base/choices.h"
#include "src/base/names.h"
#include "src/comm/duplicates.h"
#include "src/numerics/random.h"

namespace crossmf {

std::uint64_t ratings_checksum(const Comm& comm, const Triplets& t) {
  std::uint64_t sum = 0;  // a sum modulo 2^64: the same in any order, so threads may share it
#pragma omp parallel for reduction(+ : sum)
  for (count_t k = 0; k < t.size(); ++k) {
    std::uint32_t bits;
    std::memcpy(&bits, &t.value[k], sizeof bits);
    sum += splitmix64((static_cast<std::uint64_t>(t.user[k]) << 32 | static_cast<std::uint32_t>(t.item[k])) ^
                      (static_cast<std::uint64_t>(bits) << 17));
  }
  return comm.sum(sum);
}

namespace {

// The text of global row `row` of a table read in slices (slice(r): rank r's), on every rank: the
// rank whose slice holds it says it. Collective.
std::string text_at(const Comm& comm, const std::function<Slice(int)>& slice, count_t row,
                    const std::function<std::string(count_t)>& local) {
  int owner = 0;
  while (owner + 1 < comm.size() && !(slice(owner).begin <= row && row < slice(owner).end)) ++owner;
  std::string text = comm.rank() == owner ? local(row - slice(owner).begin) : "";
  comm.bcast(text, owner);
  return text;
}

}  // namespace

InputReader::InputReader(const std::string& path, const Comm& comm)
    : file_(h5::File::open(path, comm.raw(), false,
                           "an HDF5 file in the crossmf input schema (README, 'Input file'), or text converted by "
                           "'crossmf import'")),
      comm_(comm) {
  // Metadata is read by every rank alike, so a failure here is the same everywhere.
  info_.path = path;
  if (file_.has_attr("/", "format") && file_.attr_string("/", "format") != schema::kInputFormat)
    fail(Exit::data, "{}: format is '{}', not an input file ({}); give the input HDF5 to --input", path,
         file_.attr_string("/", "format"), schema::kInputFormat);
  if (file_.has_attr("/", "format_version")) {
    const std::int64_t v = file_.attr_int("/", "format_version");
    if (v > schema::kInputVersion)
      fail(Exit::data, "{}: input format_version {} is newer than this crossmf reads ({}); use a newer crossmf", path, v,
           schema::kInputVersion);
    if (v < 1) fail(Exit::data, "{}: input format_version {} is not a version (1 is the first); fix the attribute", path, v);
  }
  if (!file_.exists(schema::kRatings))
    fail(Exit::data, "{}: group /ratings is missing; add it (the input schema is in the README, 'Input file')", path);
  for (const char* a : {"n_users", "n_items"}) {
    const std::int64_t n = file_.attr_int(schema::kRatings, a);
    if (n <= 0 || n > INT32_MAX)
      fail(Exit::data, "{}: /ratings attribute {} = {} is out of range: fix it to a count between 1 and 2^31-1", path, a, n);
  }
  info_.n_users = static_cast<index_t>(file_.attr_int(schema::kRatings, "n_users"));
  info_.n_items = static_cast<index_t>(file_.attr_int(schema::kRatings, "n_items"));
  const std::string feedback = file_.attr_string(schema::kRatings, "feedback");
  const std::optional<Feedback> kind = choice_named<Feedback>(feedback);
  if (!kind)
    fail(Exit::data, "{}: /ratings attribute feedback = '{}': set it to \"explicit\" or \"implicit\"", path, feedback);
  info_.implicit = *kind == Feedback::kImplicit;
  check_ratings_group(schema::kRatings, &info_.nnz, &info_.has_time);
  if (info_.nnz == 0) fail(Exit::data, "{}: /ratings is empty: there is nothing to train on; give it ratings", path);
  info_.has_test = file_.exists(schema::kTest);
  if (info_.has_test) {
    bool test_time = false;
    check_ratings_group(schema::kTest, &info_.test_nnz, &test_time);
  }
  check_side_metadata();
  info_.fingerprint = fmt::format("n_users={} n_items={} nnz={} test_nnz={} feedback={}", info_.n_users,
                                  info_.n_items, info_.nnz, info_.test_nnz, feedback);
}

void InputReader::check_ratings_group(const std::string& group, count_t* nnz, bool* has_time) {
  auto u = file_.dataset(schema::path(group, schema::kUserColumn));
  auto i = file_.dataset(schema::path(group, schema::kItemColumn));
  auto v = file_.dataset(schema::path(group, schema::kValueColumn));
  require_column(u, Values::integers);
  require_column(i, Values::integers);
  require_column(v, Values::numbers);
  if (u.rows() != i.rows() || u.rows() != v.rows())
    fail(Exit::data, "{}: {}/user, {}/item and {}/value have different lengths ({}, {}, {}); fix them to one length",
         info_.path, group, group, group, u.rows(), i.rows(), v.rows());
  *nnz = static_cast<count_t>(u.rows());
  *has_time = file_.exists(schema::path(group, schema::kTimeColumn));
  if (*has_time) require_column(file_.dataset(schema::path(group, schema::kTimeColumn)), Values::integers, *nnz, group + "/user's length");
}

void InputReader::check_side_metadata() {
  info_.has_domains = file_.exists(schema::kItemsDomain);
  if (info_.has_domains) {
    auto d = file_.dataset(schema::kItemsDomain);
    require_column(d, Values::integers, info_.n_items, "n_items");
    if (!file_.has_attr(schema::kItemsDomain, "names"))
      d.fail_here(Exit::data, "has no attribute 'names'; add one name per domain (e.g. [\"content\",\"finance\",\"insurance\"])");
    info_.domain_names = file_.attr_strings(schema::kItemsDomain, "names");
    if (info_.domain_names.empty()) d.fail_here(Exit::data, "attribute names is empty; give each domain a name");
    std::map<std::string, std::size_t> seen;
    for (std::size_t k = 0; k < info_.domain_names.size(); ++k) {
      const std::string& name = info_.domain_names[k];
      if (const std::string why = unusable_domain_name(name); !why.empty())
        d.fail_here(Exit::data, fmt::format("attribute names: domain {} cannot be a domain name: {} (it names output "
                                            "datasets such as /recommendations/<domain>); rename it", k, why));
      if (const auto [at, fresh] = seen.emplace(name, k); !fresh)
        d.fail_here(Exit::data, fmt::format("attribute names holds '{}' twice (domains {} and {}); give each domain "
                                            "its own name", printable(name), at->second, k));
    }
  }
  info_.has_item_features = file_.exists(schema::kItemsFeatures);
  if (info_.has_item_features) {
    info_.item_features = require_matrix(file_.dataset(schema::kItemsFeatures), info_.n_items, "n_items");
    names_attribute(file_, schema::kItemsFeatures, info_.item_features, "one per column");
  }
  info_.has_user_features = file_.exists(schema::kUsersFeatures);
  if (info_.has_user_features) {
    const int F = require_matrix(file_.dataset(schema::kUsersFeatures), info_.n_users, "n_users");
    info_.user_features = F;
    info_.user_feature_names = names_attribute(file_, schema::kUsersFeatures, F, "one per column")
                                   .value_or(std::vector<std::string>(F));
    for (int f = 0; f < F; ++f)
      if (info_.user_feature_names[f].empty()) info_.user_feature_names[f] = fmt::format("feature_{}", f);
  }
  const bool label_users = file_.exists(schema::kLabelsUser), label_values = file_.exists(schema::kLabelsValue);
  if (label_users != label_values)
    fail(Exit::data, "{}: {} is present but {} is missing; labels need both, the user and its 0/1 outcome: add it or remove both",
         info_.path, label_users ? schema::kLabelsUser : schema::kLabelsValue,
         label_users ? schema::kLabelsValue : schema::kLabelsUser);
  info_.has_labels = label_users;
  if (info_.has_labels) {
    auto u = file_.dataset(schema::kLabelsUser), v = file_.dataset(schema::kLabelsValue);
    require_column(u, Values::integers);
    require_column(v, Values::numbers);
    if (u.rows() != v.rows())
      fail(Exit::data, "{}: /labels/user and /labels/value have different lengths ({}, {}); fix them to one length", info_.path,
           u.rows(), v.rows());
    info_.labels = static_cast<count_t>(u.rows());
  }
  check_ids(schema::kUsersId, info_.n_users, &info_.has_user_ids);
  check_ids(schema::kItemsId, info_.n_items, &info_.has_item_ids);
}

void InputReader::check_ids(const char* name, index_t n, bool* present) {
  *present = file_.exists(name);
  if (!*present) return;
  auto d = file_.dataset(name);
  const h5::Kind k = d.kind();
  if (k != h5::Kind::integer && k != h5::Kind::string)
    d.fail_here(Exit::data, fmt::format("has the wrong type ({}): store ids as integers (int64) or strings",
                                        h5::dtype_text(d)));
  const bool users = std::strcmp(name, schema::kUsersId) == 0;
  const auto dims = d.dims();
  if (dims.size() != 1)
    d.fail_here(Exit::data, fmt::format("must be 1-D, it has shape {}; store one id per row", h5::shape_text(dims)));
  if (dims[0] != static_cast<hsize_t>(n))
    d.fail_here(Exit::data, fmt::format("has {} rows but {} is {}; give one id per {}", dims[0], users ? "n_users" : "n_items",
                                        n, users ? "user" : "item"));
}

Triplets InputReader::read_ratings(bool test, bool with_time, std::optional<bool> implicit_run) const {
  const bool implicit = implicit_run.value_or(info_.implicit);
  const std::string group = test ? schema::kTest : schema::kRatings;
  const count_t total = test ? info_.test_nnz : info_.nnz;
  const Slice s = even_slice(total, comm_.rank(), comm_.size());
  const count_t n = s.end - s.begin;
  Triplets t;
  t.user.resize(n);
  t.item.resize(n);
  t.value.resize(n);
  with_time = with_time && file_.exists(schema::path(group, schema::kTimeColumn));
  if (with_time) t.time.resize(n);
  const h5::Dataset user = file_.dataset(schema::path(group, schema::kUserColumn)), item = file_.dataset(schema::path(group, schema::kItemColumn)),
                    value = file_.dataset(schema::path(group, schema::kValueColumn));
  // The first bad row of [a, a + m) of this slice (ids taken from `uid`/`iid`), or "".
  auto first_problem = [&](count_t a, count_t m, auto uid, auto iid) -> std::string {
    enum Problem { none, user_id, item_id, not_finite, not_positive };
    auto problem = [&](count_t k) {
      const std::int64_t uk = uid(k), ik = iid(k);
      const real v = t.value[a + k];
      if (uk < 0 || uk >= info_.n_users) return user_id;
      if (ik < 0 || ik >= info_.n_items) return item_id;
      if (!std::isfinite(v)) return not_finite;
      return implicit && v <= 0 ? not_positive : none;
    };
    count_t first = m;
#pragma omp parallel for reduction(min : first)
    for (count_t k = 0; k < m; ++k)
      if (problem(k) != none) first = std::min(first, k);
    if (first == m) return "";
    const count_t row = s.begin + a + first;
    const real v = t.value[a + first];
    switch (problem(first)) {
      case user_id:
        return fmt::format("{}: {}/user row {}: user {} is outside [0, n_users={}); fix the index or the n_users "
                           "attribute", info_.path, group, row, uid(first), info_.n_users);
      case item_id:
        return fmt::format("{}: {}/item row {}: item {} is outside [0, n_items={}); fix the index or the n_items "
                           "attribute", info_.path, group, row, iid(first), info_.n_items);
      case not_finite:
        return fmt::format("{}: {}/value row {}: value {} is not finite (or beyond float32 range); drop or repair "
                           "that rating", info_.path, group, row, v);
      default:
        return fmt::format("{}: {}/value row {}: implicit strength {} must be > 0; drop zero and negative rows{}",
                           info_.path, group, row, v, info_.implicit ? "" : ", or train with --feedback explicit");
    }
  };
  std::string bad;
  if (with_time) file_.dataset(schema::path(group, schema::kTimeColumn)).read<std::int64_t>(t.time, s.begin, n);
  value.read<real>(t.value, s.begin, n);
  if (user.element_bytes() <= sizeof(index_t) && item.element_bytes() <= sizeof(index_t)) {
    // 32-bit ids are read as they are stored, the whole slice at once.
    user.read<index_t>(t.user, s.begin, n);
    item.read<index_t>(t.item, s.begin, n);
    bad = first_problem(0, n, [&](count_t k) { return t.user[k]; }, [&](count_t k) { return t.item[k]; });
  } else {
    // Wider ids are staged through bounded 64-bit buffers, piece by piece, so an id beyond 32
    // bits is reported as it is (a direct 32-bit read would clip it) without a second copy of
    // the slice. Every rank reads the same number of pieces (collective); the first bad row is
    // reported after the last piece, so no rank leaves the loop early.
    constexpr count_t kPiece = count_t{1} << 22;
    const count_t pieces = comm_.max<count_t>((n + kPiece - 1) / kPiece);
    std::vector<std::int64_t> u, i;
    for (count_t p = 0; p < pieces; ++p) {
      const count_t a = std::min(n, p * kPiece), m = std::min(kPiece, n - a);
      u.resize(m);
      i.resize(m);
      user.read<std::int64_t>(u, s.begin + a, m);
      item.read<std::int64_t>(i, s.begin + a, m);
      if (bad.empty()) bad = first_problem(a, m, [&](count_t k) { return u[k]; }, [&](count_t k) { return i[k]; });
      for (count_t k = 0; k < m; ++k) {
        t.user[a + k] = static_cast<index_t>(u[k]);
        t.item[a + k] = static_cast<index_t>(i[k]);
      }
    }
  }
  // Validation is local; the caller's agreed() agrees on it.
  if (!bad.empty()) throw Error(Exit::data, bad);
  return t;
}

std::vector<std::int32_t> InputReader::read_domains() const {
  // Every rank reads the whole array (O(n_items), replicated like item factors), as 64-bit values
  // so that none is clipped before it is checked, and reaches the same verdict.
  const std::vector<std::int64_t> d = file_.dataset(schema::kItemsDomain).read_all<std::int64_t>();
  const auto nd = static_cast<std::int64_t>(info_.domain_names.size());
  count_t none = 0;
  for (std::size_t k = 0; k < d.size(); ++k) {
    if (d[k] < -1 || d[k] >= nd)  // -1: the item has no domain (import writes it for items without a row)
      fail(Exit::data, "{}: /items/domain row {}: domain {} has no name (attribute names has {}; -1 means none); "
                       "fix the value or the names", info_.path, k, d[k], nd);
    none += d[k] == -1;
  }
  if (none == static_cast<count_t>(d.size()))
    fail(Exit::data, "{}: /items/domain: no item has a domain (every value is -1); give items their domains (0 to {}), "
                     "or leave /items/domain out", info_.path, nd - 1);
  return std::vector<std::int32_t>(d.begin(), d.end());
}

std::vector<real> InputReader::read_item_features() const {
  auto d = file_.dataset(schema::kItemsFeatures);
  std::vector<real> v = d.read_all<real>();
  if (const std::string bad = first_non_finite(v, info_.item_features, 0); !bad.empty())
    d.fail_here(Exit::data, bad + " is not finite (or beyond float32 range); impute or drop the feature");
  return v;
}

std::vector<real> InputReader::read_user_features() const {
  auto d = file_.dataset(schema::kUsersFeatures);
  const Slice s = even_slice(info_.n_users, comm_.rank(), comm_.size());
  std::vector<real> rows(static_cast<std::size_t>(s.end - s.begin) * info_.user_features);
  d.read<real>(rows, s.begin, s.end - s.begin);
  if (const std::string bad = first_non_finite(rows, info_.user_features, s.begin); !bad.empty())
    d.fail_here(Exit::data, bad + " is not finite (or beyond float32 range); impute or drop the feature");
  return rows;
}

Triplets InputReader::read_labels() const {
  const Slice s = even_slice(info_.labels, comm_.rank(), comm_.size());
  const count_t n = s.end - s.begin;
  std::vector<std::int64_t> u(n);
  Triplets t;
  t.value.resize(n);
  t.user.resize(n);
  file_.dataset(schema::kLabelsUser).read<std::int64_t>(u, s.begin, n);
  file_.dataset(schema::kLabelsValue).read<real>(t.value, s.begin, n);
  for (count_t k = 0; k < n; ++k) {
    if (u[k] < 0 || u[k] >= info_.n_users)
      fail(Exit::data, "{}: /labels/user row {}: user {} is outside [0, n_users={}); fix the index or drop the label",
           info_.path, s.begin + k, u[k], info_.n_users);
    if (t.value[k] != 0 && t.value[k] != 1)
      fail(Exit::data, "{}: /labels/value row {}: {} must be 0 or 1 (the outcome: 1 = it happened); fix the value or "
                       "drop the label", info_.path, s.begin + k, t.value[k]);
    t.user[k] = static_cast<index_t>(u[k]);
  }
  return t;
}

void InputReader::check_labelled_users_unique(const Triplets& labels) const {
  std::vector<Key128> keys(labels.size());
  for (count_t k = 0; k < labels.size(); ++k) keys[k] = {0, static_cast<std::uint64_t>(labels.user[k])};
  const Slice s = even_slice(info_.labels, comm_.rank(), comm_.size());
  if (const auto rep = first_repeated(comm_, keys, s.begin)) {
    const std::string user = text_at(comm_, [&](int r) { return even_slice(info_.labels, r, comm_.size()); }, rep->first,
                                     [&](count_t k) { return std::to_string(labels.user[k]); });
    fail(Exit::data, "{}: /labels/user rows {} and {} both label user {}; keep one label per user", info_.path,
         rep->first, rep->second, user);
  }
}

void InputReader::check_ids_unique(const char* name, index_t n) const {
  auto d = file_.dataset(name);
  const count_t chunk = static_cast<count_t>(d.chunk_rows());
  const auto slice = [&](int r) { return chunk_slice(n, chunk, r, comm_.size()); };
  const Slice s = slice(comm_.rank());
  const count_t m = s.end - s.begin;
  IdSlice ids;
  // Read and checked alone first: a problem here is this rank's, agreed before the exchange.
  agreed(comm_, [&] { ids = read_id_slice(d, s.begin, m, n == info_.n_users ? "user" : "item"); });
  agreed(comm_, [&] {
    if (const auto rep = first_repeated(comm_, ids.keys, s.begin)) {
      const std::string id = text_at(comm_, slice, rep->first, [&](count_t k) { return ids.text(k); });
      d.fail_here(Exit::data, fmt::format("rows {} and {} hold the same id {}; fix the ids: one per {}, each its own",
                                          rep->first, rep->second, id, n == info_.n_users ? "user" : "item"));
    }
  });
}

std::vector<Key128> InputReader::id_keys(const char* name, Slice s) const {
  std::vector<Key128> keys;
  agreed(comm_, [&] {
    keys = read_id_slice(file_.dataset(name), s.begin, s.end - s.begin,
                         std::strcmp(name, schema::kUsersId) == 0 ? "user" : "item").keys;
  });
  return keys;
}

SideTables InputReader::read_side_tables() const {
  SideTables t;
  if (info_.has_domains) agreed(comm_, [&] { t.domain = read_domains(); });
  if (info_.has_item_features) agreed(comm_, [&] { t.item_features = read_item_features(); });
  if (info_.has_user_features) agreed(comm_, [&] { t.user_features = read_user_features(); });
  if (info_.has_labels) {
    agreed(comm_, [&] { t.labels = read_labels(); });
    agreed(comm_, [&] { check_labelled_users_unique(t.labels); });
  }
  if (info_.has_user_ids) check_ids_unique(schema::kUsersId, info_.n_users);
  if (info_.has_item_ids) check_ids_unique(schema::kItemsId, info_.n_items);
  return t;
}

}  // namespace crossmf
