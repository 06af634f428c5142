// What import does when a (user, item) pair, or an id of an items, users or labels file, comes
// more than once:
//   last   the last row in file order wins (its value and time)
//   sum    values add up (implicit counts, minutes, amounts); the time is the last row's
//   mean   values are averaged (repeated explicit ratings); the time is the last row's
//   error  the data are refused (exit 3), naming the two lines
// In items, users and labels files sum and mean make no sense: every policy but error keeps
// the last row there.
#pragma once
#include <functional>
#include <string>

#include "io/rating.h"
#include "src/base/choices.h"

namespace crossmf {

// Names a pair for messages, e.g. "user 'u17', item 'i3'".
using PairNamer = std::function<std::string(std::uint64_t key)>;

// Which time a folded pair keeps: the last row's (ratings), or the newest (events, whose rows
// need not come in time order).
enum class PairTime { last, newest };

// Folds `later`, a later row of the same pair from file `path`, into `kept`.
void fold(DuplicatePolicy policy, Rating& kept, const Rating& later, const std::string& path, const PairNamer& name,
          PairTime time = PairTime::last);

// The value written for a folded rating.
inline real final_value(DuplicatePolicy policy, const Rating& r) {
  return policy == DuplicatePolicy::mean ? r.value / static_cast<real>(r.count) : r.value;
}

// An id of a side table (items, users, labels) seen again at `line` after `first_line`:
// throws under policy error, otherwise the caller keeps the later row.
void repeated_row(DuplicatePolicy policy, const std::string& path, count_t first_line, count_t line,
                  const std::string& what);

}  // namespace crossmf
