// How fast crossmf reads an input's ratings, the first thing train does, without the rest of
// the job: the scale bench puts it beside dd on the same disk, run after run, since this
// machine's disk speed changes between runs.
// usage: mpirun -np P read_rate INPUT.h5 [threads]
//   prints "read_mbytes_per_second <value>": ratings bytes read by all ranks per second
#include <mpi.h>
#include <omp.h>

#include <cstdio>
#include <cstdlib>

#include "io/input_reader.h"
#include "src/base/timer.h"
#include "src/comm/comm.h"

using namespace crossmf;

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  {
    Comm comm;
    if (argc > 2) omp_set_num_threads(std::atoi(argv[2]));
    comm.barrier();
    Stopwatch watch;
    InputReader input(argv[1], comm);
    const Triplets t = input.read_ratings(false);
    const double seconds = comm.max(watch.seconds());
    const double bytes = comm.sum<double>(static_cast<double>(t.user.size()) *
                                          (sizeof(t.user[0]) + sizeof(t.item[0]) + sizeof(t.value[0])));
    if (comm.root()) std::printf("read_mbytes_per_second %.0f (%.2f s)\n", bytes / seconds * 1e-6, seconds);
  }
  MPI_Finalize();
}
