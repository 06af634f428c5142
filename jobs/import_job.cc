// crossmf import: delimited text to the input schema.
//
// Text is read sequentially, so rank 0 does all the work, writing the HDF5 file on
// MPI_COMM_SELF, while any other ranks wait without spinning; then every rank agrees on the
// outcome and the output appears (atomically) or an existing one stays as it was.
//
// Pipeline on rank 0:
//   ratings text -> id maps (first-seen order) + rating runs (sorted, duplicates folded)
//     (or events text -> the same, each row weighted and decayed, a pair's rows summed)
//   test text    -> the same maps (unknown ids dropped) + test runs
//   items, users -> may add ids (new items or users with features); labels -> known users
//   write: /ratings and /test merged from their runs, ids, side tables, attributes
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <optional>

#include "io/atomic_output.h"
#include "io/input_writer.h"
#include "io/rating_runs.h"
#include "io/schema.h"
#include "io/text_tables.h"
#include "jobs/jobs.h"
#include "src/base/log.h"
#include "src/base/signals.h"
#include "src/base/timer.h"

namespace crossmf {

namespace {

// Temporary file for the sorted runs of one input: hidden, beside the output (its folder is
// known to be writable and, unlike /tmp on a compute node, large).
std::string spill_path(const std::string& output, const char* what) {
  namespace fs = std::filesystem;
  const fs::path out(output);
  const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
  return (dir / fmt::format(".{}.{}-runs.{}", out.filename().string(), what, ::getpid())).string();
}

// What rank 0 read from the text, before anything is written.
struct ImportTables {
  IdMap users{"user"}, items{"item"};
  index_t rating_users = 0, rating_items = 0;  // ids the ratings introduced
  std::optional<RatingRuns> ratings, test;
  bool ratings_time = false, test_time = false;
  std::optional<EventsRead> events;  // when /ratings comes from --events
  std::optional<ItemsTable> item_table;
  std::optional<FeatureRows> user_table;
  std::optional<LabelsTable> label_table;
};

// /ratings from the events: weighted rows summed per pair, the pair's newest time kept.
void read_events_file(const ImportOptions& o, ImportTables& t, const PairNamer& name) {
  t.ratings.emplace(o.events, DuplicatePolicy::sum, static_cast<std::size_t>(o.sort_rows), spill_path(o.output, "events"),
                    name, PairTime::newest);
  TextStats stats;
  t.events = read_events(o.events, o, t.users, t.items, *t.ratings, stats);
  t.ratings_time = t.events->has_time;
  stats.log();
  if (o.half_life > 0)
    spdlog::info("{}: strengths halve every {} days before {} (unix seconds, --as-of{})", o.events, o.half_life,
                 *t.events->as_of, o.as_of.empty() ? ": the file's latest time" : "");
  if (t.events->after_as_of > 0)
    spdlog::warn("{}: {} rows later than --as-of {} dropped", o.events, t.events->after_as_of, o.as_of);
}

// Ratings (or events), then the held-out test over the same ids.
void read_rating_files(const ImportOptions& o, ImportTables& t) {
  const DuplicatePolicy policy = o.duplicates;
  const PairNamer name = [&t](std::uint64_t key) {
    const Rating r{key, 0, 0, 0, 0};
    return fmt::format("user '{}', item '{}'", t.users.id(r.user()), t.items.id(r.item()));
  };
  const std::size_t buffer = static_cast<std::size_t>(o.sort_rows);
  if (!o.events.empty()) {
    read_events_file(o, t, name);
  } else {
    t.ratings.emplace(o.ratings, policy, buffer, spill_path(o.output, "ratings"), name);
    TextStats ratings_stats;
    t.ratings_time = read_ratings(o.ratings, o, /*add_ids=*/true, t.users, t.items, *t.ratings, ratings_stats);
    ratings_stats.log();
  }
  t.rating_users = t.users.size();
  t.rating_items = t.items.size();
  if (o.test.empty()) return;
  t.test.emplace(o.test, policy, buffer, spill_path(o.output, "test"), name);
  TextStats stats;
  t.test_time = read_ratings(o.test, o, /*add_ids=*/false, t.users, t.items, *t.test, stats);
  stats.log();
  if (t.test->rows() == 0)
    fail(Exit::data, "{}: none of its {} valid rows names both a user and an item of {}; a held-out set must "
                     "use the ratings' ids", o.test, stats.rows - stats.bad, o.events.empty() ? o.ratings : o.events);
}

// Items, users and labels: each optional.
void read_side_files(const ImportOptions& o, ImportTables& t) {
  if (!o.items.empty()) {
    TextStats stats;
    t.item_table = read_items(o.items, o, t.items, stats);
    stats.log();
    const count_t described = t.item_table->features.described();
    spdlog::info("items: {} described, {} of them new (no ratings), {} of {} with no row in {} (domain -1, "
                 "features 0)", described, t.items.size() - t.rating_items, t.items.size() - described,
                 t.items.size(), o.items);
  }
  if (!o.users.empty()) {
    TextStats stats;
    t.user_table = read_users(o.users, o, t.users, stats);
    stats.log();
    const count_t described = t.user_table->described();
    spdlog::info("users: {} described, {} of them new (no ratings), {} of {} with no row in {} (features 0)",
                 described, t.users.size() - t.rating_users, t.users.size() - described, t.users.size(), o.users);
  }
  if (!o.labels.empty()) {
    TextStats stats;
    t.label_table = read_labels(o.labels, o, t.users, stats);
    stats.log();
    if (t.label_table->user.empty())
      fail(Exit::data, "{}: none of its labels names a user of {}{}", o.labels, o.ratings,
           o.users.empty() ? "" : " or " + o.users);
  }
}

// The ratings `runs` will write. Summed events: a pair of strength 0 is dropped (counted in
// `zero`), a sum beyond the float range refused.
struct RunCounts {
  count_t nnz = 0, zero = 0;
};
RunCounts count_runs(RatingRuns& runs, const std::string& events) {
  RunCounts c;
  runs.merge([&](std::span<const Rating> block) {
    c.nnz += static_cast<count_t>(block.size());
    if (events.empty()) return;
    for (const Rating& r : block) {
      if (!std::isfinite(r.value))
        fail(Exit::data, "{}: the strengths of the (user, item) pair whose last row is line {} sum beyond the "
                         "float range; lower the amounts or the weights of --event-weights", events, r.line);
      c.zero += r.value == 0;
    }
  });
  c.nnz -= c.zero;
  if (!events.empty() && c.nnz == 0)
    fail(Exit::data, "{}: every (user, item) pair sums to strength 0; give its events positive weights in "
                     "--event-weights", events);
  return c;
}

// Merges `runs` into /ratings or /test: a counting pass, then the writing pass. Returns the
// counts (rows less folded duplicates, less dropped zero strengths of `events`).
RunCounts write_runs(InputWriter& out, bool test, RatingRuns& runs, bool has_time, const std::string& events = "") {
  const RunCounts counts = count_runs(runs, events);
  RatingsTable table = test ? out.test(counts.nnz, has_time) : out.ratings(counts.nnz, has_time);
  std::vector<index_t> u, i;
  std::vector<real> v;
  std::vector<std::int64_t> t;
  runs.merge([&](std::span<const Rating> block) {
    throw_if_stopped("writing the imported ratings", "nothing was written and an existing output is unchanged; run again to start over");
    u.clear();
    i.clear();
    v.clear();
    t.clear();
    for (const Rating& r : block) {
      if (counts.zero > 0 && r.value == 0) continue;
      u.push_back(r.user());
      i.push_back(r.item());
      v.push_back(r.value);
      if (has_time) t.push_back(r.time);
    }
    table.append({u, i, v, t});
  });
  table.finish();
  return counts;
}

// int64 if every id is an integer, strings otherwise.
void write_ids(InputWriter& out, const IdMap& ids, bool users) {
  if (ids.all_integers()) {
    const std::vector<std::int64_t> values = ids.integer_ids();
    users ? out.user_ids(values) : out.item_ids(values);
  } else {
    const std::vector<std::string> values = ids.string_ids();
    users ? out.user_ids(values) : out.item_ids(values);
  }
}

// Ids, item domains (-1: no row in the items file) and features, user features (zeros for
// users without a row), labels.
void write_side_tables(InputWriter& out, ImportTables& t) {
  write_ids(out, t.users, true);
  write_ids(out, t.items, false);
  if (t.item_table) {
    t.item_table->domain.resize(t.items.size(), -1);
    out.item_domains(t.item_table->domain, t.item_table->domain_names);
    if (FeatureRows& f = t.item_table->features; !f.names.empty()) {
      f.resize(t.items.size());
      out.item_features(f.values, f.names);
    }
  }
  if (t.user_table && !t.user_table->names.empty()) {
    t.user_table->resize(t.users.size());
    out.user_features(t.user_table->values, t.user_table->names);
  }
  if (t.label_table) out.labels(t.label_table->user, t.label_table->value);
}

// The input schema on one rank (MPI_COMM_SELF), every dataset contiguous.
void write_tables(const Config& config, ImportTables& t, const std::string& temp_output) {
  const ImportOptions& o = config.import;
  const Comm self(MPI_COMM_SELF);
  h5::File file = h5::File::create(temp_output, self.raw());
  InputWriter out(file, self, {.n_users = t.users.size(), .n_items = t.items.size(), .feedback = o.feedback,
                               .config = config.resolved, .created_by = "crossmf import", .dated = true,
                               .compress = false, .pack_columns = false});
  const RunCounts c = write_runs(out, false, *t.ratings, t.ratings_time, o.events);
  const std::string sorted =
      t.ratings->runs() == 0 ? std::string("in memory") : fmt::format("in {} runs spilled to disk", t.ratings->runs());
  if (t.events) {
    spdlog::info("events: {} rows summed into {} (user, item) strengths, sorted {}", t.ratings->rows(), c.nnz, sorted);
    if (c.zero > 0)
      spdlog::warn("{}: {} (user, item) pairs sum to strength 0 (weights or amounts 0, or decayed below the float range) and were dropped",
                   o.events, c.zero);
  } else {
    spdlog::info("ratings: {} rows, {} kept, {} duplicate rows folded (--duplicates {}), sorted {}", t.ratings->rows(),
                 c.nnz, t.ratings->rows() - c.nnz, name_of(o.duplicates), sorted);
  }
  if (t.test) {
    const count_t test_nnz = write_runs(out, true, *t.test, t.test_time).nnz;
    spdlog::info("test: {} rows, {} kept, {} duplicate rows folded", t.test->rows(), test_nnz, t.test->rows() - test_nnz);
  }
  write_side_tables(out, t);
  file.close();
}

void import_on_root(const Config& config, const std::string& temp_output) {
  const ImportOptions& o = config.import;
  Stopwatch total;
  ImportTables t;
  read_rating_files(o, t);
  read_side_files(o, t);
  Stopwatch writing;
  write_tables(config, t, temp_output);
  spdlog::info("users: {} ({} ids), items: {} ({} ids); written in {:.1f}s", t.users.size(),
               t.users.all_integers() ? "integer" : "string", t.items.size(),
               t.items.all_integers() ? "integer" : "string", writing.seconds());
  const double seconds = total.seconds();
  spdlog::info("import: {} {} rows in {:.1f}s ({:.0f} rows/s)", t.ratings->rows(), t.events ? "event" : "rating", seconds,
               seconds > 0 ? t.ratings->rows() / seconds : 0.0);
}

}  // namespace

void run_import(const Config& config, const Comm& comm) {
  const std::string unchanged = "nothing was written and an existing output is unchanged; run again to start over";
  agreed(comm, [&] {
    if (comm.root()) AtomicOutput::clear_stale(config.import.output);
  });
  AtomicOutput output(config.import.output, comm);
  agreed_on_root(comm, [&] { output.naming_target([&] { import_on_root(config, output.temp_path()); }); });
  stop_point(comm, "writing the output", unchanged);
  output.commit();
  spdlog::info("wrote {}", config.import.output);
}

}  // namespace crossmf
