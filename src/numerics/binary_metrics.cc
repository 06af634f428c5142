#include "src/numerics/binary_metrics.h"

#include <algorithm>
#include <cmath>

namespace crossmf {

void ScoreHistogram::add(double p, bool y) {
  const int b = std::clamp(static_cast<int>(p * kBins), 0, kBins - 1);
  (y ? pos : neg)[b] += 1;
  const int r = std::clamp(static_cast<int>(p * kReliabilityBins), 0, kReliabilityBins - 1);
  rel_sum_p[r] += p;
  rel_sum_y[r] += y;
  rel_n[r] += 1;
  brier_sum += (p - y) * (p - y);
}

double ScoreHistogram::count() const {
  double n = 0;
  for (int b = 0; b < kBins; ++b) n += pos[b] + neg[b];
  return n;
}

double ScoreHistogram::auc() const {
  double P = 0, N = 0;
  for (int b = 0; b < kBins; ++b) { P += pos[b]; N += neg[b]; }
  if (P == 0 || N == 0) return NAN;
  double below = 0, area = 0;  // negatives in lower bins
  for (int b = 0; b < kBins; ++b) {
    area += pos[b] * (below + 0.5 * neg[b]);
    below += neg[b];
  }
  return area / (P * N);
}

double ScoreHistogram::ks() const {
  double P = 0, N = 0;
  for (int b = 0; b < kBins; ++b) { P += pos[b]; N += neg[b]; }
  if (P == 0 || N == 0) return NAN;
  double cp = 0, cn = 0, best = 0;
  for (int b = 0; b < kBins; ++b) {
    cp += pos[b] / P;
    cn += neg[b] / N;
    best = std::max(best, std::abs(cp - cn));
  }
  return best;
}

std::vector<double> ScoreHistogram::pack() const {
  std::vector<double> v(pos);
  v.insert(v.end(), neg.begin(), neg.end());
  v.insert(v.end(), rel_sum_p.begin(), rel_sum_p.end());
  v.insert(v.end(), rel_sum_y.begin(), rel_sum_y.end());
  v.insert(v.end(), rel_n.begin(), rel_n.end());
  v.push_back(brier_sum);
  return v;
}

void ScoreHistogram::unpack(const std::vector<double>& v) {
  auto at = v.begin();
  auto take = [&](std::vector<double>& into) { std::copy(at, at + into.size(), into.begin()); at += into.size(); };
  take(pos); take(neg); take(rel_sum_p); take(rel_sum_y); take(rel_n);
  brier_sum = *at;
}

}  // namespace crossmf
