// crossmf import: delimited text to the input schema.
//
// Text is read sequentially, so rank 0 does all the work, writing the HDF5 file on
// MPI_COMM_SELF, while any other ranks wait without spinning; then every rank agrees on the
// outcome and the output appears (atomically) or an existing one stays as it was.
//
// Pipeline on rank 0:
//   ratings text -> id maps (first-seen order) + rating runs (sorted, duplicates folded)
//   test text    -> the same maps (unknown ids dropped) + test runs
//   items, users -> may add ids (new items or users with features); labels -> known users
//   write: /ratings and /test merged from their runs, ids, side tables, attributes
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "io/atomic_output.h"
#include "io/import_writer.h"
#include "io/rating_runs.h"
#include "io/schema.h"
#include "io/text_tables.h"
#include "jobs/jobs.h"
#include "src/base/log.h"
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

void import_on_root(const Config& config, const std::string& temp_output) {
  const ImportOptions& o = config.import;
  Stopwatch total;
  const DuplicatePolicy policy = o.duplicates;
  IdMap users("user"), items("item");
  const PairNamer name = [&](std::uint64_t key) {
    const Rating r{key, 0, 0, 0, 0};
    return fmt::format("user '{}', item '{}'", users.id(r.user()), items.id(r.item()));
  };
  const std::size_t buffer = static_cast<std::size_t>(o.sort_rows);

  RatingRuns ratings(o.ratings, policy, buffer, spill_path(o.output, "ratings"), name);
  TextStats ratings_stats;
  const bool ratings_time = read_ratings(o.ratings, o, /*add_ids=*/true, users, items, ratings, ratings_stats);
  ratings_stats.log();
  const index_t rating_users = users.size(), rating_items = items.size();

  std::optional<RatingRuns> test;
  bool test_time = false;
  if (!o.test.empty()) {
    test.emplace(o.test, policy, buffer, spill_path(o.output, "test"), name);
    TextStats stats;
    test_time = read_ratings(o.test, o, /*add_ids=*/false, users, items, *test, stats);
    stats.log();
    if (test->rows() == 0)
      fail(Exit::data, "{}: none of its {} valid rows names both a user and an item of {}; a held-out set must "
                       "use the ratings' ids", o.test, stats.rows - stats.bad, o.ratings);
  }

  std::optional<ItemsTable> item_table;
  if (!o.items.empty()) {
    TextStats stats;
    item_table = read_items(o.items, o, items, stats);
    stats.log();
    spdlog::info("items: {} described, {} of them new (no ratings), {} of {} with no row in {} (domain -1, "
                 "features 0)", item_table->features.described(), items.size() - rating_items,
                 items.size() - item_table->features.described(), items.size(), o.items);
  }
  std::optional<FeatureRows> user_table;
  if (!o.users.empty()) {
    TextStats stats;
    user_table = read_users(o.users, o, users, stats);
    stats.log();
    spdlog::info("users: {} described, {} of them new (no ratings), {} of {} with no row in {} (features 0)",
                 user_table->described(), users.size() - rating_users, users.size() - user_table->described(),
                 users.size(), o.users);
  }
  std::optional<LabelsTable> label_table;
  if (!o.labels.empty()) {
    TextStats stats;
    label_table = read_labels(o.labels, o, users, stats);
    stats.log();
    if (label_table->user.empty())
      fail(Exit::data, "{}: none of its labels names a user of {}{}", o.labels, o.ratings,
           o.users.empty() ? "" : " or " + o.users);
  }

  Stopwatch writing;
  ImportWriter out(temp_output, config.resolved);
  const count_t nnz = out.ratings(ratings_paths(), ratings, ratings_time);
  spdlog::info("ratings: {} rows, {} kept, {} duplicate rows folded (--duplicates {}), sorted {}", ratings.rows(),
               nnz, ratings.rows() - nnz, name_of(o.duplicates),
               ratings.runs() == 0 ? std::string("in memory") : fmt::format("in {} runs spilled to disk", ratings.runs()));
  if (test) {
    const count_t test_nnz = out.ratings(test_paths(), *test, test_time);
    spdlog::info("test: {} rows, {} kept, {} duplicate rows folded", test->rows(), test_nnz, test->rows() - test_nnz);
  }
  out.ratings_attributes(users.size(), items.size(), name_of(o.feedback));
  out.ids(schema::kUsersId, users);
  out.ids(schema::kItemsId, items);
  if (item_table) out.items(*item_table, items.size());
  if (user_table) out.users(*user_table, users.size());
  if (label_table) out.labels(*label_table);
  out.close();
  spdlog::info("users: {} ({} ids), items: {} ({} ids); written in {:.1f}s", users.size(),
               users.all_integers() ? "integer" : "string", items.size(), items.all_integers() ? "integer" : "string",
               writing.seconds());
  const double seconds = total.seconds();
  spdlog::info("import: {} rating rows in {:.1f}s ({:.0f} rows/s)", ratings.rows(), seconds,
               seconds > 0 ? ratings.rows() / seconds : 0.0);
}

}  // namespace

void run_import(const Config& config, const Comm& comm) {
  const std::string unchanged = "nothing was written and an existing output is unchanged; run again to start over";
  phase(comm, [&] {
    if (comm.root()) AtomicOutput::clear_stale(config.import.output);
  });
  AtomicOutput output(config.import.output, comm);
  root_phase(comm, [&] { output.naming_target([&] { import_on_root(config, output.temp_path()); }); });
  stop_point(comm, "writing the output", unchanged);
  output.commit();
  spdlog::info("wrote {}", config.import.output);
}

}  // namespace crossmf
