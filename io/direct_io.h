// Reading and writing a byte range of a file with O_DIRECT, spread over twice the rank's
// OpenMP threads (requests waiting on the disk leave the cores to the copies).
//
// A buffered read or write is bound by the kernel's copy between the page cache and the
// process, on one core, below the disk's rate. With O_DIRECT the disk moves
// the bytes to and from aligned 4 MiB buffers, and the threads copy between those and the
// caller's memory; a write from memory aligned as the file is needs no copy. io/h5 uses these
// for contiguous datasets stored in the caller's own type, io/output_writer for routed rows.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

namespace crossmf {

// Reads bytes [offset, offset + bytes) of `path` into `out`. False if the file system refuses
// O_DIRECT or any read fails or ends early (the caller then reads another way and reports).
bool direct_read(const std::string& path, std::uint64_t offset, std::size_t bytes, void* out);

// Writes `in` to bytes [offset, offset + bytes) of the existing file `path`. Whole 4 KiB
// blocks go with O_DIRECT; a partial block at either end (which another rank's range or the
// file's metadata may share) is written through the page cache, as is everything when the
// file system refuses O_DIRECT. False if any write fails (disk full, no permission).
// Bytes that lie in memory at the same place within a 4 KiB block as they go in the file go to
// the disk from where they are, without a copy.
bool direct_write(const std::string& path, std::uint64_t offset, std::size_t bytes, const void* in);

// One direct_write at a time on a thread of its own, so a rank prepares its next rows while the
// disk takes the last ones. The bytes must stay as they are until the write is waited for.
class BackgroundWrite {
 public:
  BackgroundWrite() = default;
  BackgroundWrite(const BackgroundWrite&) = delete;
  BackgroundWrite& operator=(const BackgroundWrite&) = delete;
  ~BackgroundWrite();  // waits
  // Waits for the write before (whose result wait() would have given is then lost: call
  // wait() first to keep it), then starts this one.
  void start(const std::string& path, std::uint64_t offset, std::size_t bytes, const void* in);
  // Waits for the write in flight, if any; false if it failed.
  bool wait();

 private:
  std::thread thread_;
  bool ok_ = true;  // set by the thread, read after it is joined
};

}  // namespace crossmf
