// Collectives over MPI that know nothing of ratings: 64-bit counts split into int-sized calls,
// and one way for every rank to agree on an error.
#pragma once
#include <mpi.h>

#include <exception>
#include <span>
#include <string>
#include <vector>

#include "src/base/error.h"
#include "src/base/types.h"
#include "src/comm/datatype.h"

namespace crossmf {

// Per-rank message sizes are int in MPI. Everything here moves at most this many bytes per call.
inline constexpr count_t kMaxMessageBytes = count_t{1} << 30;

class Comm {
 public:
  explicit Comm(MPI_Comm comm = MPI_COMM_WORLD);

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }
  MPI_Comm raw() const { return comm_; }

  void barrier() const;
  // A barrier that sleeps between polls instead of spinning: for ranks that wait while rank 0
  // works alone, so that they do not take a core it could use.
  void idle_barrier() const;

  // Elementwise allreduce in place, in int-sized pieces. With one rank it does nothing.
  template <class T> void sum(std::span<T> values) const { allreduce(values.data(), values.size(), mpi_type<T>(), MPI_SUM); }
  template <class T> void max(std::span<T> values) const { allreduce(values.data(), values.size(), mpi_type<T>(), MPI_MAX); }
  template <class T> void min(std::span<T> values) const { allreduce(values.data(), values.size(), mpi_type<T>(), MPI_MIN); }
  template <class T> T sum(T v) const { allreduce(&v, 1, mpi_type<T>(), MPI_SUM); return v; }
  template <class T> T max(T v) const { allreduce(&v, 1, mpi_type<T>(), MPI_MAX); return v; }
  template <class T> T min(T v) const { allreduce(&v, 1, mpi_type<T>(), MPI_MIN); return v; }

  // Exclusive prefix sum over ranks (0 on rank 0).
  count_t exscan(count_t v) const;

  // Broadcast from root, in int-sized pieces.
  template <class T> void bcast(std::span<T> values, int from = 0) const {
    bcast_bytes(values.data(), values.size() * sizeof(T), from);
  }
  void bcast(std::string& s, int from = 0) const;

  // Every rank gets every rank's `mine`, concatenated in rank order into `all`
  // (sized to the total). counts[r] is rank r's element count, known on every rank.
  template <class T>
  void allgatherv(std::span<const T> mine, std::span<T> all, const std::vector<count_t>& counts) const {
    allgatherv_bytes(mine.data(), all.data(), counts, sizeof(T));
  }
  // Every rank's count of something, on every rank.
  std::vector<count_t> allgather(count_t v) const;

  // Personalised all-to-all: send holds the data for rank 0, then rank 1, ... with
  // send_counts[r] elements for rank r. Returns what arrived, ordered by source rank, and
  // fills recv_counts. Point-to-point underneath, so 64-bit sizes are fine.
  template <class T>
  std::vector<T> alltoallv(std::span<const T> send, const std::vector<count_t>& send_counts,
                           std::vector<count_t>* recv_counts = nullptr) const {
    std::vector<count_t> rc = exchange_counts(send_counts);
    count_t total = 0;
    for (count_t c : rc) total += c;
    std::vector<T> recv(total);
    exchange_bytes(send.data(), send_counts, recv.data(), rc, sizeof(T));
    if (recv_counts) *recv_counts = std::move(rc);
    return recv;
  }
  // The same with counts already known on both sides (a routing computed once).
  template <class T>
  void alltoallv(std::span<const T> send, const std::vector<count_t>& send_counts, std::span<T> recv,
                 const std::vector<count_t>& recv_counts) const {
    exchange_bytes(send.data(), send_counts, recv.data(), recv_counts, sizeof(T));
  }
  std::vector<count_t> exchange_counts(const std::vector<count_t>& send_counts) const;

  // Error agreement where every rank arrives (see agreed()). Every rank calls it, with the
  // exception it caught (or none). If any rank failed, every rank throws the same
  // crossmf::Error: the code and message of the lowest failing rank. Errors that are not
  // crossmf::Error become internal errors.
  void agree(std::exception_ptr failure) const;

  // Bytes this rank has sent to other ranks so far, counted as the payload of a bandwidth-
  // optimal algorithm: allreduce 2 S (P-1)/P (reduce-scatter + allgather), broadcast S (P-1)/P,
  // allgatherv everything but its own block (ring), all-to-all what goes to other ranks.
  // Phases log differences of it, so traffic is measured rather than modelled.
  count_t bytes_sent() const { return bytes_sent_; }

 private:
  void allreduce(void* data, std::size_t n, MPI_Datatype type, MPI_Op op) const;
  void bcast_bytes(void* data, std::size_t bytes, int from) const;
  void allgatherv_bytes(const void* mine, void* all, const std::vector<count_t>& counts, std::size_t elem) const;
  void exchange_bytes(const void* send, const std::vector<count_t>& send_counts, void* recv,
                      const std::vector<count_t>& recv_counts, std::size_t elem) const;

  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
  mutable count_t bytes_sent_ = 0;
};

// Thrown by Comm::agree on every rank: main knows all ranks hold it and may finalize.
class AgreedError : public Error {
 public:
  using Error::Error;
};

// Runs `body` on every rank and agrees on its outcome: a failure anywhere becomes the same
// AgreedError everywhere. `body` must not enter a collective after a point where it may throw
// on only some ranks; put such checks at the end of the body.
template <class F>
void agreed(const Comm& comm, F&& body) {
  std::exception_ptr failure;
  try {
    body();
  } catch (...) {
    failure = std::current_exception();
  }
  comm.agree(failure);
}

// A stop point: if any rank was asked to stop (src/base/signals.h), every rank throws the same
// AgreedError(Exit::terminated), "stopped by <signal> while <doing>; <outcome>". One allreduce.
void stop_point(const Comm& comm, const std::string& doing, const std::string& outcome);

// Runs `body` on rank 0 alone (sequential work such as reading text) while the other ranks
// wait in idle_barrier, then agrees on the outcome like agreed().
template <class F>
void agreed_on_root(const Comm& comm, F&& body) {
  std::exception_ptr failure;
  if (comm.root()) {
    try {
      body();
    } catch (...) {
      failure = std::current_exception();
    }
  }
  comm.idle_barrier();
  comm.agree(failure);
}

}  // namespace crossmf
