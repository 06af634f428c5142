#include "io/row_slices.h"

#include <algorithm>

namespace crossmf {

namespace {
// 1 Mi elements a chunk: few enough chunks for the collective filtered write to stay cheap,
// small enough that a reader of a few rows decompresses little.
constexpr hsize_t kChunkElements = hsize_t{1} << 20;
// Below this, compression saves too little to be worth a chunk index.
constexpr count_t kPackFrom = 4096;
}  // namespace

h5::Options packed_layout(count_t rows, hsize_t width) {
  h5::Options o;
  if (rows < kPackFrom) return o;
  if (width <= 1) {
    o.chunk = {kChunkElements};
  } else {
    o.chunk = {std::max<hsize_t>(1, kChunkElements / width), width};
  }
  o.deflate = 1;
  return o;
}

}  // namespace crossmf
