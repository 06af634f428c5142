// Reading a byte range of a file with O_DIRECT, spread over the rank's OpenMP threads.
//
// One rank's buffered read of its ratings was bound by the kernel's copy from the page cache
// (one core, about 0.5 GB/s here), below the disk. With O_DIRECT the disk writes into aligned
// buffers, and the threads copy out of them. io/h5 uses this for contiguous datasets stored in
// the reader's own type and falls back to MPI-IO whenever it returns false.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace crossmf {

// Reads bytes [offset, offset + bytes) of `path` into `out`. False if the file system refuses
// O_DIRECT or any read fails or ends early (the caller then reads another way and reports).
bool direct_read(const std::string& path, std::uint64_t offset, std::size_t bytes, void* out);

}  // namespace crossmf
