// crossmf lift: a campaign measured against the control groups its audiences hold out.
//
// The work is per-audience sized (products x audience size members, the outcome rows, and one id
// and segment per user), and the outcomes are text read sequentially, so rank 0 does it all
// alone, as import does, while any other ranks wait without spinning; then every rank agrees on
// the outcome and the two files (HDF5 and CSV) appear, or existing ones stay as they were.
//
//   output: /audiences/<domain>/{items,users,control}, /users/id, /items/id, /profiles/segment
//   outcomes text (user, product, converted) -> each member's outcome (no row: not converted)
//   -> contacted and control counts per product, per segment, overall -> uplift, intervals, p
#include "io/atomic_output.h"
#include "io/audience_reader.h"
#include "io/lift_writer.h"
#include "io/outcomes_reader.h"
#include "jobs/jobs.h"
#include "src/base/log.h"
#include "src/base/timer.h"
#include "src/model/lift.h"

namespace crossmf {

namespace {

void log_outcomes(const LiftOptions& o, const OutcomeRows& rows, const MatchedOutcomes& m) {
  spdlog::info("{}: {} rows ({}-separated{}{}); {} of audience members, {} not counted: {} name a user not in {}, "
               "{} a product not in it, {} a (user, product) in no audience; {} repeat a pair (converted if any "
               "row says so)", o.outcomes, rows.total, rows.delimiter, rows.header ? ", header" : "",
               rows.time ? ", time column read but not used" : "", m.matched_rows,
               rows.unknown_users + rows.unknown_products + m.outside_rows, rows.unknown_users, o.audiences,
               rows.unknown_products, m.outside_rows, m.repeated_rows);
}

// The report's key columns: each product's item, external id and domain, and the segments.
void report_keys(const AudienceFile& a, LiftReport& r) {
  r.product_item = a.items;
  r.product_domain = a.domain;
  r.product_id.is_unsigned = a.item_ids.is_unsigned;
  for (index_t item : a.items) {
    if (a.item_ids.strings.empty())
      r.product_id.integers.push_back(a.item_ids.integers[item]);
    else
      r.product_id.strings.push_back(a.item_ids.strings[item]);
  }
  for (std::int32_t s = 0; s < a.segments; ++s) r.segment.push_back(s);
}

LiftReport make_report(const Config& config, const AudienceFile& a, const LiftTally& t, const OutcomeRows& rows,
                       const MatchedOutcomes& m) {
  LiftReport r;
  report_keys(a, r);
  for (const ArmPair& p : t.products) r.products.add(p.contacted, p.control);
  for (const ArmPair& p : t.segments) r.segments.add(p.contacted, p.control);
  r.overall.add(t.overall.contacted, t.overall.control);
  r.config = config.resolved;
  r.audiences = config.lift.audiences;
  r.outcomes = config.lift.outcomes;
  r.outcome_rows = rows.total;
  r.unknown_users = rows.unknown_users;
  r.unknown_products = rows.unknown_products;
  r.outside_audiences = m.outside_rows;
  r.repeated_pairs = m.repeated_rows;
  return r;
}

void log_overall(const LiftReport& r) {
  const Uplift& u = r.overall.uplift[0];
  spdlog::info("overall: contacted {} converted {} ({:.4f}), control {} converted {} ({:.4f}); uplift {:+.4f} "
               "[{:+.4f}, {:+.4f}], relative {:+.3f} [{:+.3f}, {:+.3f}], p = {:.3g}", r.overall.contacted[0].n,
               r.overall.contacted[0].conversions, u.contacted_rate, r.overall.control[0].n,
               r.overall.control[0].conversions, u.control_rate, u.absolute, u.absolute_low, u.absolute_high,
               u.relative, u.relative_low, u.relative_high, u.p_value);
}

void lift_on_root(const Config& config, const AtomicOutput& h5_out, const AtomicOutput& csv_out) {
  const LiftOptions& o = config.lift;
  Stopwatch watch;
  const AudienceFile a = read_audience_file(o.audiences, "--audiences");
  spdlog::info("{}: {} products of {} members at most, {} users, {} segments", o.audiences, a.products(), a.width,
               a.user_index.size(), a.segments);
  const OutcomeRows rows = read_outcomes(o.outcomes, o.delimiter, o.header, a.user_index, a.item_index);
  const MatchedOutcomes m = match_outcomes({rows.user, rows.item, rows.converted}, a.items, a.users, a.width);
  log_outcomes(o, rows, m);
  const LiftTally t = tally_lift(a.users, a.control, m.converted, a.width, a.segment, a.segments);
  const LiftReport report = make_report(config, a, t, rows, m);
  log_overall(report);
  write_lift_h5(report, h5_out.temp_path());
  write_lift_csv(report, csv_out.temp_path());
  spdlog::info("lift: {} products, {} segments in {:.2f}s", a.products(), a.segments, watch.seconds());
}

}  // namespace

void run_lift(const Config& config, const Comm& comm) {
  const LiftOptions& o = config.lift;
  const std::string unchanged = "nothing was written and existing outputs are unchanged; run again to start over";
  agreed(comm, [&] {
    if (!comm.root()) return;
    AtomicOutput::clear_stale(o.output);
    AtomicOutput::clear_stale(o.csv_path());
  });
  AtomicOutput h5_out(o.output, comm), csv_out(o.csv_path(), comm);
  agreed_on_root(comm, [&] {
    h5_out.naming_target([&] { csv_out.naming_target([&] { lift_on_root(config, h5_out, csv_out); }); });
  });
  stop_point(comm, "writing the lift", unchanged);
  h5_out.commit();
  csv_out.commit();
  spdlog::info("wrote {} and {}", o.output, o.csv_path());
}

}  // namespace crossmf
