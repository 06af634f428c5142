#include "src/model/new_items.h"

#include <cmath>

namespace crossmf {

void map_features(const FeatureMap& map, const real* features, real* out) {
  Eigen::VectorXd x(map.G + 1);
  x(0) = 1;
  for (int g = 0; g < map.G; ++g) x(1 + g) = (features[g] - map.mean[g]) / map.scale[g];
  const Eigen::VectorXd y = map.weights.transpose() * x;
  for (Eigen::Index c = 0; c < y.size(); ++c) out[c] = static_cast<real>(y(c));
}

FeatureMap place_new_items(const Partition& part, const std::vector<real>& features, int G,
                           const std::vector<count_t>& popularity, double lambda, Factors& f,
                           std::vector<std::uint8_t>* from_features) {
  FeatureMap map;
  map.G = G;
  const index_t n = part.n_items;
  const int w = f.width();
  from_features->assign(n, 0);  // by original item id
  map.mean.assign(G, 0);
  map.scale.assign(G, 1);
  for (int g = 0; g < G; ++g) {
    double s = 0, s2 = 0;
    for (index_t i = 0; i < n; ++i) { const double v = features[static_cast<std::size_t>(i) * G + g]; s += v; s2 += v * v; }
    map.mean[g] = s / n;
    const double var = s2 / n - map.mean[g] * map.mean[g];
    map.scale[g] = var > 1e-24 ? std::sqrt(var) : 1.0;
  }
  auto row = [&](index_t original, Eigen::VectorXd& x) {
    x.resize(G + 1);
    x(0) = 1;
    for (int g = 0; g < G; ++g) x(1 + g) = (features[static_cast<std::size_t>(original) * G + g] - map.mean[g]) / map.scale[g];
  };
  // Ridge regression on the items with interactions: (Phi^T Phi + lambda I) W = Phi^T Y.
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(G + 1, G + 1), B = Eigen::MatrixXd::Zero(G + 1, w);
  Eigen::VectorXd x;
  for (index_t s = 0; s < n; ++s) {
    if (popularity[s] == 0) continue;
    row(part.item_scatter.inverse(s), x);
    A.selfadjointView<Eigen::Lower>().rankUpdate(x);
    B += x * f.items.row(s).cast<double>();
  }
  A = A.selfadjointView<Eigen::Lower>();
  A.diagonal().array() += lambda;
  A(0, 0) += 1e-9 - lambda;  // the intercept is not penalised
  map.weights = A.ldlt().solve(B);
  for (index_t s = 0; s < n; ++s) {
    if (popularity[s] != 0) continue;
    const index_t original = part.item_scatter.inverse(s);
    map_features(map, features.data() + static_cast<std::size_t>(original) * G, f.items.row(s).data());
    (*from_features)[original] = 1;
    ++map.placed;
  }
  return map;
}

}  // namespace crossmf
