#include "io/parallel_text.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "src/base/error.h"

namespace crossmf {

namespace {
constexpr std::size_t kCopyBytes = std::size_t{1} << 22;  // per read and MPI write of the copy
}

ParallelText::ParallelText(std::string path, const Comm& comm)
    : path_(std::move(path)), part_(path_ + ".part" + std::to_string(comm.rank())), comm_(comm) {
  file_ = std::fopen(part_.c_str(), "wb");
  if (!file_) fail(Exit::io, "{}: cannot create {} ({}); choose a writable folder", path_, part_, std::strerror(errno));
  registered_ = std::make_unique<TemporaryFile>(part_);
}

ParallelText::~ParallelText() {
  if (file_) std::fclose(file_);
  ::unlink(part_.c_str());
}

void ParallelText::append(std::string_view text) {
  if (error_ != 0 || text.empty()) return;
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) error_ = errno != 0 ? errno : EIO;
  bytes_ += static_cast<count_t>(text.size());
}

void ParallelText::close_part() {
  if (!file_) return;
  if (std::fflush(file_) != 0 && error_ == 0) error_ = errno;
  if (std::fclose(file_) != 0 && error_ == 0) error_ = errno;
  file_ = nullptr;
  if (error_ != 0)
    fail(Exit::io, "{}: cannot write this rank's part {} ({}); free space in its folder or choose another", path_,
         part_, std::strerror(error_));
}

count_t ParallelText::assemble() {
  const count_t offset = comm_.exscan(bytes_), total = comm_.sum(bytes_);
  MPI_File fh;
  int rc = MPI_File_open(comm_.raw(), path_.c_str(), MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
  if (comm_.max(rc != MPI_SUCCESS ? 1 : 0) != 0) {
    if (rc == MPI_SUCCESS) MPI_File_close(&fh);
    fail(Exit::io, "{}: cannot open it for writing with MPI-IO; choose a writable folder", path_);
  }
  // Errors of this rank's reads and writes are kept until the collective close.
  std::string why;
  if (MPI_File_set_size(fh, static_cast<MPI_Offset>(total)) != MPI_SUCCESS) why = "cannot set its size";
  std::FILE* in = why.empty() ? std::fopen(part_.c_str(), "rb") : nullptr;
  if (why.empty() && !in) why = fmt::format("cannot read back {} ({})", part_, std::strerror(errno));
  std::vector<char> buffer(in ? kCopyBytes : 0);
  for (count_t at = 0; in && why.empty() && at < bytes_;) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
    if (n == 0) {
      why = fmt::format("{} ended early", part_);
      break;
    }
    MPI_Status status;
    if (MPI_File_write_at(fh, static_cast<MPI_Offset>(offset + at), buffer.data(), static_cast<int>(n), MPI_CHAR,
                          &status) != MPI_SUCCESS)
      why = "an MPI-IO write failed (disk full?)";
    at += static_cast<count_t>(n);
  }
  if (in) std::fclose(in);
  rc = MPI_File_close(&fh);
  if (rc != MPI_SUCCESS && why.empty()) why = "closing it with MPI-IO failed (disk full?)";
  if (!why.empty()) fail(Exit::io, "{}: {}; free space in its folder or choose another", path_, why);
  return total;
}

}  // namespace crossmf
