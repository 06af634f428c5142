// SGD over one block of ratings: the loops of src/model/sgd.cc that call the steps of
// sgd_steps.h, so that a whole block runs at the level's vector width with no call per step.
#pragma once
#include "src/kernels/kernels.h"
#include "src/kernels/level.h"

namespace crossmf::CROSSMF_LEVEL {

// Explicit steps over ratings [from, to); returns the summed squared error before each step.
double sgd_explicit(const SgdBlock& block);
// Implicit: per positive (with wsl) a step towards it, then `negatives` sampled steps; returns
// the summed loss and adds the number of steps to *updates.
double sgd_implicit(const SgdBlock& block, const SgdImplicit& sampling, count_t* updates);

}  // namespace crossmf::CROSSMF_LEVEL
