// crossmf inspect FILE: a short human summary of an input, output or checkpoint file.
// The file is recognised by its root `format` attribute (a file without one but with /ratings
// is taken as input). Input files get counts, density, domains, value distribution, features
// and labels, read in parallel; other crossmf files get their format and a listing of every
// group and dataset with its attributes. Rank 0 prints to stdout.
#include <cstdio>
#include <ctime>

#include "io/h5.h"
#include "io/h5_listing.h"
#include "io/input_reader.h"
#include "io/input_summary.h"
#include "io/schema.h"
#include "jobs/jobs.h"

namespace crossmf {

namespace {

std::string percent(count_t part, count_t whole) {
  return whole > 0 ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

std::string utc_date(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  char buf[32] = "?";
  if (gmtime_r(&t, &tm)) std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

void describe_values(std::string& out, const std::string& what, const TableSummary& t) {
  const ValueSummary& v = t.values;
  out += fmt::format("{} values: mean {:.4f}, min {:g}, max {:g}{}\n", what, v.mean, v.min, v.max,
                     v.nan ? fmt::format(", {} NaN", v.nan) : "");
  if (!v.stars.empty()) {
    out += fmt::format("{} histogram (by nearest star):\n", what);
    static const char* const kLabels[] = {"<=0", "1", "2", "3", "4", "5", ">=6"};
    for (std::size_t b = 0; b < v.stars.size(); ++b)
      if ((b >= 1 && b <= 5) || v.stars[b] > 0)
        out += fmt::format("  star {}: {} ({})\n", kLabels[b], v.stars[b], percent(v.stars[b], v.count));
  }
  if (!v.quantiles.empty()) {
    out += fmt::format("{} quantiles:\n", what);
    for (const auto& [q, x] : v.quantiles) out += fmt::format("  q{:g}: {:g}\n", q, x);
  }
}

void describe_problems(std::string& out, const std::string& group, const TableSummary& t) {
  if (t.bad_users) out += fmt::format("warning: {} rows of {} have a user outside [0, n_users)\n", t.bad_users, group);
  if (t.bad_items) out += fmt::format("warning: {} rows of {} have an item outside [0, n_items)\n", t.bad_items, group);
}

std::string describe_input(const std::string& path, const InputSummary& s) {
  std::string out = fmt::format("file: {}\n", path);
  out += s.format.empty() ? "format: (no format attribute; read as crossmf-input)\n"
                          : fmt::format("format: {}, version {}\n", s.format, s.version);
  if (!s.generator.empty()) out += fmt::format("generator: {}{}\n", s.generator, s.seed.empty() ? "" : ", seed " + s.seed);
  out += fmt::format("feedback: {}\n", s.feedback.empty() ? "(not stated)" : s.feedback);
  out += fmt::format("users: {}\nitems: {}\nratings: {}\ntest ratings: {}\n", s.n_users, s.n_items, s.ratings.nnz,
                     s.test.present ? s.test.nnz : 0);
  const double cells = static_cast<double>(s.n_users) * static_cast<double>(s.n_items);
  out += fmt::format("density: {:.4f}%\n", cells > 0 ? 100.0 * static_cast<double>(s.ratings.nnz) / cells : 0.0);
  out += fmt::format("users with ratings: {}\nitems with ratings: {}\n", s.ratings.users_with, s.ratings.items_with);
  if (s.ratings.has_time)
    out += fmt::format("time: {} .. {} UTC\n", utc_date(s.ratings.time_min), utc_date(s.ratings.time_max));
  else
    out += "time: absent\n";
  if (!s.domains.empty()) {
    out += fmt::format("domains: {}\n", s.domains.size());
    for (std::size_t d = 0; d < s.domains.size(); ++d)
      out += fmt::format("  domain {}: items {}, interactions {}\n", s.domains[d], s.domain_items[d],
                         s.ratings.domain_interactions[d]);
    if (s.bad_domains) out += fmt::format("warning: {} items have a domain outside the names\n", s.bad_domains);
  } else {
    out += "domains: absent\n";
  }
  describe_values(out, "rating", s.ratings);
  describe_problems(out, schema::kRatings, s.ratings);
  if (s.test.present) {
    describe_values(out, "test", s.test);
    describe_problems(out, schema::kTest, s.test);
  }
  out += s.has_user_features ? fmt::format("user features: {} ({})\n", s.user_features.size(), joined(s.user_features))
                             : "user features: absent\n";
  out += s.has_item_features ? fmt::format("item features: {} ({})\n", s.item_features.size(), joined(s.item_features))
                             : "item features: absent\n";
  if (s.has_labels) {
    out += fmt::format("labels: {} users, {} positive ({})\n", s.labelled, s.positive, percent(s.positive, s.labelled));
    if (s.bad_labels) out += fmt::format("warning: {} labels have a user out of range or a value other than 0/1\n", s.bad_labels);
  } else {
    out += "labels: absent\n";
  }
  out += fmt::format("user ids: {}\nitem ids: {}\n", s.user_ids.empty() ? "absent" : s.user_ids,
                     s.item_ids.empty() ? "absent" : s.item_ids);
  out += fmt::format("truth: {}\n", s.has_truth ? "present (planted model)" : "absent");
  return out;
}

std::string describe_listing(const std::string& path, const std::string& format, std::int64_t version,
                             const std::vector<h5::ObjectInfo>& objects) {
  std::string out = fmt::format("file: {}\nformat: {}, version {}\n", path, format, version);
  for (const auto& o : objects) {
    if (o.group) out += fmt::format("{} (group)\n", o.path);
    else out += fmt::format("{}  {} {}\n", o.path, o.dtype, h5::shape_text(o.dims));
    for (const auto& a : o.attributes) out += fmt::format("    @{} = {}\n", a.name, a.value);
  }
  return out;
}

}  // namespace

void run_inspect(const Config& config, const Comm& comm) {
  const std::string& path = config.inspect.file;
  std::string report;
  agreed(comm, [&] {
    const h5::File file = h5::File::open(path, comm.raw(), false, "a crossmf input, output or checkpoint file");
    const std::string format = file.has_attr(schema::kRoot, schema::attr::kFormat) ? file.attr_string(schema::kRoot, schema::attr::kFormat) : "";
    const std::int64_t version = file.has_attr(schema::kRoot, schema::attr::kFormatVersion) ? file.attr_int(schema::kRoot, schema::attr::kFormatVersion) : 0;
    if (format == schema::kInputFormat || (format.empty() && file.exists(schema::kRatings))) {
      // The same checks of shapes, types and attributes as train's, and the same messages; bad
      // values are counted in the summary instead.
      InputReader reader(path, comm);
      report = describe_input(path, summarize_input(reader.file(), comm));
    } else if (format.empty()) {
      fail(Exit::data, "{}: not a crossmf file: no root 'format' attribute and no /ratings group; give a crossmf input, output or checkpoint file", path);
    } else {
      report = describe_listing(path, format, version, h5::list_objects(file));
    }
  });
  if (comm.root()) std::fputs(report.c_str(), stdout);
}

}  // namespace crossmf
