#include "io/previous_model.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "io/dataset_checks.h"
#include "io/h5.h"
#include "io/id_keys.h"
#include "io/schema.h"
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

// The output's shapes and ids, the same on every rank.
void check_layout(const h5::File& f, const std::string& option, int k, PreviousModel& m) {
  const std::string path = f.path();
  if (!f.has_attr("/", schema::attr::kFormat) || f.attr_string("/", schema::attr::kFormat) != schema::kOutputFormat)
    fail(Exit::usage, "{} {} is not a crossmf output (no root attribute {} = \"{}\"); give the output of an "
                      "earlier 'crossmf train'", option, path, schema::attr::kFormat, schema::kOutputFormat);
  if (const auto v = f.attr_int("/", schema::attr::kFormatVersion); v > schema::kOutputVersion)
    fail(Exit::usage, "{} {} has output format_version {}, newer than this crossmf reads ({}); use a newer crossmf",
         option, path, v, schema::kOutputVersion);
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

}  // namespace

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
