#include "io/input_reader.h"

#include <cmath>

#include "io/schema.h"
#include "src/numerics/random.h"

#include <cstring>

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

Slice even_slice(count_t total, int rank, int size) {
  const count_t base = total / size, extra = total % size;
  const count_t begin = rank * base + std::min<count_t>(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

namespace {
void require_kind(const h5::Dataset& d, bool integer_only) {
  const h5::Kind k = d.kind();
  if (k == h5::Kind::integer) return;
  if (k == h5::Kind::floating && !integer_only) return;
  d.fail_here(Exit::data, integer_only
                              ? "has the wrong type: expected integers (dense indices); store it as int32 or int64"
                              : "has the wrong type: expected numbers; store it as float32 or float64");
}
}  // namespace

InputReader::InputReader(const std::string& path, const Comm& comm)
    : file_(h5::File::open(path, comm.raw())), comm_(comm) {
  // Metadata is read by every rank alike, so a failure here is the same everywhere.
  info_.path = path;
  if (file_.has_attr("/", "format_version")) {
    const std::int64_t v = file_.attr_int("/", "format_version");
    if (file_.has_attr("/", "format") && file_.attr_string("/", "format") != schema::kInputFormat)
      fail(Exit::data, "{}: format is '{}', not an input file ({}); give the input HDF5 to --input", path,
           file_.attr_string("/", "format"), schema::kInputFormat);
    if (v > schema::kInputVersion)
      fail(Exit::data, "{}: input format_version {} is newer than this crossmf reads ({}); upgrade crossmf", path, v,
           schema::kInputVersion);
  }
  if (!file_.exists(schema::kRatings)) fail(Exit::data, "{}: group /ratings is missing; the input schema is in the README", path);
  for (const char* a : {"n_users", "n_items"}) {
    const std::int64_t n = file_.attr_int(schema::kRatings, a);
    if (n <= 0 || n > INT32_MAX)
      fail(Exit::data, "{}: /ratings attribute {} = {} is out of range: it must be between 1 and 2^31-1", path, a, n);
  }
  info_.n_users = static_cast<index_t>(file_.attr_int(schema::kRatings, "n_users"));
  info_.n_items = static_cast<index_t>(file_.attr_int(schema::kRatings, "n_items"));
  const std::string feedback = file_.attr_string(schema::kRatings, "feedback");
  if (feedback != "explicit" && feedback != "implicit")
    fail(Exit::data, "{}: /ratings attribute feedback = '{}': it must be \"explicit\" or \"implicit\"", path, feedback);
  info_.implicit = feedback == "implicit";
  check_group(schema::kRatings, &info_.nnz, &info_.has_time);
  if (info_.nnz == 0) fail(Exit::data, "{}: /ratings is empty: there is nothing to train on", path);
  info_.has_test = file_.exists(schema::kTest);
  if (info_.has_test) {
    bool test_time = false;
    check_group(schema::kTest, &info_.test_nnz, &test_time);
  }
  info_.has_domains = file_.exists(schema::kItemsDomain);
  if (info_.has_domains) {
    auto d = file_.dataset(schema::kItemsDomain);
    require_kind(d, true);
    if (d.dims().size() != 1)
      d.fail_here(Exit::data, fmt::format("must be 1-D, it has {} dimensions", d.dims().size()));
    if (d.rows() != static_cast<hsize_t>(info_.n_items))
      d.fail_here(Exit::data, fmt::format("has {} rows but n_items is {}", d.rows(), info_.n_items));
    if (!file_.has_attr(schema::kItemsDomain, "names"))
      d.fail_here(Exit::data, "has no attribute 'names' (e.g. [\"content\",\"finance\",\"insurance\"])");
    info_.domain_names = file_.attr_strings(schema::kItemsDomain, "names");
  }
  info_.has_labels = file_.exists(schema::kLabelsUser);
  info_.has_item_features = file_.exists(schema::kItemsFeatures);
  info_.has_user_features = file_.exists(schema::kUsersFeatures);
  info_.has_user_ids = file_.exists(schema::kUsersId);
  info_.has_item_ids = file_.exists(schema::kItemsId);
  // Domain values are checked here, not when a job first needs them, so a bad one fails before
  // any training. Every rank reads the whole array (O(n_items), replicated like item factors),
  // so every rank reaches the same verdict.
  if (info_.has_domains) read_domains();
  info_.fingerprint = fmt::format("n_users={} n_items={} nnz={} test_nnz={} feedback={}", info_.n_users,
                                  info_.n_items, info_.nnz, info_.test_nnz, feedback);
}

void InputReader::check_group(const std::string& group, count_t* nnz, bool* has_time) {
  auto u = file_.dataset(group + "/user");
  auto i = file_.dataset(group + "/item");
  auto v = file_.dataset(group + "/value");
  require_kind(u, true);
  require_kind(i, true);
  require_kind(v, false);
  for (auto* d : {&u, &i, &v})
    if (d->dims().size() != 1) d->fail_here(Exit::data, fmt::format("must be 1-D, it has {} dimensions", d->dims().size()));
  if (u.rows() != i.rows() || u.rows() != v.rows())
    fail(Exit::data, "{}: {}/user, {}/item and {}/value have different lengths ({}, {}, {}); they must match",
         info_.path, group, group, group, u.rows(), i.rows(), v.rows());
  *nnz = static_cast<count_t>(u.rows());
  *has_time = file_.exists(group + "/time");
  if (*has_time) {
    auto t = file_.dataset(group + "/time");
    require_kind(t, true);
    if (t.rows() != u.rows())
      t.fail_here(Exit::data, fmt::format("has {} rows but {}/user has {}", t.rows(), group, u.rows()));
  }
}

Triplets InputReader::read_ratings(bool test, bool with_time) const {
  const std::string group = test ? schema::kTest : schema::kRatings;
  const count_t total = test ? info_.test_nnz : info_.nnz;
  const Slice s = even_slice(total, comm_.rank(), comm_.size());
  const count_t n = s.end - s.begin;
  Triplets t;
  t.user.resize(n);
  t.item.resize(n);
  t.value.resize(n);
  with_time = with_time && file_.exists(group + "/time");
  if (with_time) t.time.resize(n);
  const h5::Dataset user = file_.dataset(group + "/user"), item = file_.dataset(group + "/item"),
                    value = file_.dataset(group + "/value");
  // The first bad row of [a, a + m) of this slice (ids taken from `uid`/`iid`), or "".
  auto first_problem = [&](count_t a, count_t m, auto uid, auto iid) -> std::string {
    enum Problem { none, user_id, item_id, not_finite, not_positive };
    auto problem = [&](count_t k) {
      const std::int64_t uk = uid(k), ik = iid(k);
      const real v = t.value[a + k];
      if (uk < 0 || uk >= info_.n_users) return user_id;
      if (ik < 0 || ik >= info_.n_items) return item_id;
      if (!std::isfinite(v)) return not_finite;
      return info_.implicit && v <= 0 ? not_positive : none;
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
        return fmt::format("{}: {}/value row {}: implicit strength {} must be > 0; drop zero and negative rows",
                           info_.path, group, row, v);
    }
  };
  std::string bad;
  if (with_time) file_.dataset(group + "/time").read<std::int64_t>(t.time, s.begin, n);
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
  // Validation is local; the caller's phase boundary agrees on it.
  if (!bad.empty()) throw Error(Exit::data, bad);
  return t;
}

std::vector<std::int32_t> InputReader::read_domains() const {
  std::vector<std::int32_t> d = file_.dataset(schema::kItemsDomain).read_all<std::int32_t>();
  const auto nd = static_cast<std::int32_t>(info_.domain_names.size());
  for (std::size_t k = 0; k < d.size(); ++k)
    if (d[k] < -1 || d[k] >= nd)  // -1: the item has no domain (import writes it for items without a row)
      fail(Exit::data, "{}: /items/domain row {}: domain {} has no name (attribute names has {}; -1 means none); "
                       "fix the value or the names", info_.path, k, d[k], nd);
  return d;
}

std::vector<real> InputReader::read_user_features(int* width, std::vector<std::string>* names) const {
  auto d = file_.dataset(schema::kUsersFeatures);
  require_kind(d, false);
  const auto dims = d.dims();
  if (dims.size() != 2 || dims[0] != static_cast<hsize_t>(info_.n_users))
    d.fail_here(Exit::data, fmt::format("must be [n_users={}, F]", info_.n_users));
  *width = static_cast<int>(dims[1]);
  names->clear();
  if (file_.has_attr(schema::kUsersFeatures, "names")) *names = file_.attr_strings(schema::kUsersFeatures, "names");
  names->resize(*width);
  for (int f = 0; f < *width; ++f)
    if ((*names)[f].empty()) (*names)[f] = fmt::format("feature_{}", f);
  const Slice s = even_slice(info_.n_users, comm_.rank(), comm_.size());
  std::vector<real> rows(static_cast<std::size_t>(s.end - s.begin) * *width);
  d.read<real>(rows, s.begin, s.end - s.begin);
  for (std::size_t j = 0; j < rows.size(); ++j)
    if (!std::isfinite(rows[j]))
      d.fail_here(Exit::data, fmt::format("row {} column {} is not finite; impute or drop the feature", s.begin + j / *width, j % *width));
  return rows;
}

std::vector<real> InputReader::read_item_features(int* width) const {
  auto d = file_.dataset(schema::kItemsFeatures);
  require_kind(d, false);
  const auto dims = d.dims();
  if (dims.size() != 2 || dims[0] != static_cast<hsize_t>(info_.n_items))
    d.fail_here(Exit::data, fmt::format("must be [n_items={}, G]", info_.n_items));
  *width = static_cast<int>(dims[1]);
  std::vector<real> v = d.read_all<real>();
  for (std::size_t j = 0; j < v.size(); ++j)
    if (!std::isfinite(v[j]))
      d.fail_here(Exit::data, fmt::format("row {} column {} is not finite; impute or drop the feature", j / *width, j % *width));
  return v;
}

Triplets InputReader::read_labels() const {
  auto du = file_.dataset(schema::kLabelsUser);
  auto dv = file_.dataset(schema::kLabelsValue);
  require_kind(du, true);
  require_kind(dv, false);
  if (du.rows() != dv.rows())
    fail(Exit::data, "{}: /labels/user and /labels/value have different lengths ({}, {})", info_.path, du.rows(), dv.rows());
  const Slice s = even_slice(static_cast<count_t>(du.rows()), comm_.rank(), comm_.size());
  const count_t n = s.end - s.begin;
  std::vector<std::int64_t> u(n);
  Triplets t;
  t.value.resize(n);
  du.read<std::int64_t>(u, s.begin, n);
  dv.read<real>(t.value, s.begin, n);
  t.user.resize(n);
  for (count_t k = 0; k < n; ++k) {
    if (u[k] < 0 || u[k] >= info_.n_users)
      fail(Exit::data, "{}: /labels/user row {}: user {} is outside [0, n_users={})", info_.path, s.begin + k, u[k], info_.n_users);
    if (t.value[k] != 0 && t.value[k] != 1)
      fail(Exit::data, "{}: /labels/value row {}: {} must be 0 or 1", info_.path, s.begin + k, t.value[k]);
    t.user[k] = static_cast<index_t>(u[k]);
  }
  return t;
}


}  // namespace crossmf
