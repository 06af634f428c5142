#include "io/lift_writer.h"

#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "io/h5.h"
#include "io/root_stamp.h"
#include "io/schema.h"

namespace crossmf {

namespace {

using namespace schema;

template <class T>
void column(h5::File& f, const std::string& group, const char* leaf, const std::vector<T>& values) {
  const hsize_t n = values.size();
  f.create<T>(path(group, leaf), {n}).template write<T>(values, 0, n);
}

// The statistics columns of `rows` in `group`, in the order of schema::kLift*Columns.
void statistics(h5::File& f, const std::string& group, const LiftRows& rows) {
  std::vector<std::int64_t> counts[4];
  for (std::size_t r = 0; r < rows.uplift.size(); ++r)
    for (int c = 0; c < 4; ++c) {
      const ArmCounts& arm = c < 2 ? rows.contacted[r] : rows.control[r];
      counts[c].push_back(c % 2 == 0 ? arm.n : arm.conversions);
    }
  for (int c = 0; c < 4; ++c) column(f, group, kLiftCountColumns[c], counts[c]);
  std::vector<double> rates[9];
  for (const Uplift& u : rows.uplift) {
    const double v[9] = {u.contacted_rate, u.control_rate, u.absolute,      u.absolute_low, u.absolute_high,
                         u.relative,       u.relative_low, u.relative_high, u.p_value};
    for (int c = 0; c < 9; ++c) rates[c].push_back(v[c]);
  }
  for (int c = 0; c < 9; ++c) column(f, group, kLiftRateColumns[c], rates[c]);
}

void product_keys(h5::File& f, const LiftReport& r) {
  column(f, kLiftProducts, kLiftItem, r.product_item);
  const IdSlice& id = r.product_id;
  if (!id.strings.empty() || r.product_item.empty())
    f.create_strings(path(kLiftProducts, kLiftId), id.strings);
  else if (id.is_unsigned)
    column(f, kLiftProducts, kLiftId,
           std::vector<std::uint64_t>(id.integers.begin(), id.integers.end()));
  else
    column(f, kLiftProducts, kLiftId, id.integers);
  f.create_strings(path(kLiftProducts, kLiftDomain), r.product_domain);
}

void lift_attributes(h5::File& f, const LiftReport& r) {
  f.set_attr(kLift, attr::kAudiencesFile, r.audiences);
  f.set_attr(kLift, attr::kOutcomesFile, r.outcomes);
  f.set_attr(kLift, attr::kConfidence, 0.95);
  f.set_attr(kLift, attr::kAbsoluteInterval, std::string("Newcombe hybrid score (1998, method 10)"));
  f.set_attr(kLift, attr::kRelativeInterval, std::string("delta method on log(p_t / p_c)"));
  f.set_attr(kLift, attr::kTestName, std::string("two-sided pooled two-proportion z test"));
  f.set_attr(kLift, attr::kOutcomeRows, std::int64_t{r.outcome_rows});
  f.set_attr(kLift, attr::kUnknownUsers, std::int64_t{r.unknown_users});
  f.set_attr(kLift, attr::kUnknownProducts, std::int64_t{r.unknown_products});
  f.set_attr(kLift, attr::kOutsideAudiences, std::int64_t{r.outside_audiences});
  f.set_attr(kLift, attr::kRepeatedPairs, std::int64_t{r.repeated_pairs});
}

// A CSV field: quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_number(double v) { return std::isnan(v) ? std::string("NaN") : fmt::format("{}", v); }

void csv_rows(std::ofstream& out, const char* level, const std::vector<std::string>& keys,
              const std::vector<std::string>& domains, const LiftRows& rows) {
  for (std::size_t r = 0; r < rows.uplift.size(); ++r) {
    const ArmCounts &t = rows.contacted[r], &c = rows.control[r];
    const Uplift& u = rows.uplift[r];
    out << level << ',' << csv_field(keys[r]) << ',' << csv_field(domains.empty() ? "" : domains[r]) << ','
        << t.n << ',' << t.conversions << ',' << c.n << ',' << c.conversions;
    for (double v : {u.contacted_rate, u.control_rate, u.absolute, u.absolute_low, u.absolute_high, u.relative,
                     u.relative_low, u.relative_high, u.p_value})
      out << ',' << csv_number(v);
    out << '\n';
  }
}

}  // namespace

void write_lift_h5(const LiftReport& r, const std::string& file_path) {
  const Comm self(MPI_COMM_SELF);
  h5::File f = h5::File::create(file_path, self.raw());
  stamp_root(f, self, kLiftFormat, kLiftVersion, true);
  f.set_attr(kRoot, attr::kConfig, r.config);
  product_keys(f, r);
  statistics(f, kLiftProducts, r.products);
  column(f, kLiftSegments, kLiftSegment, r.segment);
  statistics(f, kLiftSegments, r.segments);
  f.create_group(kLiftOverall);
  statistics(f, kLiftOverall, r.overall);
  lift_attributes(f, r);
  f.close();
}

void write_lift_csv(const LiftReport& r, const std::string& file_path) {
  std::ofstream out(file_path, std::ios::binary);
  if (!out) fail(Exit::io, "{}: cannot create the file ({}); check that the folder is writable", file_path, std::strerror(errno));
  out << "level,key," << kLiftDomain;
  for (const char* c : kLiftCountColumns) out << ',' << c;
  for (const char* c : kLiftRateColumns) out << ',' << c;
  out << '\n';
  std::vector<std::string> product_keys, segment_keys;
  for (std::size_t p = 0; p < r.product_item.size(); ++p)
    product_keys.push_back(r.product_id.strings.empty() ? r.product_id.text(static_cast<count_t>(p)) : r.product_id.strings[p]);
  for (std::int32_t s : r.segment) segment_keys.push_back(std::to_string(s));
  csv_rows(out, "product", product_keys, r.product_domain, r.products);
  csv_rows(out, "segment", segment_keys, {}, r.segments);
  csv_rows(out, "overall", {"all"}, {}, r.overall);
  out.flush();
  if (!out) fail(Exit::io, "{}: cannot write the file (disk full?); free space and run again", file_path);
}

}  // namespace crossmf
