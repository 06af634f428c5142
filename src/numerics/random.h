// Counter-based random numbers: a value depends only on (seed, id), never on which rank or
// thread draws it, so results do not depend on the partition.
#pragma once
#include <cmath>
#include <cstdint>

namespace crossmf {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
// Uniform in [0, 1) from 53 bits.
inline double to_unit(std::uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }
inline std::uint64_t hash2(std::uint64_t seed, std::uint64_t id) { return splitmix64(splitmix64(seed) ^ id); }

// A small fast generator for streams (SGD shuffles, samplers), seeded per (seed, id).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(splitmix64(seed)) {}
  std::uint64_t next() { return splitmix64(s_ += 0x9e3779b97f4a7c15ULL); }
  double uniform() { return to_unit(next()); }
  std::uint64_t below(std::uint64_t n) { return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64); }
  double normal() {
    const double u1 = (next() >> 11) * 0x1.0p-53 + 0x1.0p-54, u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::uint64_t s_;
};

}  // namespace crossmf
