// The root attributes every crossmf file starts with (CONTRACT.md), written in one place.
#pragma once
#include "io/h5.h"
#include "src/comm/comm.h"

namespace crossmf {

// Collective: `format` and `format_version`; then, when `dated`, `crossmf_version` and
// `created_utc` (rank 0's clock, so that every rank writes the same text).
void stamp_root(h5::File& file, const Comm& comm, const char* format, int version, bool dated);

}  // namespace crossmf
