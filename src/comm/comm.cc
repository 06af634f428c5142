#include "src/comm/comm.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <new>
#include <thread>

#include "src/base/signals.h"

namespace crossmf {

namespace {
void check_mpi(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw Error(Exit::io, fmt::format("MPI {} failed: {}", what, std::string(text, len)));
  }
}
}  // namespace

Comm::Comm(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

void Comm::barrier() const {
  if (size_ > 1) check_mpi(MPI_Barrier(comm_), "barrier");
}

void Comm::allreduce(void* data, std::size_t n, MPI_Datatype type, MPI_Op op) const {
  if (size_ == 1 || n == 0) return;
  int type_size = 0;
  MPI_Type_size(type, &type_size);
  bytes_sent_ += static_cast<count_t>(2 * n * type_size * (size_ - 1) / size_);
  const std::size_t step = std::max<std::size_t>(1, kMaxMessageBytes / type_size);
  char* p = static_cast<char*>(data);
  for (std::size_t done = 0; done < n; done += step) {
    const int piece = static_cast<int>(std::min(step, n - done));
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, p + done * type_size, piece, type, op, comm_), "allreduce");
  }
}

void Comm::idle_barrier() const {
  if (size_ == 1) return;
  MPI_Request request;
  check_mpi(MPI_Ibarrier(comm_, &request), "ibarrier");
  for (int done = 0;;) {
    check_mpi(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "test");
    if (done) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

count_t Comm::exscan(count_t v) const {
  count_t out = 0;
  if (size_ > 1) check_mpi(MPI_Exscan(&v, &out, 1, MPI_INT64_T, MPI_SUM, comm_), "exscan");
  return rank_ == 0 ? 0 : out;
}

void Comm::bcast_bytes(void* data, std::size_t bytes, int from) const {
  if (size_ == 1) return;
  bytes_sent_ += static_cast<count_t>(bytes * (size_ - 1) / size_);
  char* p = static_cast<char*>(data);
  for (std::size_t done = 0; done < bytes; done += kMaxMessageBytes) {
    const int piece = static_cast<int>(std::min<std::size_t>(kMaxMessageBytes, bytes - done));
    check_mpi(MPI_Bcast(p + done, piece, MPI_BYTE, from, comm_), "bcast");
  }
}

void Comm::bcast(std::string& s, int from) const {
  if (size_ == 1) return;
  count_t n = static_cast<count_t>(s.size());
  bcast(std::span<count_t>(&n, 1), from);
  s.resize(n);
  bcast_bytes(s.data(), n, from);
}

std::vector<count_t> Comm::allgather(count_t v) const {
  std::vector<count_t> all(size_, v);
  if (size_ > 1) check_mpi(MPI_Allgather(&v, 1, MPI_INT64_T, all.data(), 1, MPI_INT64_T, comm_), "allgather");
  return all;
}

void Comm::allgatherv_bytes(const void* mine, void* all, const std::vector<count_t>& counts,
                            std::size_t elem) const {
  count_t total = 0;
  for (count_t c : counts) total += c;
  char* out = static_cast<char*>(all);
  const count_t offset = [&] { count_t o = 0; for (int r = 0; r < rank_; ++r) o += counts[r]; return o; }();
  if (size_ == 1 || total == 0) {
    if (counts[rank_] > 0 && out + offset * elem != mine) std::memmove(out + offset * elem, mine, counts[rank_] * elem);
    return;
  }
  if (static_cast<std::size_t>(total) * elem <= static_cast<std::size_t>(INT_MAX)) {
    bytes_sent_ += static_cast<count_t>((total - counts[rank_]) * elem);
    std::vector<int> c(size_), d(size_);
    count_t o = 0;
    for (int r = 0; r < size_; ++r) { c[r] = static_cast<int>(counts[r] * elem); d[r] = static_cast<int>(o * elem); o += counts[r]; }
    // Copy own part first so MPI_IN_PLACE can be used whatever `mine` points at.
    if (counts[rank_] > 0 && out + offset * elem != mine) std::memmove(out + offset * elem, mine, counts[rank_] * elem);
    check_mpi(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_BYTE, out, c.data(), d.data(), MPI_BYTE, comm_), "allgatherv");
    return;
  }
  // Past 2 GiB: each rank broadcasts its own segment in int-sized pieces.
  if (counts[rank_] > 0 && out + offset * elem != mine) std::memmove(out + offset * elem, mine, counts[rank_] * elem);
  count_t o = 0;
  for (int r = 0; r < size_; ++r) {
    bcast_bytes(out + o * elem, counts[r] * elem, r);
    o += counts[r];
  }
}

std::vector<count_t> Comm::exchange_counts(const std::vector<count_t>& send_counts) const {
  std::vector<count_t> recv(size_, 0);
  if (size_ == 1) { recv[0] = send_counts[0]; return recv; }
  check_mpi(MPI_Alltoall(send_counts.data(), 1, MPI_INT64_T, recv.data(), 1, MPI_INT64_T, comm_), "alltoall");
  return recv;
}

void Comm::exchange_bytes(const void* send, const std::vector<count_t>& send_counts, void* recv,
                          const std::vector<count_t>& recv_counts, std::size_t elem) const {
  const char* s = static_cast<const char*>(send);
  char* r = static_cast<char*>(recv);
  std::vector<count_t> soff(size_ + 1, 0), roff(size_ + 1, 0);
  for (int p = 0; p < size_; ++p) { soff[p + 1] = soff[p] + send_counts[p]; roff[p + 1] = roff[p] + recv_counts[p]; }
  // Own part is a copy.
  if (send_counts[rank_] > 0) std::memcpy(r + roff[rank_] * elem, s + soff[rank_] * elem, send_counts[rank_] * elem);
  if (size_ == 1) return;
  bytes_sent_ += static_cast<count_t>((soff[size_] - send_counts[rank_]) * elem);
  // Messages larger than kMaxMessageBytes go in pieces; MPI keeps their order for one
  // (source, tag), so the receiver reassembles them in place.
  std::vector<MPI_Request> requests;
  constexpr int kTag = 7301;
  for (int k = 1; k < size_; ++k) {
    const int from = (rank_ - k + size_) % size_;
    std::size_t bytes = recv_counts[from] * elem;
    for (std::size_t done = 0; done < bytes; done += kMaxMessageBytes) {
      requests.emplace_back();
      const int piece = static_cast<int>(std::min<std::size_t>(kMaxMessageBytes, bytes - done));
      check_mpi(MPI_Irecv(r + roff[from] * elem + done, piece, MPI_BYTE, from, kTag, comm_, &requests.back()), "irecv");
    }
  }
  for (int k = 1; k < size_; ++k) {
    const int to = (rank_ + k) % size_;
    std::size_t bytes = send_counts[to] * elem;
    for (std::size_t done = 0; done < bytes; done += kMaxMessageBytes) {
      requests.emplace_back();
      const int piece = static_cast<int>(std::min<std::size_t>(kMaxMessageBytes, bytes - done));
      check_mpi(MPI_Isend(s + soff[to] * elem + done, piece, MPI_BYTE, to, kTag, comm_, &requests.back()), "isend");
    }
  }
  check_mpi(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE), "waitall");
}

void Comm::agree(std::exception_ptr failure) const {
  int code = 0;
  std::string message;
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const Error& e) {
      code = static_cast<int>(e.code());
      message = e.what();
    } catch (const std::bad_alloc&) {
      code = static_cast<int>(Exit::io);
      message = fmt::format("rank {} ran out of memory: give each rank more memory (--mem-per-cpu) or use more ranks", rank_);
    } catch (const std::exception& e) {
      code = 1;
      message = fmt::format("internal error on rank {}: {}", rank_, e.what());
    }
  }
  if (size_ == 1) {
    if (code != 0) throw AgreedError(static_cast<Exit>(code), message);
    return;
  }
  // Lowest failing rank wins, so the message does not depend on timing.
  struct { int ok; int rank; } in{code == 0 ? 1 : 0, rank_}, out{};
  check_mpi(MPI_Allreduce(&in, &out, 1, MPI_2INT, MPI_MINLOC, comm_), "allreduce");
  if (out.ok == 1) return;
  int agreed_code = code;
  check_mpi(MPI_Bcast(&agreed_code, 1, MPI_INT, out.rank, comm_), "bcast");
  bcast(message, out.rank);
  throw AgreedError(static_cast<Exit>(agreed_code), message);
}

void stop_point(const Comm& comm, const std::string& doing, const std::string& outcome) {
  // The highest signal number wins, so the message is the same on every rank.
  const int sig = comm.max(stop_signal());
  if (sig != 0) throw AgreedError(Exit::terminated, stop_message(sig, doing, outcome));
}

}  // namespace crossmf
