#include "io/checkpoint.h"

#include <sstream>

#include "io/atomic_output.h"
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

// Collective. The checkpoint's contents, into the new file `temp`.
void write_checkpoint_file(const std::string& temp, const Comm& comm, const CheckpointState& s, index_t n_users,
                           index_t n_items, bool with_state) {
  h5::File f = h5::File::create(temp, comm.raw());
  f.set_attr("/", "format", std::string(schema::kCheckpointFormat));
  f.set_attr("/", "format_version", std::int64_t{schema::kCheckpointVersion});
  f.set_attr("/", "crossmf_version", std::string(CROSSMF_VERSION));
  f.set_attr("/", "input_fingerprint", s.input_fingerprint);
  f.set_attr("/", "options", s.options);
  f.set_attr("/", "kernels", s.kernels);
  f.set_attr("/", "iteration", s.iteration);
  f.set_attr("/", "best", s.best);
  f.set_attr("/", "first_loss", s.first_loss);
  f.set_attr("/", "spent", s.spent);
  f.set_attr("/", "since_best", s.since_best);
  f.set_attr("/", "global_mean", s.mu);
  f.set_attr("/", "width", std::int64_t{s.width});
  const Slice us = even_slice(n_users, comm.rank(), comm.size()), is = even_slice(n_items, comm.rank(), comm.size());
  auto rows = [&](const char* name, const std::vector<real>& v, count_t total, int width, count_t first) {
    f.create<real>(name, width > 0 ? std::vector<hsize_t>{hsize_t(total), hsize_t(width)} : std::vector<hsize_t>{hsize_t(total)})
        .write<real>(v, first, v.size() / std::max(width, 1));
  };
  rows("/users", s.users, n_users, s.width, us.begin);
  rows("/items", s.items, n_items, s.width, is.begin);
  if (with_state) {
    rows("/user_state", s.user_state, n_users, 0, us.begin);
    rows("/item_state", s.item_state, n_items, 0, is.begin);
  }
  f.create_group("/history");
  f.set_attr("/history", "columns", s.history_columns);
  for (const auto& c : s.history_columns) {
    const auto& v = s.history.at(c);
    std::vector<double> mine = comm.root() ? v : std::vector<double>{};
    f.create<double>("/history/" + c, {hsize_t(v.size())}).write<double>(mine, 0, mine.size());
  }
  f.close();
}
}  // namespace

void write_checkpoint(const std::string& path, const Comm& comm, const CheckpointState& s, index_t n_users,
                      index_t n_items) {
  AtomicOutput out(path, comm);
  const bool with_state = comm.max<count_t>(static_cast<count_t>(s.user_state.size() + s.item_state.size())) > 0;
  phase(comm, [&] { out.naming_target([&] { write_checkpoint_file(out.temp_path(), comm, s, n_users, n_items, with_state); }); });
  out.commit();
}

void read_checkpoint(const std::string& path, const Comm& comm, const CheckpointState& expected, index_t n_users,
                     index_t n_items, CheckpointState& s) {
  h5::File f = h5::File::open(path, comm.raw());
  if (!f.has_attr("/", "format") || f.attr_string("/", "format") != schema::kCheckpointFormat)
    fail(Exit::usage, "--checkpoint {}: not a crossmf checkpoint; point --checkpoint at a checkpoint file or a new path", path);
  if (f.attr_int("/", "format_version") > schema::kCheckpointVersion)
    fail(Exit::usage, "--checkpoint {}: format_version {} is newer than this crossmf reads ({})", path,
         f.attr_int("/", "format_version"), schema::kCheckpointVersion);
  s.input_fingerprint = f.attr_string("/", "input_fingerprint");
  if (s.input_fingerprint != expected.input_fingerprint)
    fail(Exit::usage, "--resume: checkpoint {} was written for other input data ({}), not this input ({}); "
                      "remove the checkpoint or point --checkpoint elsewhere to start afresh",
         path, s.input_fingerprint, expected.input_fingerprint);
  s.options = f.attr_string("/", "options");
  if (s.options != expected.options) {
    const auto was = ini_lines(s.options), now = ini_lines(expected.options);
    std::string diff;
    for (const auto& [key, value] : now) {
      auto it = was.find(key);
      const std::string old = it == was.end() ? "(unset)" : it->second;
      if (old != value) diff += fmt::format("{}{} = {} in the checkpoint, {} now", diff.empty() ? "" : "; ", key, old, value);
    }
    fail(Exit::usage, "--resume: checkpoint {} was written with other options: {}; use the same options or remove the checkpoint",
         path, diff.empty() ? "(option set changed)" : diff);
  }
  s.iteration = f.attr_int("/", "iteration");
  s.best = f.attr_double("/", "best");
  s.first_loss = f.attr_double("/", "first_loss");
  s.spent = f.attr_double("/", "spent");
  s.since_best = f.attr_int("/", "since_best");
  s.mu = f.attr_double("/", "global_mean");
  s.width = static_cast<int>(f.attr_int("/", "width"));
  const Slice us = even_slice(n_users, comm.rank(), comm.size()), is = even_slice(n_items, comm.rank(), comm.size());
  s.users.resize(static_cast<std::size_t>(us.end - us.begin) * s.width);
  s.items.resize(static_cast<std::size_t>(is.end - is.begin) * s.width);
  f.dataset("/users").read<real>(s.users, us.begin, us.end - us.begin);
  f.dataset("/items").read<real>(s.items, is.begin, is.end - is.begin);
  if (f.exists("/user_state")) {
    s.user_state.resize(us.end - us.begin);
    s.item_state.resize(is.end - is.begin);
    f.dataset("/user_state").read<real>(s.user_state, us.begin, us.end - us.begin);
    f.dataset("/item_state").read<real>(s.item_state, is.begin, is.end - is.begin);
  }
  s.history_columns = f.attr_strings("/history", "columns");
  for (const auto& c : s.history_columns) s.history[c] = f.dataset("/history/" + c).read_all<double>();
}

}  // namespace crossmf
