// Two groups' conversion compared: the contacted (treated) group against the control group of a
// campaign, with the absolute and relative uplift, their 95% intervals and a p-value.
#pragma once
#include <cstdint>

namespace crossmf {

// Users in a group and how many of them converted.
struct ArmCounts {
  std::int64_t n = 0, conversions = 0;
  void add(bool converted) { ++n; conversions += converted; }
  double rate() const;  // NaN when n = 0
};

struct Uplift {
  double contacted_rate, control_rate;
  double absolute, absolute_low, absolute_high;  // p_t - p_c
  double relative, relative_low, relative_high;  // p_t / p_c - 1
  double p_value;                                // two-sided, H0: p_t = p_c
};

inline constexpr double kUpliftZ = 1.959963984540054;  // the normal quantile of a two-sided 95% interval

// Everything NaN when either group is empty. The absolute interval is Newcombe's hybrid score
// interval (1998, method 10): control groups are small and conversions rare, where the Wald
// interval undercovers and can leave [-1, 1]. The relative one is the delta method on
// log(p_t / p_c); the relative uplift is NaN when p_c = 0, its interval also when p_t = 0. The
// p-value is the pooled two-proportion z test (1 when no user or every user converted).
Uplift compare(const ArmCounts& contacted, const ArmCounts& control);

}  // namespace crossmf
