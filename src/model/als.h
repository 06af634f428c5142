// Distributed alternating least squares (explicit ALS-WR with biases; implicit HKV with the
// Gram-matrix trick). Per iteration:
//   user half: every rank solves its users against the replicated item factors
//              (implicit: Y^T Y is one k x k allreduce);
//   item half: user rows travel along the routing of the partition to the ranks owning items
//              they rated, every rank solves its item block, and the blocks are allgathered so
//              every rank again holds all item factors.
// Traffic per iteration is O((m + n) k): factors move, normal equations never do.
#pragma once
#include "src/base/huge_pages.h"
#include "src/model/factors.h"
#include "src/model/trainer.h"
#include "src/kernels/kernels.h"

namespace crossmf {

struct AlsOptions {
  bool implicit = false;
  double lambda = 0.05;
  double alpha = 1.0;
  bool log_confidence = false;
  double epsilon = 1.0;
  bool cholesky = false;  // implicit: exact solve instead of CG
  int cg_steps = 3;
  int threads = 1;
};

class Als : public Trainer {
 public:
  // `part` and `f` must outlive the solver.
  Als(const Comm& comm, const Partition& part, const AlsOptions& opt, Factors& f);
  IterationStats iterate(Timings& t) override;
  // Objective value (global, on every rank): squared error + regulariser.
  double loss(Timings& t) const override;
  // One half-step alone (for tests against a dense solve).
  IterationStats user_half(Timings& t);
  IterationStats item_half(Timings& t);

 private:
  ColMatrix gram(const Matrix& rows, index_t first, index_t count, Timings& t, IterationStats& s) const;
  // Solves every row of `csr` against the neighbour rows `other` (`count` rows of f_.width());
  // adds its flops and arithmetic seconds to s.
  void solve_rows(const Csr& csr, const real* other, index_t count, const ColMatrix& gram,
                  const std::vector<real>& conf, real* out, IterationStats& s);
  const Comm& comm_;
  const Partition& part_;
  AlsOptions opt_;
  Factors& f_;
  std::vector<real> conf_by_user_, conf_by_item_;  // implicit confidences
  // User rows received for the item half (rows of f_.width()), gathered at random like packed_.
  std::vector<real, HugePageAllocator<real>> routed_;
  Matrix send_buffer_;
  // The neighbour rows repacked for the kernels (RowProblem) unless they are rows of exactly
  // padded(k) factors: factors padded to padded(k) on 64-byte lines, biases apart.
  std::vector<real, HugePageAllocator<real>> packed_, packed_bias_;
};

// Confidence of an implicit strength r: 1 + alpha r, or 1 + alpha log(1 + r / epsilon).
real confidence(real r, const AlsOptions& opt);

}  // namespace crossmf
