// How fast this machine gives a process memory it has not touched before: the first write to
// each page of a fresh mapping, on the given threads. The ratings read lands in fresh memory,
// and on this virtual machine the first touch runs at about the disk's speed (the host backs
// each page on demand). The scale bench measures it first and last, and runs it before each
// training run, since touching memory warms it for whatever runs next.
// usage: fresh_memory_rate GBYTES [threads]   prints "fresh_memory_mbytes_per_second <value>"
#include <omp.h>
#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>

#include "src/base/timer.h"

using namespace crossmf;

int main(int argc, char** argv) {
  const std::size_t bytes = static_cast<std::size_t>(std::atof(argc > 1 ? argv[1] : "1") * 1e9);
  const int threads = argc > 2 ? std::atoi(argv[2]) : omp_get_max_threads();
  void* map = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return 1;
  volatile char* p = static_cast<char*>(map);
  const long pages = static_cast<long>(bytes / 4096);
  Stopwatch watch;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (long i = 0; i < pages; ++i) p[i * 4096] = 1;
  std::printf("fresh_memory_mbytes_per_second %.0f (%.2f s)\n", bytes / watch.seconds() * 1e-6, watch.seconds());
  munmap(map, bytes);
  return 0;
}
