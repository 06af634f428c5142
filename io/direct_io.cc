#include "io/direct_io.h"

#include <fcntl.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

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

bool write_fully(int fd, const char* buf, std::uint64_t bytes, std::uint64_t at) {
  for (std::uint64_t done = 0; done < bytes;) {
    const ssize_t w = pwrite(fd, buf + done, bytes - done, static_cast<off_t>(at + done));
    if (w <= 0) return false;
    done += static_cast<std::uint64_t>(w);
  }
  return true;
}

// Threads that carry requests: twice the rank's threads (at least 4, at most 16), so that
// while some wait for the disk the others copy and fault in the caller's fresh pages (a first
// touch of fresh memory is about as slow as the disk; bench/scale.md).
int io_threads() { return std::clamp(2 * omp_get_max_threads(), 4, 16); }

// Runs body(piece, aligned buffer) for the pieces [0, pieces) on io_threads() threads, one
// aligned buffer per thread (none, a null pointer, when `buffers` is false); false if a buffer
// cannot be had or any body returns false.
template <class Body>
bool on_threads(std::int64_t pieces, Body body, bool buffers = true) {
  std::atomic<bool> ok = true;
#pragma omp parallel num_threads(io_threads())
  {
    std::unique_ptr<char, decltype(&std::free)> buf(
        buffers ? static_cast<char*>(std::aligned_alloc(kAlign, kPiece)) : nullptr, &std::free);
    if (buffers && !buf) ok = false;
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t p = 0; p < pieces; ++p)
      if ((buf || !buffers) && !body(p, buf.get())) ok = false;
  }
  return ok;
}
}  // namespace

bool direct_read(const std::string& path, std::uint64_t offset, std::size_t bytes, void* out) {
  if (bytes == 0) return true;
  Fd f{open(path.c_str(), O_RDONLY | O_DIRECT)};
  if (f.fd < 0) return false;
  const std::uint64_t first = offset / kAlign * kAlign;
  const std::uint64_t end = offset + bytes;
  char* dst = static_cast<char*>(out);
  return on_threads(static_cast<std::int64_t>((end - first + kPiece - 1) / kPiece), [&](std::int64_t p, char* buf) {
    const std::uint64_t at = first + static_cast<std::uint64_t>(p) * kPiece;
    const std::uint64_t stop = std::min(end, at + kPiece);
    const std::uint64_t want = (stop - at + kAlign - 1) / kAlign * kAlign;
    std::uint64_t got = 0;
    if (!read_fully(f.fd, buf, want, at, &got) || at + got < stop) return false;
    const std::uint64_t from = std::max(offset, at);
    std::memcpy(dst + (from - offset), buf + (from - at), stop - from);
    return true;
  });
}

bool direct_write(const std::string& path, std::uint64_t offset, std::size_t bytes, const void* in) {
  if (bytes == 0) return true;
  const char* src = static_cast<const char*>(in);
  const std::uint64_t end = offset + bytes;
  // Whole blocks [lo, hi) go direct; [offset, lo) and [hi, end) through the page cache.
  std::uint64_t lo = (offset + kAlign - 1) / kAlign * kAlign, hi = end / kAlign * kAlign;
  Fd direct{lo < hi ? open(path.c_str(), O_WRONLY | O_DIRECT) : -1};
  if (direct.fd < 0) lo = hi = end;  // no whole block, or no O_DIRECT here: all through the page cache
  Fd cached{open(path.c_str(), O_WRONLY)};
  if (cached.fd < 0) return false;
  bool ok = write_fully(cached.fd, src, lo - offset, offset) && write_fully(cached.fd, src + (hi - offset), end - hi, hi);
  if (hi <= lo) return ok;
  const std::int64_t pieces = static_cast<std::int64_t>((hi - lo + kPiece - 1) / kPiece);
  auto piece = [&](std::int64_t p) {
    const std::uint64_t at = lo + static_cast<std::uint64_t>(p) * kPiece;
    return std::pair{at, std::min(hi, at + kPiece) - at};
  };
  // Bytes that sit in memory as they will on the disk (the whole blocks start on a 4 KiB
  // boundary) go from where they are; others through an aligned buffer per thread.
  if (reinterpret_cast<std::uintptr_t>(src + (lo - offset)) % kAlign == 0)
    return on_threads(pieces, [&](std::int64_t p, char*) {
             const auto [at, n] = piece(p);
             return write_fully(direct.fd, src + (at - offset), n, at);
           }, false) && ok;
  return on_threads(pieces, [&](std::int64_t p, char* buf) {
           const auto [at, n] = piece(p);
           std::memcpy(buf, src + (at - offset), n);
           return write_fully(direct.fd, buf, n, at);
         }) && ok;
}

BackgroundWrite::~BackgroundWrite() { wait(); }

void BackgroundWrite::start(const std::string& path, std::uint64_t offset, std::size_t bytes, const void* in) {
  wait();
  thread_ = std::thread([this, path, offset, bytes, in] { ok_ = direct_write(path, offset, bytes, in); });
}

bool BackgroundWrite::wait() {
  if (thread_.joinable()) thread_.join();
  const bool ok = ok_;
  ok_ = true;
  return ok;
}

}  // namespace crossmf
