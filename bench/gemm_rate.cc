// This machine's dense GEMM rate in crossmf's precision, by Eigen compiled for the kernel level
// in use (CROSSMF_ISA, else the best this CPU runs), one independent GEMM per thread (the way
// crossmf's per-row solves use the cores).
// usage: gemm_rate [threads] [n]   prints "gemm_gflops <value> <level>"
#include <omp.h>

#include <cstdio>
#include <cstdlib>

#include "src/base/timer.h"
#include "src/kernels/kernels.h"
#include "src/numerics/dense.h"

using namespace crossmf;

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : omp_get_max_threads();
  const int n = argc > 2 ? std::atoi(argv[2]) : 1024;
  const Kernels& K = kernels();
  double best = 0;
  const int per_thread = 4;
#pragma omp parallel num_threads(threads) reduction(max : best)
  {
    Matrix a = Matrix::Random(n, n), b = Matrix::Random(n, n), c(n, n);
    for (int rep = 0; rep < 5; ++rep) {
#pragma omp barrier
      Stopwatch watch;
      for (int r = 0; r < per_thread; ++r) K.products(a.data(), n, n, b.data(), n, n, n, c.data());
#pragma omp barrier
      // Each thread's share of the whole machine's rate over the same synchronised interval.
      best = std::max(best, 2.0 * n * n * n * per_thread * threads / watch.seconds() * 1e-9);
    }
    if (c(0, 0) == 12345.f) std::printf(" ");
  }
  std::printf("gemm_gflops %.1f %s\n", best, K.level);
  return 0;
}
