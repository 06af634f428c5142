// Counter-based random streams: the numbers a user or an item gets depend only on (seed,
// purpose, id), never on which rank draws them or in what order, so generated data is the same
// whatever the number of ranks.
#pragma once
#include <cmath>
#include <cstdint>
#include <numbers>

namespace crossmf {

// SplitMix64's output function: a bijective 64-bit mix with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// What a stream is for. Separate purposes keep, say, the item draws of a user unchanged when
// the number of user features changes.
enum class Purpose : std::uint64_t {
  global = 1, item_order, item_domain, item_traits, item_features,
  user_traits, user_features, user_label, user_ratings,
};

class RandomStream {
 public:
  RandomStream(std::uint64_t seed, Purpose purpose, std::uint64_t id)
      : state_(mix64(mix64(seed ^ (static_cast<std::uint64_t>(purpose) * 0xD1B54A32D192ED03ull)) + id)) {}

  // SplitMix64: a Weyl sequence through the mix.
  std::uint64_t next() { return mix64(state_ += 0x9E3779B97F4A7C15ull); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n), n > 0 (multiply-shift; the bias is below 2^-32 for n < 2^32).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Standard normal by Box-Muller, one value per call so the stream has no hidden cache.
  double normal() {
    const double u = 1.0 - uniform();  // (0, 1]
    const double v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * v);
  }
  bool bernoulli(double p) { return uniform() < p; }

 private:
  std::uint64_t state_;
};

}  // namespace crossmf
