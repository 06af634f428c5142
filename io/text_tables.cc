#include "io/text_tables.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <functional>
#include <limits>
#include <unordered_map>

#include "io/text_reader.h"
#include "src/base/error.h"
#include "src/base/events.h"
#include "src/base/log.h"
#include "src/base/signals.h"
#include "src/base/timer.h"

namespace crossmf {

namespace {

// A field as shown in a message: long ones cut.
std::string shown(std::string_view s) {
  return s.size() > 40 ? std::string(s.substr(0, 37)) + "..." : std::string(s);
}

// Reads every data row of `table`; `row(fields, line, why)` takes a well-formed row or sets
// `why`. Malformed rows go to BadRows; a file without one valid row is invalid data.
template <class Row>
void scan(text::TableReader& table, const ImportOptions& options, TextStats& stats, Row&& row) {
  Stopwatch watch;
  text::BadRows bad(table.path(), options.show_bad, options.strict);
  std::vector<std::string_view> fields;
  std::string why;
  while (table.next(fields, why)) {
    // Rank 0 reads alone, so it checks for a stop itself (the others wait in a barrier).
    if ((stats.rows & 0xFFFF) == 0)
      throw_if_stopped(fmt::format("importing {}", table.path()), "nothing was written and an existing output is unchanged; run again to start over");
    ++stats.rows;
    if (why.empty()) row(fields, table.line(), why);
    if (!why.empty()) bad.report(table.line(), why);
  }
  stats.path = table.path();
  stats.bad = bad.count();
  stats.bytes = table.bytes_read();
  stats.seconds = watch.seconds();
  stats.header = !table.header().empty();
  stats.delimiter = table.columns() > 0 ? table.delimiter().name() : "?";
  if (stats.rows == stats.bad)
    fail(Exit::data, "{}: no valid rows ({} data rows, {} malformed); check the file, --delimiter and --header",
         table.path(), stats.rows, stats.bad);
}

// Column names of the features starting at column `first`: the header's, or feature_0, ...
std::vector<std::string> feature_names(const text::TableReader& table, std::size_t first) {
  std::vector<std::string> names;
  for (std::size_t c = first; c < table.columns(); ++c)
    names.push_back(table.header().empty() ? "feature_" + std::to_string(c - first) : table.header()[c]);
  return names;
}

bool parse_real(std::string_view s, real& out) {
  double v;
  if (!text::parse_double(s, v) || std::fabs(v) > FLT_MAX) return false;
  out = static_cast<real>(v);
  return true;
}

// Parses fields [first, end) into `out`; false (with `why`) at the first that is not a number.
bool parse_features(const std::vector<std::string_view>& fields, std::size_t first, real* out, std::string& why) {
  for (std::size_t c = first; c < fields.size(); ++c) {
    if (!parse_real(fields[c], out[c - first])) {
      why = fmt::format("feature '{}' in column {} is not a finite number", shown(fields[c]), c + 1);
      return false;
    }
  }
  return true;
}

bool empty_id(std::string_view id, const char* what, std::string& why) {
  if (!id.empty()) return false;
  why = fmt::format("empty {} id", what);
  return true;
}

}  // namespace

void TextStats::log() const {
  spdlog::info("{}: {} rows ({}-separated{}), {} malformed{}{}, {:.1f} MB in {:.2f}s ({:.0f} MB/s)", path, rows,
               delimiter, header ? ", header" : "", bad,
               dropped ? fmt::format(", {} dropped (unknown ids)", dropped) : "",
               repeated ? fmt::format(", {} repeated ids (later row kept)", repeated) : "", bytes / 1e6, seconds,
               seconds > 0 ? bytes / 1e6 / seconds : 0.0);
}

bool read_ratings(const std::string& path, const ImportOptions& options, bool add_ids, IdMap& users, IdMap& items,
                  RatingRuns& runs, TextStats& stats) {
  text::TableReader table(path, options.delimiter, options.header, {/*value_column=*/2, /*id_columns=*/2});
  const std::size_t columns = table.columns();
  const bool implicit = options.feedback == Feedback::kImplicit;
  if (columns != 0 && (columns < 2 || columns > 4))
    fail(Exit::data, "{}: {} columns (separated by '{}'); ratings have 2 to 4: user, item[, value[, time]]", path,
         columns, table.delimiter().name());
  if (columns == 2 && !implicit)
    fail(Exit::data, "{}: no value column (only user, item); give --feedback implicit to count each row as 1, or "
                     "add a rating column", path);
  const bool has_time = columns == 4;
  scan(table, options, stats, [&](const std::vector<std::string_view>& f, count_t line, std::string& why) {
    if (empty_id(f[0], "user", why) || empty_id(f[1], "item", why)) return;
    real value = 1;
    if (columns >= 3 && !parse_real(f[2], value)) {
      why = fmt::format("value '{}' is not a finite number", shown(f[2]));
      return;
    }
    if (implicit && !(value > 0)) {
      why = fmt::format("implicit value '{}' is not positive", shown(f[2]));
      return;
    }
    std::int64_t time = 0;
    if (has_time && !text::parse_int64(f[3], time)) {
      why = fmt::format("time '{}' is not an integer (unix seconds)", shown(f[3]));
      return;
    }
    index_t u, i;
    if (add_ids) {
      u = users.add(f[0]);
      i = items.add(f[1]);
    } else {
      u = users.find(f[0]);
      i = items.find(f[1]);
      if (u < 0 || i < 0) {
        ++stats.dropped;
        return;
      }
    }
    runs.add(Rating{Rating::pair(u, i), line, time, value, 1});
  });
  return has_time;
}

namespace {

// user, item, event, time, amount: a header is told by its time column.
constexpr text::TableShape kEventShape{/*value_column=*/3, /*id_columns=*/2};

// --event-weights, looked up by the file's event names without copying them.
class EventWeights {
 public:
  explicit EventWeights(const std::string& text) {
    for (const EventWeight& e : event_weights(text)) weights_.emplace(e.name, e.weight);
  }
  const double* find(std::string_view name) const {
    const auto it = weights_.find(name);
    return it == weights_.end() ? nullptr : &it->second;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, double, Hash, std::equal_to<>> weights_;
};

std::int64_t event_time(std::string_view f, const std::string& path, count_t line) {
  std::int64_t time = 0;
  if (!text::parse_int64(f, time))
    fail(Exit::data, "{}:{}: time '{}' is not an integer (unix seconds); fix the row or remove it", path, line, shown(f));
  return time;
}

double event_amount(std::string_view f, const std::string& path, count_t line) {
  double amount = 1;
  if (!f.empty() && !text::parse_double(f, amount))
    fail(Exit::data, "{}:{}: amount '{}' is not a finite number; fix the row, or leave the field empty for 1", path,
         line, shown(f));
  if (amount < 0)
    fail(Exit::data, "{}:{}: amount {} is negative; an event's amount (minutes, money, count) is >= 0: fix the row",
         path, line, shown(f));
  return amount;
}

// The columns of an events file, checked against the options.
void check_event_columns(const text::TableReader& table, const ImportOptions& options) {
  const std::size_t columns = table.columns();
  if (columns != 0 && (columns < 3 || columns > 5))
    fail(Exit::data, "{}: {} columns (separated by '{}'); events have 3 to 5: user, item, event[, time[, amount]]",
         table.path(), columns, table.delimiter().name());
  if (columns == 3 && options.half_life > 0)
    fail(Exit::data, "{}: no time column (user, item, event), so --half-life cannot age the events; add a time "
                     "column (unix seconds), or drop --half-life", table.path());
}

// The latest time of an events file, the default --as-of: a first pass over the time column.
// Rows the second pass skips as malformed are skipped here too.
std::int64_t latest_time(const std::string& path, const ImportOptions& options) {
  text::TableReader table(path, options.delimiter, options.header, kEventShape);
  check_event_columns(table, options);
  std::vector<std::string_view> f;
  std::string why;
  std::int64_t latest = std::numeric_limits<std::int64_t>::min();
  for (count_t rows = 0; table.next(f, why); ++rows) {
    if ((rows & 0xFFFF) == 0)
      throw_if_stopped(fmt::format("importing {}", path), "nothing was written and an existing output is unchanged; run again to start over");
    if (why.empty() && !f[0].empty() && !f[1].empty() && !f[2].empty())
      latest = std::max(latest, event_time(f[3], path, table.line()));
  }
  return latest;
}

}  // namespace

EventsRead read_events(const std::string& path, const ImportOptions& options, IdMap& users, IdMap& items,
                       RatingRuns& runs, TextStats& stats) {
  const EventWeights weights(options.event_weights);
  EventsRead out;
  if (options.half_life > 0) {
    out.as_of = as_of_seconds(options.as_of);
    if (!out.as_of) out.as_of = latest_time(path, options);
  }
  text::TableReader table(path, options.delimiter, options.header, kEventShape);
  check_event_columns(table, options);
  const std::size_t columns = table.columns();
  out.has_time = columns >= 4;
  const double half_life = options.half_life * 86400;
  scan(table, options, stats, [&](const std::vector<std::string_view>& f, count_t line, std::string& why) {
    if (empty_id(f[0], "user", why) || empty_id(f[1], "item", why) || empty_id(f[2], "event", why)) return;
    const double* weight = weights.find(f[2]);
    if (!weight)
      fail(Exit::data, "{}:{}: event '{}' has no weight in --event-weights '{}'; add it (name=weight; 0 ignores the "
                       "event){}", path, line, shown(f[2]), options.event_weights,
           stats.rows == 1 && options.header == Header::kAuto ? ", or give --header yes if this line is a header" : "");
    const std::int64_t time = out.has_time ? event_time(f[3], path, line) : 0;
    const double amount = columns == 5 ? event_amount(f[4], path, line) : 1;
    if (out.as_of && time > *out.as_of) {
      ++out.after_as_of;
      return;
    }
    double strength = *weight * amount;
    if (half_life > 0) strength *= std::exp2(-(static_cast<double>(*out.as_of) - static_cast<double>(time)) / half_life);
    if (!(strength <= FLT_MAX))
      fail(Exit::data, "{}:{}: strength {:g} (weight {} x amount {}) is beyond the float range; lower the amounts "
                       "or the weights of --event-weights", path, line, strength, *weight, amount);
    runs.add(Rating{Rating::pair(users.add(f[0]), items.add(f[1])), line, time, static_cast<real>(strength), 1});
  });
  return out;
}

void FeatureRows::resize(index_t n) {
  line.resize(n, 0);
  values.resize(static_cast<std::size_t>(n) * names.size(), real{0});
}

count_t FeatureRows::described() const {
  count_t n = 0;
  for (count_t l : line) n += l != 0;
  return n;
}

namespace {

// The row of feature table `t` for `id` at `line`, grown to fit; a repeated id follows the
// duplicate policy (error refuses, otherwise the later row replaces the earlier).
real* claim_row(FeatureRows& t, index_t index, count_t line, std::string_view id, const char* what,
                const ImportOptions& options, const std::string& path, TextStats& stats) {
  if (static_cast<std::size_t>(index) >= t.line.size()) t.resize(index + 1);
  if (t.line[index] != 0) {
    repeated_row(options.duplicates, path, t.line[index], line, fmt::format("{} '{}'", what, id));
    ++stats.repeated;
  }
  t.line[index] = line;
  return t.values.data() + static_cast<std::size_t>(index) * t.names.size();
}

}  // namespace

ItemsTable read_items(const std::string& path, const ImportOptions& options, IdMap& items, TextStats& stats) {
  text::TableReader table(path, options.delimiter, options.header, {/*value_column=*/2, /*id_columns=*/1});
  if (table.columns() == 1)
    fail(Exit::data, "{}: 1 column (separated by '{}'); items have item, domain[, features...]", path,
         table.delimiter().name());
  ItemsTable out;
  out.features.names = feature_names(table, 2);
  IdMap domains("domain");
  std::vector<real> row(out.features.names.size());
  scan(table, options, stats, [&](const std::vector<std::string_view>& f, count_t line, std::string& why) {
    if (empty_id(f[0], "item", why)) return;
    if (f[1].empty()) {
      why = "empty domain";
      return;
    }
    if (!parse_features(f, 2, row.data(), why)) return;
    const index_t index = items.add(f[0]);
    real* dst = claim_row(out.features, index, line, f[0], "item", options, path, stats);
    std::copy(row.begin(), row.end(), dst);
    if (out.domain.size() <= static_cast<std::size_t>(index)) out.domain.resize(index + 1, -1);
    out.domain[index] = domains.add(f[1]);
  });
  out.domain_names = domains.string_ids();
  return out;
}

FeatureRows read_users(const std::string& path, const ImportOptions& options, IdMap& users, TextStats& stats) {
  text::TableReader table(path, options.delimiter, options.header, {/*value_column=*/1, /*id_columns=*/1});
  if (table.columns() == 1)
    fail(Exit::data, "{}: 1 column (separated by '{}'); users have user, features...", path, table.delimiter().name());
  FeatureRows out;
  out.names = feature_names(table, 1);
  std::vector<real> row(out.names.size());
  scan(table, options, stats, [&](const std::vector<std::string_view>& f, count_t line, std::string& why) {
    if (empty_id(f[0], "user", why) || !parse_features(f, 1, row.data(), why)) return;
    real* dst = claim_row(out, users.add(f[0]), line, f[0], "user", options, path, stats);
    std::copy(row.begin(), row.end(), dst);
  });
  return out;
}

LabelsTable read_labels(const std::string& path, const ImportOptions& options, const IdMap& users, TextStats& stats) {
  text::TableReader table(path, options.delimiter, options.header, {/*value_column=*/1, /*id_columns=*/1});
  if (table.columns() != 0 && table.columns() != 2)
    fail(Exit::data, "{}: {} columns (separated by '{}'); labels have 2: user, 0/1", path, table.columns(),
         table.delimiter().name());
  LabelsTable out;
  std::vector<std::int32_t> position(users.size(), -1);  // of each user's label in `out`
  std::vector<count_t> label_line;
  scan(table, options, stats, [&](const std::vector<std::string_view>& f, count_t line, std::string& why) {
    if (empty_id(f[0], "user", why)) return;
    double v;
    if (!text::parse_double(f[1], v) || (v != 0 && v != 1)) {
      why = fmt::format("label '{}' is not 0 or 1", shown(f[1]));
      return;
    }
    const index_t u = users.find(f[0]);
    if (u < 0) {
      ++stats.dropped;
      return;
    }
    if (position[u] >= 0) {
      repeated_row(options.duplicates, path, label_line[position[u]], line,
                   fmt::format("user '{}'", f[0]));
      ++stats.repeated;
      out.value[position[u]] = static_cast<std::int8_t>(v);
      label_line[position[u]] = line;
      return;
    }
    position[u] = static_cast<std::int32_t>(out.user.size());
    out.user.push_back(u);
    out.value.push_back(static_cast<std::int8_t>(v));
    label_line.push_back(line);
  });
  return out;
}

}  // namespace crossmf
