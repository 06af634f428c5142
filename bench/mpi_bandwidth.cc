// This machine's MPI bandwidth between ranks, through crossmf's own all-to-all (Comm), with
// the transport mpirun chose (shared memory, or TCP with --mca btl tcp,self).
// usage: mpirun -np P mpi_bandwidth [MB per destination]
//   prints "mpi_gbytes_per_second <value>": bytes each rank sends to others per second (best of 5)
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "src/base/timer.h"
#include "src/comm/comm.h"

using namespace crossmf;

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  {
    Comm comm;
    const count_t per_dest = (argc > 1 ? std::atoll(argv[1]) : 128) << 20;
    const int P = comm.size();
    std::vector<char> send(per_dest * P, 1), recv(per_dest * P);
    std::vector<count_t> counts(P, per_dest);
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
      comm.barrier();
      Stopwatch watch;
      comm.alltoallv<char>(std::span<const char>(send), counts, std::span<char>(recv), counts);
      const double seconds = comm.max(watch.seconds());
      best = std::max(best, double(per_dest) * (P - 1) / seconds * 1e-9);
    }
    if (comm.root()) std::printf("mpi_gbytes_per_second %.2f\n", best);
  }
  MPI_Finalize();
}
