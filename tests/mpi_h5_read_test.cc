// io/h5 reads on 1, 2 and 3 ranks: a contiguous dataset (read as plain bytes, io/direct_read)
// and the same values chunked and deflated (read through MPI-IO) give every rank exactly its
// uneven slice, for 1-D and 2-D datasets; a stored type other than the reader's is converted.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <numeric>

#include "io/h5.h"
#include "src/comm/comm.h"

using namespace crossmf;

TEST(H5Read, ContiguousAndChunkedGiveTheSameSlices) {
  Comm world;
  std::string path = "/var/tmp/crossmf_h5_read_test." + std::to_string(::getpid());
  world.bcast(path);
  struct Remove {
    const Comm& c;
    const std::string& p;
    ~Remove() { if (c.root()) std::remove(p.c_str()); }
  } remove{world, path};
  const hsize_t rows = 100003, width = 3;
  std::vector<float> all(rows * width);
  std::iota(all.begin(), all.end(), 0.5f);
  std::vector<std::int64_t> wide(rows);
  std::iota(wide.begin(), wide.end(), std::int64_t{-7});
  {
    h5::File f = h5::File::create(path, world.raw());
    const hsize_t first = world.rank() * rows / world.size(), last = (world.rank() + 1) * rows / world.size();
    auto mine = [&](const std::vector<float>& v, hsize_t w) { return std::span<const float>(v).subspan(first * w, (last - first) * w); };
    f.create<float>("/plain2d", {rows, width}).write<float>(mine(all, width), first, last - first);
    f.create<float>("/packed2d", {rows, width}, {{4096, width}, 4}).write<float>(mine(all, width), first, last - first);
    f.create<std::int64_t>("/wide", {rows}).write<std::int64_t>(std::span<const std::int64_t>(wide).subspan(first, last - first), first, last - first);
  }
  h5::File f = h5::File::open(path, world.raw());
  // Slices that differ from the write's, uneven, one of them empty on the last rank.
  const hsize_t first = world.rank() * 7919 % rows, n = world.rank() == 2 ? 0 : 40000 + 17 * world.rank();
  for (const char* name : {"/plain2d", "/packed2d"}) {
    std::vector<float> got(n * width, -1.f);
    f.dataset(name).read<float>(got, first, n);
    EXPECT_TRUE(std::equal(got.begin(), got.end(), all.begin() + first * width)) << name << " rank " << world.rank();
  }
  std::vector<std::int32_t> narrow(n);
  f.dataset("/wide").read<std::int32_t>(narrow, first, n);
  for (hsize_t q = 0; q < n; ++q) ASSERT_EQ(narrow[q], wide[first + q]) << "row " << first + q;
  world.barrier();
}
