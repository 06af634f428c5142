// Keyed random streams for the synthetic platform: the numbers a user or an item gets depend
// only on (seed, purpose, id), never on which rank draws them or in what order, so generated
// data is the same whatever the number of ranks. The generator is random.h's Rng.
#pragma once
#include <cstdint>

#include "src/numerics/random.h"

namespace crossmf {

// What a stream is for. Separate purposes keep, say, the item draws of a user unchanged when
// the number of user features changes.
enum class Purpose : std::uint64_t {
  global = 1, item_order, item_domain, item_traits, item_features,
  user_traits, user_features, user_label, user_ratings,
  user_events, campaign,
};

class RandomStream : public Rng {
 public:
  RandomStream(std::uint64_t seed, Purpose purpose, std::uint64_t id)
      : Rng(hash2(hash2(seed, static_cast<std::uint64_t>(purpose)), id)) {}
  bool bernoulli(double p) { return uniform() < p; }
};

}  // namespace crossmf
