#include "io/outcomes_reader.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "io/text_reader.h"
#include "src/base/error.h"
#include "src/base/names.h"
#include "src/base/signals.h"

namespace crossmf {

namespace {

// The names a header may give each column, compared without case.
constexpr std::array<std::array<const char*, 2>, 4> kColumnNames{
    {{"user", "user"}, {"product", "item"}, {"converted", "converted"}, {"time", "time"}}};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

void check_header(const text::TableReader& table) {
  const std::vector<std::string>& header = table.header();
  for (std::size_t c = 0; c < header.size(); ++c) {
    const auto& names = kColumnNames[c];
    if (std::find(names.begin(), names.end(), lower(header[c])) == names.end())
      fail(Exit::data, "{}:1: unknown header: column {} is '{}', not '{}'; name the columns user, product, converted"
                       "[, time], or give --header no if the first line is data", table.path(), c + 1,
           printable(header[c]), names[0]);
  }
}

// The index of an id the outcomes name. Where the output's ids are integers, a spreadsheet's
// "007" or "+7" is the id 7.
index_t find_id(const IdMap& ids, std::string_view id) {
  const index_t k = ids.find(id);
  std::int64_t v = 0;
  if (k >= 0 || !ids.all_integers() || text::is_canonical_integer(id) || !text::parse_int64(id, v)) return k;
  return ids.find(fmt::format("{}", v));
}

// One row into `out`, or the reason it is malformed.
std::string take_row(const std::vector<std::string_view>& f, const IdMap& users, const IdMap& items, OutcomeRows& out) {
  if (f[0].empty() || f[1].empty()) return f[0].empty() ? "empty user id" : "empty product id";
  double converted = -1;
  if (!text::parse_double(f[2], converted) || (converted != 0 && converted != 1))
    return fmt::format("converted '{}' is not 0 or 1", printable(f[2]));
  std::int64_t time = 0;
  if (f.size() == 4 && !text::parse_int64(f[3], time))
    return fmt::format("time '{}' is not an integer (unix seconds)", printable(f[3]));
  const index_t u = find_id(users, f[0]), i = find_id(items, f[1]);
  if (u < 0)
    ++out.unknown_users;
  else if (i < 0)
    ++out.unknown_products;
  else {
    out.user.push_back(u);
    out.item.push_back(i);
    out.converted.push_back(converted == 1);
  }
  return "";
}

}  // namespace

OutcomeRows read_outcomes(const std::string& path, DelimiterChoice delimiter, Header header, const IdMap& users,
                          const IdMap& items) {
  text::TableReader table(path, delimiter, header, {/*value_column=*/2, /*id_columns=*/2});
  if (table.columns() == 0) fail(Exit::data, "{}: no rows; give rows user, product, converted[, time]", path);
  if (table.columns() != 3 && table.columns() != 4)
    fail(Exit::data, "{}:1: {} columns (separated by '{}'); outcomes have 3 or 4: user, product, converted[, time]",
         path, table.columns(), table.delimiter().name());
  check_header(table);
  OutcomeRows out;
  out.header = !table.header().empty();
  out.time = table.columns() == 4;
  out.delimiter = table.delimiter().name();
  std::vector<std::string_view> fields;
  std::string why;
  while (table.next(fields, why)) {
    if ((out.total & 0xFFFF) == 0)  // rank 0 reads alone, so it checks for a stop itself
      throw_if_stopped(fmt::format("reading {}", path), "nothing was written and an existing output is unchanged");
    ++out.total;
    if (why.empty()) why = take_row(fields, users, items, out);
    if (!why.empty()) fail(Exit::data, "{}:{}: {}; fix the row (user, product, converted 0 or 1[, time])", path, table.line(), why);
  }
  if (out.total == 0) fail(Exit::data, "{}: no data rows, only a header; give rows user, product, converted[, time]", path);
  return out;
}

}  // namespace crossmf
