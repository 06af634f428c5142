// main for multi-rank gtest binaries: MPI around gtest; only rank 0 prints results, and a
// failure on any rank fails the run (every rank returns its own status to mpirun).
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdlib>
#include <string>

#include "src/kernels/kernels.h"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  // A run for one kernel level (CROSSMF_ISA) that this CPU cannot run is skipped: ctest's
  // SKIP_RETURN_CODE.
  const char* isa = std::getenv("CROSSMF_ISA");
  if (isa && *isa && std::string(isa) != "auto" && !crossmf::kernels_at(isa)) {
    MPI_Finalize();
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int failed = RUN_ALL_TESTS();
  int any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any;
}
