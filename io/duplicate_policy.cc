#include "io/duplicate_policy.h"

#include <algorithm>

#include "src/base/error.h"

namespace crossmf {

void fold(DuplicatePolicy policy, Rating& kept, const Rating& later, const std::string& path, const PairNamer& name,
          PairTime time) {
  switch (policy) {
    case DuplicatePolicy::error:
      fail(Exit::data, "{}: lines {} and {} both rate {} (--duplicates error); remove one, or choose "
                       "--duplicates last, sum or mean", path, kept.line, later.line, name(kept.key));
    case DuplicatePolicy::last:
      kept.value = later.value;
      break;
    case DuplicatePolicy::sum:
    case DuplicatePolicy::mean:
      kept.value += later.value;
      break;
  }
  kept.time = time == PairTime::newest ? std::max(kept.time, later.time) : later.time;
  kept.line = later.line;
  kept.count += later.count;
}

void repeated_row(DuplicatePolicy policy, const std::string& path, count_t first_line, count_t line,
                  const std::string& what) {
  if (policy == DuplicatePolicy::error)
    fail(Exit::data, "{}: lines {} and {} both describe {} (--duplicates error); remove one, or choose "
                     "--duplicates last to keep the later row", path, first_line, line, what);
}

}  // namespace crossmf
