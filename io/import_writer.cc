#include "io/import_writer.h"

#include <ctime>
#include <optional>

#include "io/schema.h"
#include "src/base/signals.h"

namespace crossmf {

RatingsPaths ratings_paths() {
  return {schema::kRatingsUser, schema::kRatingsItem, schema::kRatingsValue, schema::kRatingsTime};
}
RatingsPaths test_paths() { return {schema::kTestUser, schema::kTestItem, schema::kTestValue, schema::kTestTime}; }

namespace {
std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}
}  // namespace

ImportWriter::ImportWriter(const std::string& path, const std::string& resolved_config)
    : file_(h5::File::create(path, MPI_COMM_SELF)) {
  file_.set_attr("/", "format", std::string(schema::kInputFormat));
  file_.set_attr("/", "format_version", std::int64_t{schema::kInputVersion});
  file_.set_attr("/", "crossmf_version", std::string(CROSSMF_VERSION));
  file_.set_attr("/", "created_utc", utc_now());
  file_.set_attr("/", "created_by", std::string("crossmf import"));
  file_.set_attr("/", "config", resolved_config);
}

count_t ImportWriter::ratings(const RatingsPaths& paths, RatingRuns& runs, bool has_time) {
  count_t nnz = 0;
  runs.merge([&](std::span<const Rating> block) { nnz += static_cast<count_t>(block.size()); });
  const std::vector<hsize_t> dims{static_cast<hsize_t>(nnz)};
  h5::Dataset user = file_.create<index_t>(paths.user, dims);
  h5::Dataset item = file_.create<index_t>(paths.item, dims);
  h5::Dataset value = file_.create<real>(paths.value, dims);
  std::optional<h5::Dataset> time;
  if (has_time) time.emplace(file_.create<std::int64_t>(paths.time, dims));
  std::vector<index_t> u, i;
  std::vector<real> v;
  std::vector<std::int64_t> t;
  hsize_t row = 0;
  runs.merge([&](std::span<const Rating> block) {
    throw_if_stopped("writing the imported ratings", "nothing was written and an existing output is unchanged; run again to start over");
    const std::size_t n = block.size();
    u.resize(n);
    i.resize(n);
    v.resize(n);
    t.resize(has_time ? n : 0);
    for (std::size_t k = 0; k < n; ++k) {
      u[k] = block[k].user();
      i[k] = block[k].item();
      v[k] = block[k].value;
      if (has_time) t[k] = block[k].time;
    }
    user.write<index_t>(u, row, n);
    item.write<index_t>(i, row, n);
    value.write<real>(v, row, n);
    if (has_time) time->write<std::int64_t>(t, row, n);
    row += n;
  });
  return nnz;
}

void ImportWriter::ratings_attributes(index_t n_users, index_t n_items, const std::string& feedback) {
  file_.set_attr(schema::kRatings, "n_users", std::int64_t{n_users});
  file_.set_attr(schema::kRatings, "n_items", std::int64_t{n_items});
  file_.set_attr(schema::kRatings, "feedback", feedback);
}

void ImportWriter::ids(const char* path, const IdMap& ids) {
  const hsize_t n = static_cast<hsize_t>(ids.size());
  if (ids.all_integers()) {
    const std::vector<std::int64_t> values = ids.integer_ids();
    file_.create<std::int64_t>(path, {n}).write<std::int64_t>(values, 0, n);
  } else {
    file_.create_strings(path, ids.string_ids());
  }
}

void ImportWriter::features(const char* path, FeatureRows& rows, index_t n) {
  if (rows.names.empty()) return;
  rows.resize(n);
  const hsize_t width = rows.names.size();
  file_.create<real>(path, {static_cast<hsize_t>(n), width}).write<real>(rows.values, 0, static_cast<hsize_t>(n));
  file_.set_attr(path, "names", rows.names);
}

void ImportWriter::items(ItemsTable& table, index_t n_items) {
  table.domain.resize(n_items, -1);
  file_.create<std::int32_t>(schema::kItemsDomain, {static_cast<hsize_t>(n_items)})
      .write<std::int32_t>(table.domain, 0, static_cast<hsize_t>(n_items));
  file_.set_attr(schema::kItemsDomain, "names", table.domain_names);
  features(schema::kItemsFeatures, table.features, n_items);
}

void ImportWriter::users(FeatureRows& table, index_t n_users) { features(schema::kUsersFeatures, table, n_users); }

void ImportWriter::labels(const LabelsTable& table) {
  const hsize_t n = table.user.size();
  file_.create<index_t>(schema::kLabelsUser, {n}).write<index_t>(table.user, 0, n);
  file_.create<std::int8_t>(schema::kLabelsValue, {n}).write<std::int8_t>(table.value, 0, n);
}

}  // namespace crossmf
