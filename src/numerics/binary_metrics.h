// Quality of probabilities for a 0/1 outcome from per-class score histograms, so the numbers
// can be reduced across ranks as counts: AUC (ties within a bin count half), KS, Brier score
// (from exact sums) and a reliability table.
#pragma once
#include <cstdint>
#include <vector>

namespace crossmf {

struct ScoreHistogram {
  static constexpr int kBins = 4096;
  std::vector<double> pos = std::vector<double>(kBins, 0), neg = std::vector<double>(kBins, 0);
  static constexpr int kReliabilityBins = 10;
  std::vector<double> rel_sum_p = std::vector<double>(kReliabilityBins, 0);
  std::vector<double> rel_sum_y = std::vector<double>(kReliabilityBins, 0);
  std::vector<double> rel_n = std::vector<double>(kReliabilityBins, 0);
  double brier_sum = 0;
  void add(double p, bool y);
  double count() const;
  double auc() const;
  double ks() const;
  double brier() const { return count() > 0 ? brier_sum / count() : 0; }
  // All counters in one array (for one allreduce) and back.
  std::vector<double> pack() const;
  void unpack(const std::vector<double>& v);
};

}  // namespace crossmf
