// Dense Eigen types over crossmf::real, shared by the numerical kernels.
#pragma once
#include <Eigen/Dense>

#include "src/base/types.h"

namespace crossmf {

// Factor matrices are row-major: one user's or item's factors are contiguous, so a row can be
// sent, gathered or written as one piece.
using Matrix = Eigen::Matrix<real, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ColMatrix = Eigen::Matrix<real, Eigen::Dynamic, Eigen::Dynamic>;
using Vector = Eigen::Matrix<real, Eigen::Dynamic, 1>;
using RowMap = Eigen::Map<const Eigen::Matrix<real, 1, Eigen::Dynamic>>;

}  // namespace crossmf
