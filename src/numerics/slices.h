// Which rows of a table each rank takes: contiguous slices, as even as rows (or chunks) allow.
#pragma once
#include "src/base/types.h"

namespace crossmf {

// Rows [begin, end) of `total` rows that rank `rank` of `size` reads.
struct Slice { count_t begin, end; };
Slice even_slice(count_t total, int rank, int size);
// The same in whole chunks of `chunk` rows: a chunk is read and inflated whole, so ranks that
// split one (generate deflates up to a million ids into a chunk) would each inflate all of it.
Slice chunk_slice(count_t total, count_t chunk, int rank, int size);

}  // namespace crossmf
