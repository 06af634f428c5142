// This machine's dense GEMM rate in crossmf's precision, with the same compiler flags and one
// independent GEMM per thread (the way crossmf's per-row solves use the cores).
// usage: gemm_rate [threads] [n]   prints "gemm_gflops <value>"
#include <omp.h>

#include <cstdio>
#include <cstdlib>

#include "src/base/timer.h"
#include "src/numerics/dense.h"

using namespace crossmf;

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : omp_get_max_threads();
  const int n = argc > 2 ? std::atoi(argv[2]) : 1024;
  double best = 0;
  const int per_thread = 4;
#pragma omp parallel num_threads(threads) reduction(max : best)
  {
    ColMatrix a = ColMatrix::Random(n, n), b = ColMatrix::Random(n, n), c(n, n);
    for (int rep = 0; rep < 5; ++rep) {
#pragma omp barrier
      Stopwatch watch;
      for (int r = 0; r < per_thread; ++r) c.noalias() = a * b;
#pragma omp barrier
      // Each thread's share of the whole machine's rate over the same synchronised interval.
      best = std::max(best, 2.0 * n * n * n * per_thread * threads / watch.seconds() * 1e-9);
    }
    if (c(0, 0) == 12345.f) std::printf(" ");
  }
  std::printf("gemm_gflops %.1f\n", best);
  return 0;
}
