#include "src/numerics/slices.h"

#include <algorithm>

namespace crossmf {

Slice even_slice(count_t total, int rank, int size) {
  const count_t base = total / size, extra = total % size;
  const count_t begin = rank * base + std::min<count_t>(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

Slice chunk_slice(count_t total, count_t chunk, int rank, int size) {
  chunk = std::max<count_t>(chunk, 1);
  const Slice chunks = even_slice((total + chunk - 1) / chunk, rank, size);
  return {std::min(chunks.begin * chunk, total), std::min(chunks.end * chunk, total)};
}

}  // namespace crossmf
