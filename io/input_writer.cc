#include "io/input_writer.h"

#include "io/root_stamp.h"
#include "io/schema.h"

namespace crossmf {

RatingsTable::RatingsTable(const Comm& comm, std::string group, count_t offset, count_t mine, count_t total,
                           std::vector<ColumnAppender> columns)
    : comm_(&comm), group_(std::move(group)), offset_(offset), mine_(mine), total_(total), columns_(std::move(columns)) {}

void RatingsTable::append(const RatingRows& rows) {
  columns_[0].append(rows.user);
  columns_[1].append(rows.item);
  columns_[2].append(rows.value);
  if (columns_.size() > 3) columns_[3].append(rows.time);
}

void RatingsTable::finish() {
  const count_t written = columns_[0].next_row() - offset_;
  bool wrong = written != mine_;
  for (const auto& c : columns_) wrong = wrong || c.next_row() != columns_[0].next_row();
  if (comm_->max(wrong ? 1 : 0) != 0)
    fail(Exit::io, "{}: a rank wrote a different number of rows than it announced (internal error)", group_);
}

InputWriter::InputWriter(h5::File& file, const Comm& comm, InputHeader header)
    : file_(file), comm_(comm), header_(std::move(header)) {
  using namespace schema::attr;
  stamp_root(file_, comm_, schema::kInputFormat, schema::kInputVersion, header_.dated);
  if (!header_.created_by.empty()) file_.set_attr(schema::kRoot, kCreatedBy, header_.created_by);
  if (!header_.generator.empty()) file_.set_attr(schema::kRoot, kGenerator, header_.generator);
  if (!header_.config.empty()) file_.set_attr(schema::kRoot, kConfig, header_.config);
  if (const auto seed = header_.seed) {
    if (*seed <= static_cast<std::uint64_t>(INT64_MAX)) file_.set_attr(schema::kRoot, kSeed, static_cast<std::int64_t>(*seed));
    else file_.set_attr(schema::kRoot, kSeed, std::to_string(*seed));
  }
  file_.create_group(schema::kRatings);
  file_.set_attr(schema::kRatings, kNUsers, std::int64_t{header_.n_users});
  file_.set_attr(schema::kRatings, kNItems, std::int64_t{header_.n_items});
  file_.set_attr(schema::kRatings, kFeedback, std::string(name_of(header_.feedback)));
}

RatingsTable InputWriter::table(const std::string& group, count_t mine, bool with_time) {
  const RowPlace at = place_rows(comm_, mine);
  const h5::Options layout = header_.compress ? packed_layout(at.total) : h5::Options{};
  const std::vector<hsize_t> dims{static_cast<hsize_t>(at.total)};
  auto column = [&](const char* name) { return schema::path(group, name); };
  std::vector<ColumnAppender> columns;
  columns.emplace_back(file_.create<index_t>(column(schema::kUserColumn), dims, layout), at.offset);
  columns.emplace_back(file_.create<index_t>(column(schema::kItemColumn), dims, layout), at.offset);
  columns.emplace_back(file_.create<real>(column(schema::kValueColumn), dims, layout), at.offset);
  if (with_time) columns.emplace_back(file_.create<std::int64_t>(column(schema::kTimeColumn), dims, layout), at.offset);
  return RatingsTable(comm_, group, at.offset, mine, at.total, std::move(columns));
}

RatingsTable InputWriter::ratings(count_t mine, bool with_time) { return table(schema::kRatings, mine, with_time); }
RatingsTable InputWriter::test(count_t mine, bool with_time) { return table(schema::kTest, mine, with_time); }

h5::Options InputWriter::column_layout(count_t rows) const {
  return header_.pack_columns ? packed_layout(rows) : h5::Options{};
}

void InputWriter::check_rows(const std::string& path, count_t total, count_t expected, const char* what) const {
  if (total != expected)
    fail(Exit::data, "{}: {} has {} rows but the file has {} {}; give one row per {}", file_.path(), path, total,
         expected, what, what);
}

void InputWriter::check_rows(const std::string& path, std::size_t mine, hsize_t width, count_t expected,
                             const char* what) const {
  check_rows(path, comm_.sum(width ? static_cast<count_t>(mine / width) : 0), expected, what);
}

void InputWriter::user_ids(std::span<const std::int64_t> mine) {
  check_rows(schema::kUsersId, mine.size(), 1, header_.n_users, "users");
  write_column(file_, comm_, schema::kUsersId, mine, column_layout(header_.n_users));
}

void InputWriter::user_ids(const std::vector<std::string>& all) {
  check_rows(schema::kUsersId, static_cast<count_t>(all.size()), header_.n_users, "users");
  file_.create_strings(schema::kUsersId, all);
}

void InputWriter::user_features(std::span<const real> mine, const std::vector<std::string>& names) {
  check_rows(schema::kUsersFeatures, mine.size(), names.size(), header_.n_users, "users");
  write_matrix(file_, comm_, schema::kUsersFeatures, mine, names.size());
  file_.set_attr(schema::kUsersFeatures, schema::attr::kNames, names);
}

void InputWriter::item_ids(std::span<const std::int64_t> mine) {
  check_rows(schema::kItemsId, mine.size(), 1, header_.n_items, "items");
  write_column(file_, comm_, schema::kItemsId, mine, column_layout(header_.n_items));
}

void InputWriter::item_ids(const std::vector<std::string>& all) {
  check_rows(schema::kItemsId, static_cast<count_t>(all.size()), header_.n_items, "items");
  file_.create_strings(schema::kItemsId, all);
}

void InputWriter::item_domains(std::span<const index_t> mine, const std::vector<std::string>& names) {
  check_rows(schema::kItemsDomain, mine.size(), 1, header_.n_items, "items");
  write_column(file_, comm_, schema::kItemsDomain, mine, column_layout(header_.n_items));
  file_.set_attr(schema::kItemsDomain, schema::attr::kNames, names);
}

void InputWriter::item_features(std::span<const real> mine, const std::vector<std::string>& names) {
  check_rows(schema::kItemsFeatures, mine.size(), names.size(), header_.n_items, "items");
  write_matrix(file_, comm_, schema::kItemsFeatures, mine, names.size());
  file_.set_attr(schema::kItemsFeatures, schema::attr::kNames, names);
}

void InputWriter::labels(std::span<const index_t> users, std::span<const std::int8_t> values) {
  if (comm_.max(users.size() != values.size() ? 1 : 0) != 0)
    fail(Exit::data, "{}: labels have a different number of users and values", file_.path());
  const h5::Options layout = column_layout(comm_.sum(static_cast<count_t>(users.size())));
  write_column(file_, comm_, schema::kLabelsUser, users, layout);
  write_column(file_, comm_, schema::kLabelsValue, values, layout);
}

}  // namespace crossmf
