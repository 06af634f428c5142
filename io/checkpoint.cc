#include "io/checkpoint.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>

#include "io/atomic_output.h"
#include "io/dataset_checks.h"
#include "io/h5_listing.h"
#include "io/h5.h"
#include "io/input_reader.h"
#include "io/schema.h"

namespace crossmf {

namespace {
std::map<std::string, std::string> ini_lines(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 3);
  }
  return out;
}

// The stored width of per-row state: one value per row is a vector.
int state_columns(int state_width) { return state_width == 1 ? 0 : state_width; }

// Collective. The checkpoint's contents, into the new file `temp`.
void write_checkpoint_file(const std::string& temp, const Comm& comm, const CheckpointState& s, index_t n_users,
                           index_t n_items) {
  h5::File f = h5::File::create(temp, comm.raw());
  f.set_attr(schema::kRoot, schema::attr::kFormat, std::string(schema::kCheckpointFormat));
  f.set_attr(schema::kRoot, schema::attr::kFormatVersion, std::int64_t{schema::kCheckpointVersion});
  f.set_attr(schema::kRoot, schema::attr::kCrossmfVersion, std::string(CROSSMF_VERSION));
  f.set_attr(schema::kRoot, schema::attr::kInputFingerprint, s.input_fingerprint);
  f.set_attr(schema::kRoot, schema::attr::kOptions, s.options);
  f.set_attr(schema::kRoot, schema::attr::kKernels, s.kernels);
  f.set_attr(schema::kRoot, schema::attr::kIteration, s.iteration);
  f.set_attr(schema::kRoot, schema::attr::kBest, s.best);
  f.set_attr(schema::kRoot, schema::attr::kFirstLoss, s.first_loss);
  f.set_attr(schema::kRoot, schema::attr::kSpent, s.spent);
  f.set_attr(schema::kRoot, schema::attr::kSinceBest, s.since_best);
  f.set_attr(schema::kRoot, schema::attr::kTrainingComplete, std::int64_t{s.complete ? 1 : 0});
  f.set_attr(schema::kRoot, schema::attr::kGlobalMean, s.mu);
  f.set_attr(schema::kRoot, schema::attr::kWidth, std::int64_t{s.width});
  const Slice us = even_slice(n_users, comm.rank(), comm.size()), is = even_slice(n_items, comm.rank(), comm.size());
  auto rows = [&](const char* name, const std::vector<real>& v, count_t total, int width, count_t first) {
    f.create<real>(name, width > 0 ? std::vector<hsize_t>{hsize_t(total), hsize_t(width)} : std::vector<hsize_t>{hsize_t(total)})
        .write<real>(v, first, v.size() / std::max(width, 1));
  };
  rows(schema::kCheckpointUsers, s.users, n_users, s.width, us.begin);
  rows(schema::kCheckpointItems, s.items, n_items, s.width, is.begin);
  if (s.state_width > 0) {
    const int sw = state_columns(s.state_width);
    rows(schema::kCheckpointUserState, s.user_state, n_users, sw, us.begin);
    rows(schema::kCheckpointItemState, s.item_state, n_items, sw, is.begin);
  }
  f.create_group(schema::kCheckpointHistory);
  f.set_attr(schema::kCheckpointHistory, schema::attr::kColumns, s.history_columns);
  for (const auto& c : s.history_columns) {
    const auto& v = s.history.at(c);
    std::vector<double> mine = comm.root() ? v : std::vector<double>{};
    f.create<double>(schema::path(schema::kCheckpointHistory, c), {hsize_t(v.size())}).write<double>(mine, 0, mine.size());
  }
  f.close();
}
}  // namespace

void write_checkpoint(const std::string& path, const Comm& comm, const CheckpointState& s, index_t n_users,
                      index_t n_items) {
  AtomicOutput out(path, comm);
  agreed(comm, [&] { out.naming_target([&] { write_checkpoint_file(out.temp_path(), comm, s, n_users, n_items); }); });
  out.commit();
}

void check_checkpoint_path(const std::string& path, const Comm& comm) {
  agreed(comm, [&] {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return;
    const std::string what = !h5::is_hdf5(path) ? "not an HDF5 file" : [&] {
      std::optional<h5::File> opened;
      try {
        opened.emplace(h5::File::open(path, comm.raw()));
      } catch (const Error& e) {  // a checkpoint cut short by a kill mid-copy, or the like
        fail(Exit::data, "--checkpoint {} exists but cannot be read ({}); the checkpoint is damaged: remove it to start "
                         "afresh, or point --checkpoint elsewhere", path, e.what());
      }
      const h5::File& f = *opened;
      const std::string format = f.has_attr(schema::kRoot, schema::attr::kFormat) ? f.attr_string(schema::kRoot, schema::attr::kFormat) : "";
      return format == schema::kCheckpointFormat ? std::string()
             : format.empty()                     ? std::string("an HDF5 file but not a crossmf checkpoint")
                                                  : "a " + format + " file, not a checkpoint";
    }();
    if (!what.empty())
      fail(Exit::usage, "--checkpoint {} exists and is {}; the job would replace it with its checkpoint: point "
                        "--checkpoint at a new path (or an earlier checkpoint of this run)", path, what);
  });
  // Its folder must take the checkpoint: known now, not after the first iterations.
  AtomicOutput writable(path, comm);
}

namespace {

[[noreturn]] void damaged(const std::string& path, const std::string& what) {
  fail(Exit::data, "--checkpoint {}: {}; the checkpoint is damaged: remove it to start afresh, or point --checkpoint "
                   "elsewhere", path, what);
}

// A dataset of the checkpoint of shape [rows] (width 0) or [rows, width] of numbers.
h5::Dataset rows_dataset(const h5::File& f, const std::string& path, const std::string& name, count_t rows, int width,
                         const char* rows_meaning) {
  if (!f.exists(name)) damaged(path, "dataset " + name + " is missing");
  h5::Dataset d = f.dataset(name);
  const std::vector<hsize_t> want = width > 0 ? std::vector<hsize_t>{hsize_t(rows), hsize_t(width)}
                                              : std::vector<hsize_t>{hsize_t(rows)};
  const h5::Kind k = d.kind();
  if ((k != h5::Kind::floating && k != h5::Kind::integer) || d.dims() != want)
    damaged(path, fmt::format("dataset {} is {} {} but must be numbers of shape {} ({} = {}{})", name, h5::dtype_text(d),
                              h5::shape_text(d.dims()), h5::shape_text(want), rows_meaning, rows,
                              width > 0 ? fmt::format(", factor width {}", width) : ""));
  return d;
}

}  // namespace

void read_checkpoint(const std::string& path, const Comm& comm, const CheckpointState& expected, index_t n_users,
                     index_t n_items, int width, int state_width, CheckpointState& s) {
  const bool with_state = state_width > 0;
  const int sw = state_columns(state_width);
  s.state_width = state_width;
  std::optional<h5::File> file;
  // 1. What the file is, and its metadata: the same on every rank.
  agreed(comm, [&] {
    file.emplace(h5::File::open(path, comm.raw(), false, "a crossmf checkpoint (or a new path for --checkpoint)"));
    const h5::File& f = *file;
    if (!f.has_attr(schema::kRoot, schema::attr::kFormat) || f.attr_string(schema::kRoot, schema::attr::kFormat) != schema::kCheckpointFormat)
      fail(Exit::usage, "--checkpoint {}: not a crossmf checkpoint; point --checkpoint at a checkpoint file or a new path",
           path);
    for (const char* a : {schema::attr::kFormatVersion, schema::attr::kInputFingerprint, schema::attr::kOptions,
                          schema::attr::kIteration, schema::attr::kBest, schema::attr::kFirstLoss, schema::attr::kSpent,
                          schema::attr::kSinceBest, schema::attr::kGlobalMean, schema::attr::kWidth})
      if (!f.has_attr(schema::kRoot, a)) damaged(path, fmt::format("root attribute {} is missing", a));
    const std::int64_t version = f.attr_int(schema::kRoot, schema::attr::kFormatVersion);
    if (version > schema::kCheckpointVersion)
      fail(Exit::usage, "--checkpoint {}: format_version {} is newer than this crossmf reads ({}); resume with a newer "
                        "crossmf, or remove it to start afresh", path, version, schema::kCheckpointVersion);
    if (version < 1) damaged(path, fmt::format("format_version {} is not a version", version));
    s.input_fingerprint = f.attr_string(schema::kRoot, schema::attr::kInputFingerprint);
    if (s.input_fingerprint != expected.input_fingerprint)
      fail(Exit::usage, "--resume: checkpoint {} was written for other input data ({}), not this input ({}); "
                        "remove the checkpoint or point --checkpoint elsewhere to start afresh",
           path, s.input_fingerprint, expected.input_fingerprint);
    s.options = f.attr_string(schema::kRoot, schema::attr::kOptions);
    if (s.options != expected.options) {
      const auto was = ini_lines(s.options), now = ini_lines(expected.options);
      std::string diff;
      for (const auto& [key, value] : now) {
        auto it = was.find(key);
        const std::string old = it == was.end() ? "(unset)" : it->second;
        if (old != value) diff += fmt::format("{}{} = {} in the checkpoint, {} now", diff.empty() ? "" : "; ", key, old, value);
      }
      fail(Exit::usage, "--resume: checkpoint {} was written with other options: {}; use the same options or remove the "
                        "checkpoint", path, diff.empty() ? "(option set changed)" : diff);
    }
    s.iteration = f.attr_int(schema::kRoot, schema::attr::kIteration);
    s.since_best = f.attr_int(schema::kRoot, schema::attr::kSinceBest);
    s.best = f.attr_double(schema::kRoot, schema::attr::kBest);
    s.first_loss = f.attr_double(schema::kRoot, schema::attr::kFirstLoss);
    s.spent = f.attr_double(schema::kRoot, schema::attr::kSpent);
    s.mu = f.attr_double(schema::kRoot, schema::attr::kGlobalMean);
    s.complete = f.has_attr(schema::kRoot, schema::attr::kTrainingComplete) && f.attr_int(schema::kRoot, schema::attr::kTrainingComplete) != 0;
    s.width = static_cast<int>(std::clamp<std::int64_t>(f.attr_int(schema::kRoot, schema::attr::kWidth), -1, INT32_MAX));
    if (s.iteration < 1 || s.iteration > 1000000)
      damaged(path, fmt::format("iteration = {} is not an iteration count (1 to 1000000)", s.iteration));
    if (s.since_best < 0 || s.since_best > s.iteration)
      damaged(path, fmt::format("since_best = {} is outside [0, iteration = {}]", s.since_best, s.iteration));
    // `best` starts at -infinity and stays there without a held-out set.
    if (std::isnan(s.best) || s.best == INFINITY) damaged(path, fmt::format("best = {} is not a held-out score", s.best));
    if (!std::isfinite(s.first_loss) || s.first_loss < 0 || !std::isfinite(s.spent) || s.spent < 0 || !std::isfinite(s.mu))
      damaged(path, fmt::format("first_loss = {}, spent = {} or global_mean = {} is not a finite (non-negative) number",
                                s.first_loss, s.spent, s.mu));
    if (s.width != width)
      damaged(path, fmt::format("width = {} but its options give factor rows of width {}", s.width, width));
    rows_dataset(f, path, schema::kCheckpointUsers, n_users, width, "n_users");
    rows_dataset(f, path, schema::kCheckpointItems, n_items, width, "n_items");
    const bool user_state = f.exists(schema::kCheckpointUserState), item_state = f.exists(schema::kCheckpointItemState);
    if (with_state && !(user_state && item_state))
      damaged(path, "datasets /user_state and /item_state (the trainer's per-row state: SGD's step sizes, BMF's chain) are missing");
    if (with_state) {
      rows_dataset(f, path, schema::kCheckpointUserState, n_users, sw, "n_users");
      rows_dataset(f, path, schema::kCheckpointItemState, n_items, sw, "n_items");
    }
    if (!f.exists(schema::kCheckpointHistory) || !f.has_attr(schema::kCheckpointHistory, schema::attr::kColumns)) damaged(path, "/history or its attribute columns is missing");
    s.history_columns = f.attr_strings(schema::kCheckpointHistory, schema::attr::kColumns);
    std::set<std::string> seen;
    for (const std::string& c : s.history_columns) {
      if (c.empty() || c.find('/') != std::string::npos || !seen.insert(c).second)
        damaged(path, fmt::format("/history attribute columns holds '{}' (empty, with a '/', or twice)", c));
      const h5::Dataset d = rows_dataset(f, path, schema::path(schema::kCheckpointHistory, c), s.iteration, 0, "iteration");
      s.history[c] = d.read_all<double>();
    }
  });
  // 2. This rank's rows, all read (collectively) before any is judged: a problem is this rank's
  //    alone, so it may only be thrown after the last collective.
  agreed(comm, [&] {
    const h5::File& f = *file;
    const Slice us = even_slice(n_users, comm.rank(), comm.size()), is = even_slice(n_items, comm.rank(), comm.size());
    std::string problem;
    auto read_rows = [&](const char* name, std::vector<real>& v, const Slice& slice, int w, bool non_negative) {
      v.resize(static_cast<std::size_t>(slice.end - slice.begin) * std::max(w, 1));
      f.dataset(name).read<real>(v, slice.begin, slice.end - slice.begin);
      if (!problem.empty()) return;
      if (const std::string bad = first_non_finite(v, w, slice.begin); !bad.empty())
        problem = fmt::format("dataset {} {} is not finite", name, bad);
      for (std::size_t j = 0; non_negative && problem.empty() && j < v.size(); ++j)
        if (v[j] < 0) problem = fmt::format("dataset {} row {}: {} is negative", name, slice.begin + count_t(j), v[j]);
    };
    read_rows(schema::kCheckpointUsers, s.users, us, width, false);
    read_rows(schema::kCheckpointItems, s.items, is, width, false);
    if (with_state) {
      // SGD's AdaGrad sums are never negative; BMF's chain is factors.
      read_rows(schema::kCheckpointUserState, s.user_state, us, sw, state_width == 1);
      read_rows(schema::kCheckpointItemState, s.item_state, is, sw, state_width == 1);
    }
    if (!problem.empty()) damaged(path, problem);
  });
}

}  // namespace crossmf
