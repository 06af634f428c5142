// crossmf generate: a synthetic platform in the input schema, with its planted truth.
//
// Each rank owns a block of users and a block of items. Every rank computes the global truth
// and all items (they are small and every user's draws need them); it computes and writes only
// its own users, their ratings, features and labels, and its own items' rows. The split of
// the rating total over users is exact integer arithmetic over global sums, and every draw
// comes from the user's or item's own stream, so the file is identical for any rank count.
#include <filesystem>
#include <optional>

#include "io/atomic_output.h"
#include "io/h5.h"
#include "io/input_writer.h"
#include "io/parallel_text.h"
#include "io/schema.h"
#include "jobs/truth_output.h"
#include "jobs/jobs.h"
#include "src/base/log.h"
#include "src/base/timer.h"
#include "src/model/activity.h"
#include "src/model/event_log.h"
#include "src/model/interaction_sampler.h"
#include "src/model/platform.h"

namespace crossmf {

namespace {

// Interactions drawn and written per collective step: bounds memory per rank (~20 bytes each).
constexpr count_t kBatchInteractions = count_t{1} << 23;

struct Block {
  index_t first = 0, count = 0;
};
Block block_of(count_t n, const Comm& comm) {
  const count_t lo = n * comm.rank() / comm.size(), hi = n * (comm.rank() + 1) / comm.size();
  return {static_cast<index_t>(lo), static_cast<index_t>(hi - lo)};
}

GlobalSums global_sums(const Comm& comm) {
  return {[&comm](std::uint64_t v) { return comm.sum(v); }, [&comm](std::uint64_t v) { return comm.max(v); },
          [&comm](std::uint64_t v) { return static_cast<std::uint64_t>(comm.exscan(static_cast<count_t>(v))); }};
}

RatingRows rows_of(const Interactions& x) { return {x.user, x.item, x.value, x.time}; }

// What stop_point says when a signal stops generate.
constexpr const char* kUnchanged = "nothing was written and an existing output is unchanged; run again to start over";

std::string generator_name() { return std::string("crossmf generate ") + CROSSMF_VERSION; }

// Draws this rank's users' interactions batch by batch and appends them (and, with `events`,
// their behaviour events); every rank takes the same number of collective steps.
count_t write_interactions(InputWriter& writer, const Platform& platform, const UserBlock& users,
                           const UserCounts& counts, const Comm& comm, ParallelText* events) {
  const bool with_test = platform.spec().test_ratings > 0;
  RatingsTable ratings = writer.ratings(counts.total_ratings(), true);
  std::optional<RatingsTable> test;
  if (with_test) test.emplace(writer.test(counts.total_test(), true));
  const std::vector<index_t> bounds = batch_bounds(counts, kBatchInteractions);
  const count_t mine = static_cast<count_t>(bounds.size()) - 1;
  const count_t steps = comm.max(mine);
  InteractionSampler sampler(platform);
  Interactions r, t;
  for (count_t b = 0; b < steps; ++b) {
    r.clear();
    t.clear();
    if (b < mine) sampler.draw_users(users, counts, bounds[b], bounds[b + 1], r, t);
    ratings.append(rows_of(r));
    if (events) write_event_rows(r, platform.spec().seed, [&](std::string_view text) { events->append(text); });
    if (test) test->append(rows_of(t));
    spdlog::debug("batch {}/{}: {} interactions on rank 0", b + 1, steps, r.size() + t.size());
  }
  ratings.finish();
  if (test) test->finish();
  return comm.sum(sampler.fallbacks());
}

// This rank's items, then its users, their labels and the planted truth, then the ratings (and
// with `events` their event log, assembled after the HDF5 file is closed).
void write_platform(const std::string& path, const Config& config, const Comm& comm, const Platform& platform,
                    const UserBlock& users, const UserCounts& counts, Block user_block, Block item_block,
                    const AtomicOutput* events_out) {
  const GenerateOptions& g = config.generate;
  std::optional<h5::File> file;
  std::optional<InputWriter> writer;
  agreed(comm, [&] {
    file.emplace(h5::File::create(path, comm.raw()));
    writer.emplace(*file, comm, InputHeader{.n_users = g.users, .n_items = g.items, .feedback = g.feedback,
                                            .config = config.resolved, .generator = generator_name(), .seed = g.seed,
                                            .compress = g.compress});
  });
  agreed(comm, [&] {
    std::vector<std::int64_t> ids(item_block.count);
    for (index_t j = 0; j < item_block.count; ++j) ids[j] = Platform::item_id(item_block.first + j);
    writer->item_ids(ids);
    writer->item_domains(platform.item_domain().subspan(item_block.first, item_block.count), platform.spec().domains);
    if (g.item_features > 0)
      writer->item_features(platform.item_features(item_block.first, item_block.count), platform.item_feature_names());
  });
  agreed(comm, [&] {
    std::vector<std::int64_t> ids(user_block.count);
    for (index_t j = 0; j < user_block.count; ++j) ids[j] = Platform::user_id(user_block.first + j);
    writer->user_ids(ids);
    if (g.user_features > 0) writer->user_features(users.features, platform.user_feature_names());
    if (g.labelled > 0) writer->labels(users.labelled, users.labels);
    write_truth(*file, comm, platform, users, item_block.first, item_block.count);
    if (events_out) file->set_attr(schema::kTruth, schema::attr::kEventWeights, std::string(kEventWeights));
  });
  stop_point(comm, "writing users and items", kUnchanged);
  std::optional<ParallelText> events;
  if (events_out)
    agreed(comm, [&] {
      events_out->naming_target([&] { events.emplace(events_out->temp_path(), comm); });
      if (comm.root()) events->append("user,item,event,time,amount\n");
    });
  count_t fallbacks = 0;
  agreed(comm, [&] { fallbacks = write_interactions(*writer, platform, users, counts, comm, events ? &*events : nullptr); });
  if (fallbacks > 0)
    spdlog::warn("{} users needed the popularity-order fallback to find enough distinct items "
                 "(a small platform or a steep --popularity)", fallbacks);
  agreed(comm, [&] { file->close(); });
  if (!events) return;
  stop_point(comm, "writing the ratings", kUnchanged);
  agreed(comm, [&] { events_out->naming_target([&] { events->close_part(); }); });
  count_t bytes = 0;
  agreed(comm, [&] { bytes = events_out->naming_target([&] { return events->assemble(); }); });
  spdlog::info("generate: {} bytes of behaviour events for {}", bytes, events_out->target());
}

}  // namespace

void run_generate(const Config& config, const Comm& comm) {
  const GenerateOptions& g = config.generate;
  Stopwatch total;
  const Block user_block = block_of(g.users, comm), item_block = block_of(g.items, comm);

  agreed(comm, [&] {
    if (!comm.root()) return;
    AtomicOutput::clear_stale(g.output);
    if (!g.events.empty()) AtomicOutput::clear_stale(g.events);
  });
  std::optional<Platform> platform;
  UserBlock users;
  agreed(comm, [&] {
    platform.emplace(platform_spec(g));
    users = platform->users(user_block.first, user_block.count);
  });
  UserCounts counts;
  // At most half of the items per user keeps sampling without replacement cheap.
  agreed(comm, [&] { counts = plan_user_counts(g.ratings, g.test_ratings, (g.items + 1) / 2, users.activity, global_sums(comm)); });
  stop_point(comm, "planning the platform", kUnchanged);
  spdlog::info("generate: {} users, {} items, {} ratings + {} test, {} feedback, {} planted factors, {} ranks; model {}",
               g.users, g.items, g.ratings, g.test_ratings, name_of(g.feedback), g.true_factors, comm.size(),
               human_seconds(total.seconds()));

  Stopwatch writing;
  AtomicOutput out(g.output, comm);
  std::optional<AtomicOutput> events_out;
  if (!g.events.empty()) events_out.emplace(g.events, comm);
  write_platform(out.temp_path(), config, comm, *platform, users, counts, user_block, item_block,
                 events_out ? &*events_out : nullptr);
  stop_point(comm, "writing the ratings", kUnchanged);
  out.commit();
  if (events_out) events_out->commit();
  double mb = 0;
  if (comm.root()) mb = static_cast<double>(std::filesystem::file_size(g.output)) / 1e6;
  spdlog::info("generate: wrote {} ({:.1f} MB) in {}, {:.1f} MB/s; total {}", g.output, mb,
               human_seconds(writing.seconds()), mb / std::max(1e-9, writing.seconds()), human_seconds(total.seconds()));
}

}  // namespace crossmf
