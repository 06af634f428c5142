// Checkpoints: the training state, written atomically (temporary file + rename) so a job killed
// while writing leaves the previous checkpoint intact. Rows are stored in file (original id)
// order, so a checkpoint can be resumed on another number of ranks.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "src/base/types.h"
#include "src/comm/comm.h"

namespace crossmf {

struct CheckpointState {
  // Identity: what must match for a resume to continue the same run.
  std::string input_fingerprint;
  std::string options;  // the training options that shape the result, as INI lines
  std::string kernels;  // the kernel level that computed it (a record only: a resume may use another)
  // Progress.
  std::int64_t iteration = 0;
  double best = 0, first_loss = 0, spent = 0;
  std::int64_t since_best = 0;
  bool complete = false;  // training ended (its iterations, or an early stop): a resume only scores
  double mu = 0;
  std::vector<std::string> history_columns;
  std::map<std::string, std::vector<double>> history;
  // This rank's slices (even_slice in file order): width values per user / item, and the
  // trainer's own per-row state, state_width values per row (SGD's AdaGrad sums: 1, stored as a
  // vector; BMF's chain: the factor width; ALS: none).
  int width = 0, state_width = 0;
  std::vector<real> users, items, user_state, item_state;
};

// Collective.
void write_checkpoint(const std::string& path, const Comm& comm, const CheckpointState& s, index_t n_users,
                      index_t n_items);
// Collective, at the start of a job that was given --checkpoint: an existing file there must be a
// crossmf checkpoint, since the job will replace it (else Exit::usage; Exit::data when it is one
// but unreadable), and its folder must be writable (else Exit::io). Throws AgreedError.
void check_checkpoint_path(const std::string& path, const Comm& comm);
// Collective. Reads `path` into `s` and validates all of it, agreed across ranks (AgreedError):
// a file that is not a checkpoint of this run (other input fingerprint or options, a newer
// version) is refused with Exit::usage naming what differs; a damaged one (shapes, non-finite or
// negative values, history lengths) with Exit::data naming the dataset. `width` is the factor
// width this run uses; `state_width` the values per row of its trainer's own state (0: none).
void read_checkpoint(const std::string& path, const Comm& comm, const CheckpointState& expected, index_t n_users,
                     index_t n_items, int width, int state_width, CheckpointState& s);

}  // namespace crossmf
