// Kernel tests run once per level this build holds (src/kernels/kernels.h); a level this CPU
// cannot run is skipped, and says so.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "src/kernels/kernels.h"

namespace crossmf::testing {

class EveryLevel : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    kernels_ = kernels_at(GetParam());
    if (!kernels_) GTEST_SKIP() << "this CPU cannot run the " << GetParam() << " kernels";
  }
  const Kernels& K() const { return *kernels_; }

 private:
  const Kernels* kernels_ = nullptr;
};

}  // namespace crossmf::testing

// Instantiates the TEST_Ps of a suite derived from EveryLevel once per level, named after it.
#define CROSSMF_AT_EVERY_LEVEL(Suite)                                                               \
  INSTANTIATE_TEST_SUITE_P(Levels, Suite, ::testing::ValuesIn(crossmf::kernel_levels()),        \
                           [](const ::testing::TestParamInfo<std::string>& info) { return info.param; })
