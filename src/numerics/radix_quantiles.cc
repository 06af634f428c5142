#include "src/numerics/radix_quantiles.h"

#include <bit>
#include <cmath>

namespace crossmf {

namespace {
constexpr std::size_t kBuckets = 1 << 16;

// Order-preserving: negative floats reversed below positive ones.
std::uint32_t key_of(float v) {
  const auto b = std::bit_cast<std::uint32_t>(v);
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}
float value_of(std::uint32_t key) {
  return std::bit_cast<float>((key & 0x80000000u) ? (key & 0x7FFFFFFFu) : ~key);
}

// The bucket holding the `rank`-th value (1-based); `rank` becomes the rank inside it.
std::size_t locate(std::span<const count_t> counts, count_t& rank) {
  for (std::size_t b = 0; b < counts.size(); ++b) {
    if (rank <= counts[b]) return b;
    rank -= counts[b];
  }
  return counts.size() - 1;
}
}  // namespace

RadixQuantiles::RadixQuantiles(std::vector<double> probabilities)
    : q_(std::move(probabilities)), coarse_(kBuckets, 0) {}

void RadixQuantiles::count_coarse(std::span<const float> values) {
  for (float v : values)
    if (!std::isnan(v)) ++coarse_[key_of(v) >> 16];
}

bool RadixQuantiles::choose() {
  n_ = 0;
  for (count_t c : coarse_) n_ += c;
  if (n_ == 0) return false;
  bucket_.clear();
  rank_in_bucket_.clear();
  for (double q : q_) {
    count_t rank = std::max<count_t>(1, static_cast<count_t>(std::ceil(q * static_cast<double>(n_))));
    rank = std::min(rank, n_);
    bucket_.push_back(static_cast<std::uint32_t>(locate(coarse_, rank)));
    rank_in_bucket_.push_back(rank);
  }
  fine_.assign(q_.size() * kBuckets, 0);
  return true;
}

void RadixQuantiles::count_fine(std::span<const float> values) {
  for (float v : values) {
    if (std::isnan(v)) continue;
    const std::uint32_t k = key_of(v);
    for (std::size_t j = 0; j < bucket_.size(); ++j)
      if ((k >> 16) == bucket_[j]) ++fine_[j * kBuckets + (k & 0xFFFFu)];
  }
}

std::vector<double> RadixQuantiles::values() const {
  std::vector<double> out;
  for (std::size_t j = 0; j < bucket_.size(); ++j) {
    count_t rank = rank_in_bucket_[j];
    const std::size_t low = locate(std::span<const count_t>(fine_).subspan(j * kBuckets, kBuckets), rank);
    out.push_back(value_of((bucket_[j] << 16) | static_cast<std::uint32_t>(low)));
  }
  return out;
}

}  // namespace crossmf
