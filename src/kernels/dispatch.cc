// Which level's kernels run: compiled for the baseline, like all of crossmf outside the
// per-level kernels, since it runs before the choice.
#include <cstdlib>

#include "src/base/error.h"
#include "src/kernels/kernels.h"

// One table per level this build holds (CMakeLists.txt defines CROSSMF_KERNELS_<level>).
extern "C" {
#ifdef CROSSMF_KERNELS_native
const crossmf::Kernels* crossmf_kernels_native();
#endif
#ifdef CROSSMF_KERNELS_v4
const crossmf::Kernels* crossmf_kernels_v4();
#endif
#ifdef CROSSMF_KERNELS_v3
const crossmf::Kernels* crossmf_kernels_v3();
#endif
#ifdef CROSSMF_KERNELS_baseline
const crossmf::Kernels* crossmf_kernels_baseline();
#endif
}

namespace crossmf {

namespace {

struct Level {
  const char* name;
  const char* needs;           // what the CPU must have, for messages
  bool (*runs_here)();         // this CPU (and its operating system) runs the level's instructions
  const Kernels* (*table)();
};

// Best first.
const std::vector<Level>& levels() {
  static const std::vector<Level> all = {
#ifdef CROSSMF_KERNELS_native
      {"native", "the CPU it was built on", [] { return true; }, crossmf_kernels_native},
#endif
#ifdef CROSSMF_KERNELS_v4
      {"v4", "x86-64-v4 (AVX-512 F, BW, CD, DQ, VL)", [] { return __builtin_cpu_supports("x86-64-v4") > 0; },
       crossmf_kernels_v4},
#endif
#ifdef CROSSMF_KERNELS_v3
      {"v3", "x86-64-v3 (AVX2, FMA, BMI2)", [] { return __builtin_cpu_supports("x86-64-v3") > 0; }, crossmf_kernels_v3},
#endif
#ifdef CROSSMF_KERNELS_baseline
      {"baseline", "nothing", [] { return true; }, crossmf_kernels_baseline},
#endif
  };
  return all;
}

std::string level_list() {
  std::string s = "auto";
  for (const Level& l : levels()) s += std::string(", ") + l.name;
  return s;
}

const Kernels& choose(const char* env) {
  const std::string want = env && *env ? env : "auto";
  for (const Level& l : levels()) {
    if (want != "auto" && want != l.name) continue;
    if (l.runs_here()) return *l.table();
    if (want == "auto") continue;
    fail(Exit::usage, "CROSSMF_ISA={}: this CPU cannot run these kernels: they need {}; unset CROSSMF_ISA (auto picks the "
         "best this CPU runs) or choose one of: {}", want, l.needs, level_list());
  }
  if (want == "auto") fail(Exit::usage, "this CPU runs none of the kernels this crossmf holds ({})", level_list());
  fail(Exit::usage, "CROSSMF_ISA={}: no such kernel level in this build; choose one of: {}", want, level_list());
}

}  // namespace

const Kernels& kernels() {
  static const Kernels& chosen = choose(std::getenv("CROSSMF_ISA"));
  return chosen;
}

const Kernels* kernels_at(const std::string& level) {
  for (const Level& l : levels())
    if (level == l.name) return l.runs_here() ? l.table() : nullptr;
  return nullptr;
}

std::vector<std::string> kernel_levels() {
  std::vector<std::string> names;
  for (const Level& l : levels()) names.push_back(l.name);
  return names;
}

}  // namespace crossmf
