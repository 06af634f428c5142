// Independent references for the ALS tests: dense least squares in double precision by QR of
// the stacked system, never the normal equations the code under test builds.
#pragma once
#include <Eigen/Dense>

#include <utility>
#include <vector>

#include "src/numerics/dense.h"

namespace crossmf::testing {

// min_x sum_j w_j (t_j - a_j.x)^2 + reg |x|^2 by QR of [sqrt(w) A; sqrt(reg) I] x = [sqrt(w) t; 0].
inline Eigen::VectorXd dense_solve(const Eigen::MatrixXd& A, const Eigen::VectorXd& t, const Eigen::VectorXd& w,
                                   double reg) {
  const Eigen::Index n = A.rows(), d = A.cols();
  Eigen::MatrixXd S(n + d, d);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(n + d);
  S.topRows(n) = w.cwiseSqrt().asDiagonal() * A;
  S.bottomRows(d) = std::sqrt(reg) * Eigen::MatrixXd::Identity(d, d);
  b.head(n) = w.cwiseSqrt().cwiseProduct(t);
  return S.householderQr().solve(b);
}

// The explicit ALS-WR objective of one row with biases: neighbours (row of `other`, rating),
// neighbour rows [f (k), bias], unknown [f, bias], lambda scaled by the number of ratings.
inline Eigen::VectorXd explicit_dense(const std::vector<std::pair<index_t, real>>& neighbours, const Matrix& other,
                                      int k, real mu, double lambda) {
  const Eigen::Index n = static_cast<Eigen::Index>(neighbours.size());
  Eigen::MatrixXd A(n, k + 1);
  Eigen::VectorXd t(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    A.row(j).head(k) = other.row(neighbours[j].first).head(k).cast<double>();
    A(j, k) = 1;
    t(j) = neighbours[j].second - mu - other(neighbours[j].first, k);
  }
  return dense_solve(A, t, Eigen::VectorXd::Ones(n), lambda * n);
}

}  // namespace crossmf::testing
