// Included by every source of src/kernels/ that is compiled once per level (all but kernels.h
// and dispatch.cc). CMake compiles those sources once per x86-64 level, with the level's -march
// and CROSSMF_LEVEL set to its name (the namespace its functions live in), then makes every
// symbol of a level local to it except its table, crossmf_kernels_<level>. The reason: template
// and inline code that the kernels share with the rest of crossmf (Eigen, the standard library)
// would otherwise be merged across levels by the linker, which keeps any one copy, so baseline
// code could run an AVX-512 copy on a CPU without AVX-512.
#pragma once

#ifndef CROSSMF_LEVEL
#error "this header belongs to the kernels compiled once per level; include src/kernels/kernels.h instead"
#endif
