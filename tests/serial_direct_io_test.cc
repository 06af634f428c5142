// io/direct_io against plain reads and writes of the same file: ranges that start and end
// inside blocks, cross the 4 MiB pieces, and run past the end of the file.
#include <gtest/gtest.h>
#include <omp.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/direct_io.h"

using namespace crossmf;

namespace {
struct TempFile {
  std::string path = "/var/tmp/crossmf_direct_io_test." + std::to_string(::getpid());
  std::vector<unsigned char> bytes;
  explicit TempFile(std::size_t n) : bytes(n) {
    std::uint64_t x = 88172645463325252ull;  // xorshift: every byte differs from its neighbours
    for (auto& b : bytes) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; b = static_cast<unsigned char>(x); }
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(bytes.data(), 1, n, f);
    std::fclose(f);
  }
  ~TempFile() { std::remove(path.c_str()); }
};
}  // namespace

TEST(DirectRead, EqualsThePlainBytes) {
  const std::size_t n = (std::size_t{9} << 20) + 1234;  // past two 4 MiB pieces, not block-aligned
  TempFile file(n);
  struct Range { std::uint64_t at; std::size_t bytes; };
  const std::vector<Range> ranges = {{0, n}, {1, n - 1}, {4095, 4098}, {(4u << 20) - 7, 100}, {12345, (8u << 20) + 3},
                                     {n - 5, 5}, {n, 0}, {4096, 4096}};
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    for (const Range& r : ranges) {
      std::vector<unsigned char> out(r.bytes + 1, 0xAB);
      if (!direct_read(file.path, r.at, r.bytes, out.data())) GTEST_SKIP() << "this file system refuses O_DIRECT";
      EXPECT_TRUE(std::equal(out.begin(), out.begin() + r.bytes, file.bytes.begin() + r.at))
          << "threads " << threads << " range " << r.at << " + " << r.bytes;
      EXPECT_EQ(out[r.bytes], 0xAB) << "wrote past the range";
    }
  }
}

TEST(DirectRead, FalseWhenTheFileEndsFirst) {
  TempFile file(10000);
  std::vector<unsigned char> out(20000);
  EXPECT_FALSE(direct_read(file.path, 5000, 6000, out.data()));
  EXPECT_FALSE(direct_read(file.path + ".missing", 0, 10, out.data()));
}

namespace {
std::vector<unsigned char> contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST(DirectWrite, ChangesExactlyTheRange) {
  const std::size_t n = (std::size_t{9} << 20) + 1234;
  TempFile file(n);
  struct Range { std::uint64_t at; std::size_t bytes; };
  // Inside one block, across blocks, whole blocks, across the 4 MiB pieces, to the end.
  const std::vector<Range> ranges = {{10, 20}, {4095, 2}, {4096, 8192}, {100, (4u << 20) + 5000},
                                     {12345, (8u << 20) + 3}, {n - 5000, 5000}, {0, n}, {77, 0}};
  int round = 0;
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    for (const Range& r : ranges) {
      std::vector<unsigned char> in(r.bytes);
      for (std::size_t j = 0; j < r.bytes; ++j) in[j] = static_cast<unsigned char>(j * 7 + round);
      ++round;
      ASSERT_TRUE(direct_write(file.path, r.at, r.bytes, in.data()));
      std::copy(in.begin(), in.end(), file.bytes.begin() + r.at);  // what the file must now hold
      EXPECT_EQ(contents(file.path), file.bytes) << "threads " << threads << " range " << r.at << " + " << r.bytes;
    }
  }
}

// The same ranges from memory that lies as the file does within a 4 KiB block: the whole
// blocks go to the disk from where they are, without a copy.
TEST(DirectWrite, FromMemoryAtTheFilesPageOffset) {
  const std::size_t n = (std::size_t{9} << 20) + 1234;
  TempFile file(n);
  struct Range { std::uint64_t at; std::size_t bytes; };
  const std::vector<Range> ranges = {{4095, 2}, {4096, 8192}, {100, (4u << 20) + 5000}, {12345, (8u << 20) + 3},
                                     {n - 5000, 5000}, {0, n}};
  int round = 0;
  for (int threads : {1, 3}) {
    omp_set_num_threads(threads);
    for (const Range& r : ranges) {
      std::unique_ptr<unsigned char, decltype(&std::free)> page(
          static_cast<unsigned char*>(std::aligned_alloc(4096, (r.at % 4096 + r.bytes + 4095) / 4096 * 4096)), &std::free);
      unsigned char* in = page.get() + r.at % 4096;
      for (std::size_t j = 0; j < r.bytes; ++j) in[j] = static_cast<unsigned char>(j * 5 + round);
      ++round;
      ASSERT_TRUE(direct_write(file.path, r.at, r.bytes, in));
      std::copy(in, in + r.bytes, file.bytes.begin() + r.at);
      EXPECT_EQ(contents(file.path), file.bytes) << "threads " << threads << " range " << r.at << " + " << r.bytes;
    }
  }
}

// Two writes in turn on the background thread: start() waits for the one before, wait() for the
// last; both land, and a failure is reported once by wait().
TEST(BackgroundWrite, WritesInTurnAndReportsAFailure) {
  const std::size_t n = (std::size_t{6} << 20) + 10;
  TempFile file(n);
  std::vector<unsigned char> a(n / 2, 0x11), b(n - n / 2, 0x22);
  {
    BackgroundWrite w;
    w.start(file.path, 0, a.size(), a.data());
    w.start(file.path, a.size(), b.size(), b.data());
    EXPECT_TRUE(w.wait());
  }
  std::copy(a.begin(), a.end(), file.bytes.begin());
  std::copy(b.begin(), b.end(), file.bytes.begin() + a.size());
  EXPECT_EQ(contents(file.path), file.bytes);
  BackgroundWrite w;
  w.start("/var/tmp/crossmf-no-such-folder/x.h5", 0, a.size(), a.data());
  EXPECT_FALSE(w.wait());
  EXPECT_TRUE(w.wait()) << "nothing in flight";
}

TEST(DirectWrite, FalseWhenTheFileCannotBeOpened) {
  const std::vector<unsigned char> in(10, 1);
  EXPECT_FALSE(direct_write("/var/tmp/crossmf-no-such-folder/x.h5", 0, in.size(), in.data()));
}
