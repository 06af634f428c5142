// The behaviour events behind generated implicit interactions (`crossmf generate --events`):
// each /ratings value split into views, reading minutes, favourites and purchases whose weighted
// sum is the value exactly, as the rows `crossmf import --events` reads back into the same
// /ratings with kEventWeights.
//
// The law, per interaction of value v (an integer >= 1, implicit feedback), from the user's own
// stream (Purpose::user_events) in the user's interaction order:
//   purchase   one, with probability 0.3 if v >= 5 (weight 5)
//   favorite   one, with probability 0.3 if 3 or more remain (weight 3)
//   view       1 to 3 of what remains (weight 1, no amount)
//   minutes    the rest r: 8 r reading minutes (weight 1/8) in 1 to 3 sessions of whole minutes
// The newest event is at the interaction's time, the others 1 to 72 hours apart before it.
// Every weight times amount is a multiple of 1/8 below 2^21: float sums are exact.
#pragma once
#include <cstdint>
#include <functional>
#include <string_view>
#include <string>

#include "src/model/interaction_sampler.h"

namespace crossmf {

// The --event-weights that import the event log back into the generated values.
inline constexpr const char* kEventWeights = "view=1,minutes=0.125,favorite=3,purchase=5";

// The event rows of `x` (whole users, in user order) as "user,item,event,time,amount" lines
// with the platform's external ids, handed to `sink` a few MiB at a time: a batch of 8 Mi
// interactions is about 1 GB of text, which no rank should hold at once.
void write_event_rows(const Interactions& x, std::uint64_t seed, const std::function<void(std::string_view)>& sink);

}  // namespace crossmf
