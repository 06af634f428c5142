// Checkpoints on 1, 2 and 3 ranks: what is written is read back exactly, also when another
// number of ranks wrote it (rows are in file order), and a checkpoint of another run is refused
// on every rank alike with CONTRACT.md's exit codes: 2 for other input data, other options, a
// newer format or a path that is no checkpoint; 3 for a damaged one (shapes that do not fit).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "io/checkpoint.h"
#include "io/h5.h"
#include "io/input_reader.h"
#include "tests/shared_temp_file.h"

using namespace crossmf;
using crossmf::testing::SharedTempFile;

namespace {

constexpr index_t kUsers = 17, kItems = 11;

// Row r's value in column j of a table: distinct everywhere, so a misplaced row shows.
real value(int table, count_t r, int j) { return real(table * 1000 + r * 10 + j) / 8; }

// The state of this rank's slices (even_slice of `c`), widths 3 and (state) `sw`.
CheckpointState state(const Comm& c, int sw) {
  CheckpointState s;
  s.input_fingerprint = "users 17 items 11 sum 1234";
  s.options = "algorithm = sgd\nfactors = 2\nseed = 42\n";
  s.kernels = "x86-64-v3";
  s.iteration = 6;
  s.best = -0.75;
  s.first_loss = 12.5;
  s.spent = 3.25;
  s.since_best = 2;
  s.complete = true;
  s.mu = 3.5;
  s.history_columns = {"loss", "rmse"};
  for (int it = 0; it < 6; ++it) {
    s.history["loss"].push_back(10.0 / (it + 1));
    s.history["rmse"].push_back(1.0 + 0.1 * it);
  }
  s.width = 3;
  s.state_width = sw;
  const Slice us = even_slice(kUsers, c.rank(), c.size()), is = even_slice(kItems, c.rank(), c.size());
  for (count_t r = us.begin; r < us.end; ++r) {
    for (int j = 0; j < 3; ++j) s.users.push_back(value(1, r, j));
    for (int j = 0; j < sw; ++j) s.user_state.push_back(value(3, r, j));
  }
  for (count_t r = is.begin; r < is.end; ++r) {
    for (int j = 0; j < 3; ++j) s.items.push_back(value(2, r, j));
    for (int j = 0; j < sw; ++j) s.item_state.push_back(value(4, r, j));
  }
  return s;
}

void expect_same(const CheckpointState& got, const CheckpointState& want) {
  EXPECT_EQ(got.input_fingerprint, want.input_fingerprint);
  EXPECT_EQ(got.options, want.options);
  EXPECT_EQ(got.iteration, want.iteration);
  EXPECT_EQ(got.best, want.best);
  EXPECT_EQ(got.first_loss, want.first_loss);
  EXPECT_EQ(got.spent, want.spent);
  EXPECT_EQ(got.since_best, want.since_best);
  EXPECT_EQ(got.complete, want.complete);
  EXPECT_EQ(got.mu, want.mu);
  EXPECT_EQ(got.width, want.width);
  EXPECT_EQ(got.history_columns, want.history_columns);
  EXPECT_EQ(got.history, want.history);
  EXPECT_EQ(got.users, want.users);
  EXPECT_EQ(got.items, want.items);
  EXPECT_EQ(got.user_state, want.user_state);
  EXPECT_EQ(got.item_state, want.item_state);
}

// The exit code every rank got from `body`, or 0; every rank must agree.
template <class F>
int agreed_exit(const Comm& c, F body) {
  int code = 0;
  try {
    body();
  } catch (const AgreedError& e) {
    code = static_cast<int>(e.code());
  }
  EXPECT_EQ(c.max(code), c.min(code)) << "ranks disagree";
  return code;
}

}  // namespace

TEST(Checkpoint, RoundTripOnThisManyRanks) {
  Comm c;
  for (int sw : {0, 1, 3}) {  // ALS (no state), SGD (a vector), BMF (rows)
    SCOPED_TRACE(::testing::Message() << "state width " << sw);
    const SharedTempFile file(c, "checkpoint.h5");
    const std::string& path = file.path();
    const CheckpointState written = state(c, sw);
    write_checkpoint(path, c, written, kUsers, kItems);
    CheckpointState read;
    read_checkpoint(path, c, written, kUsers, kItems, 3, sw, read);
    expect_same(read, written);
  }
}

TEST(Checkpoint, WrittenByOneRankReadByAll) {
  Comm c;
  const SharedTempFile file(c, "checkpoint.h5");
  const std::string& path = file.path();
  if (c.root()) {
    Comm self(MPI_COMM_SELF);
    write_checkpoint(path, self, state(self, 1), kUsers, kItems);
  }
  c.barrier();
  CheckpointState read;
  const CheckpointState want = state(c, 1);
  read_checkpoint(path, c, want, kUsers, kItems, 3, 1, read);
  expect_same(read, want);
}

TEST(Checkpoint, AnotherRunIsRefusedWithTheContractsExitCodes) {
  Comm c;
  const SharedTempFile file(c, "checkpoint.h5");
  const std::string& path = file.path();
  const CheckpointState written = state(c, 1);
  write_checkpoint(path, c, written, kUsers, kItems);
  CheckpointState read;
  EXPECT_EQ(agreed_exit(c, [&] { read_checkpoint(path, c, written, kUsers, kItems, 3, 1, read); }), 0);
  CheckpointState other = written;
  other.input_fingerprint = "users 17 items 11 sum 999";
  EXPECT_EQ(agreed_exit(c, [&] { read_checkpoint(path, c, other, kUsers, kItems, 3, 1, read); }), 2) << "other input";
  other = written;
  other.options = "algorithm = sgd\nfactors = 2\nseed = 7\n";
  EXPECT_EQ(agreed_exit(c, [&] { read_checkpoint(path, c, other, kUsers, kItems, 3, 1, read); }), 2) << "other options";
  EXPECT_EQ(agreed_exit(c, [&] { read_checkpoint(path, c, written, kUsers, kItems, 4, 1, read); }), 3) << "other width";
  EXPECT_EQ(agreed_exit(c, [&] { read_checkpoint(path, c, written, kUsers + 1, kItems, 3, 1, read); }), 3) << "other users";
  EXPECT_EQ(agreed_exit(c, [&] { read_checkpoint(path, c, written, kUsers, kItems, 3, 3, read); }), 3) << "state rows";
  EXPECT_EQ(agreed_exit(c, [&] { check_checkpoint_path(path, c); }), 0) << "a checkpoint may be replaced";

  // A newer format version than this build reads.
  c.barrier();
  if (c.root()) {
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
    const std::int64_t newer = 1000;
    H5Awrite(a, H5T_NATIVE_INT64, &newer);
    H5Aclose(a);
    H5Fclose(f);
  }
  c.barrier();
  EXPECT_EQ(agreed_exit(c, [&] { read_checkpoint(path, c, written, kUsers, kItems, 3, 1, read); }), 2) << "newer";

  // A path that holds something else: not a checkpoint, and not to be replaced by one.
  const SharedTempFile text_file(c, "checkpoint.txt");
  const std::string& text = text_file.path();
  if (c.root()) std::ofstream(text) << "not hdf5\n";
  c.barrier();
  EXPECT_EQ(agreed_exit(c, [&] { check_checkpoint_path(text, c); }), 2) << "a text file";
  EXPECT_EQ(agreed_exit(c, [&] { read_checkpoint(text, c, written, kUsers, kItems, 3, 1, read); }) > 0, true);
  text_file.remove();
  EXPECT_EQ(agreed_exit(c, [&] { check_checkpoint_path(text, c); }), 0) << "a new path";
}
