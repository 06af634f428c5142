// Lanes: 16 floats that the kernels treat as one value, so the hot loops say what they compute
// and GCC picks the instructions: one AVX-512 register under -march=native, four SSE registers
// in the portable build.
#pragma once
#include "src/base/types.h"

namespace crossmf {

static_assert(sizeof(real) == 4, "Lanes hold 16 single-precision values");
constexpr int kLanes = 16;

typedef real Lanes __attribute__((vector_size(64)));
// The same vector at any address: memory is read and written through a reference to this type,
// never through functions taking or returning Lanes by value (their ABI differs between builds).
typedef real LanesAt __attribute__((vector_size(64), aligned(alignof(real)), may_alias));

inline const LanesAt& lanes_at(const real* p) { return *reinterpret_cast<const LanesAt*>(p); }
inline LanesAt& lanes_at(real* p) { return *reinterpret_cast<LanesAt*>(p); }

// The smallest multiple of kLanes that holds d: the kernels work on whole Lanes, and the caller
// pads its matrices and vectors to this size.
constexpr int padded(int d) { return (d + kLanes - 1) / kLanes * kLanes; }

}  // namespace crossmf
