#include "io/direct_read.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace crossmf {

namespace {
// 4096 covers the logical block size of every disk O_DIRECT meets in practice.
constexpr std::uint64_t kAlign = 4096;
constexpr std::uint64_t kPiece = std::uint64_t{4} << 20;  // per thread and request

struct Fd {
  int fd;
  ~Fd() { if (fd >= 0) close(fd); }
};

// Fills buf with `want` bytes from `at`; false on an error or end of file first.
bool read_fully(int fd, char* buf, std::uint64_t want, std::uint64_t at, std::uint64_t* got) {
  *got = 0;
  while (*got < want) {
    const ssize_t r = pread(fd, buf + *got, want - *got, static_cast<off_t>(at + *got));
    if (r <= 0) return false;
    *got += static_cast<std::uint64_t>(r);
    if (*got % kAlign != 0) return true;  // a short read that is not block-aligned is the end of file
  }
  return true;
}
}  // namespace

bool direct_read(const std::string& path, std::uint64_t offset, std::size_t bytes, void* out) {
  if (bytes == 0) return true;
  Fd f{open(path.c_str(), O_RDONLY | O_DIRECT)};
  if (f.fd < 0) return false;
  const std::uint64_t first = offset / kAlign * kAlign;
  const std::uint64_t end = offset + bytes;
  const std::int64_t pieces = static_cast<std::int64_t>((end - first + kPiece - 1) / kPiece);
  char* dst = static_cast<char*>(out);
  std::atomic<bool> ok = true;
#pragma omp parallel
  {
    std::unique_ptr<char, decltype(&std::free)> buf(static_cast<char*>(std::aligned_alloc(kAlign, kPiece)), &std::free);
    if (!buf) ok = false;
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t p = 0; p < pieces; ++p) {
      if (!buf) continue;
      const std::uint64_t at = first + static_cast<std::uint64_t>(p) * kPiece;
      const std::uint64_t stop = std::min(end, at + kPiece);
      const std::uint64_t want = (stop - at + kAlign - 1) / kAlign * kAlign;
      std::uint64_t got = 0;
      const bool read = read_fully(f.fd, buf.get(), want, at, &got);
      const std::uint64_t from = std::max(offset, at);
      if (!read || at + got < stop) {
        ok = false;
        continue;
      }
      std::memcpy(dst + (from - offset), buf.get() + (from - at), stop - from);
    }
  }
  return ok;
}

}  // namespace crossmf
