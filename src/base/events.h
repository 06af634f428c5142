// The options of an events import (`crossmf import --events`), parsed and checked: the weight
// of each event name (--event-weights) and the time the decay of --half-life counts back from
// (--as-of). Each throws Error(Exit::usage) naming the option and the fix.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crossmf {

struct EventWeight {
  std::string name;  // as the events file spells it
  double weight;     // finite, >= 0
};

// "view=1,minutes=0.05,purchase=5": each name once, each weight a finite number >= 0.
std::vector<EventWeight> event_weights(const std::string& text);

// --as-of: unix seconds or a YYYY-MM-DD date (its midnight UTC); nullopt when empty (the latest
// time of the file).
std::optional<std::int64_t> as_of_seconds(const std::string& text);

// A YYYY-MM-DD date as the unix seconds of its midnight UTC; false if it is not a real date.
bool parse_date(std::string_view s, std::int64_t& seconds);

}  // namespace crossmf
