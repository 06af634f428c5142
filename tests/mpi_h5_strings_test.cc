// io/h5 string datasets under parallel HDF5 on 1, 2 and 3 ranks: written by rank 0 into a file
// every rank has open, read back by every rank (HDF5 1.10 cannot write variable-length strings
// in parallel, so they are stored fixed-length).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>

#include "io/h5.h"
#include "src/comm/comm.h"

using namespace crossmf;

TEST(H5Strings, WrittenOnceReadEverywhere) {
  Comm world;
  std::string path = "/tmp/crossmf_h5_strings_test." + std::to_string(::getpid());
  world.bcast(path);
  struct Remove {  // also when an assertion throws
    const Comm& c;
    const std::string& p;
    ~Remove() { if (c.root()) std::remove(p.c_str()); }
  } remove{world, path};
  const std::vector<std::string> ids = {"u1", "", "a much longer id with spaces", "ü-utf8", "u1"};
  {
    h5::File f = h5::File::create(path, world.raw());
    f.create_strings("/users/id", ids);
    f.create_strings("/items/id", {});
  }
  {
    h5::File f = h5::File::open(path, world.raw());
    EXPECT_EQ(f.dataset("/users/id").read_strings(), ids);
    EXPECT_EQ(f.dataset("/users/id").kind(), h5::Kind::string);
    EXPECT_TRUE(f.dataset("/items/id").read_strings().empty());
  }
  world.barrier();
}
