// Held-out evaluation, computed where the users live and reduced across ranks.
//   explicit: RMSE and MAE of the held-out ratings (and, when asked, RMSE of the training ratings);
//   implicit: precision, recall, NDCG and MAP at k, and AUC, ranking all items the user has not
//             rated in training (Spark's RankingMetrics definitions).
#pragma once
#include "src/base/timer.h"
#include "src/model/factors.h"

namespace crossmf {

struct Metrics {
  double rmse = NAN, mae = NAN, train_rmse = NAN;
  double precision = NAN, recall = NAN, ndcg = NAN, map = NAN, auc = NAN;
  count_t users = 0;  // users evaluated (ranking)
  count_t ratings = 0;  // held-out ratings evaluated
};

// The sum of squared errors of this rank's users' training ratings.
double local_squared_error(const Partition& part, const Factors& f, int threads);

// Held-out RMSE and MAE; with `train` also the RMSE of the training ratings, a pass over all of
// them (9x the held-out ones with a 10% split), which the caller asks for only when it has no
// cheaper figure.
Metrics evaluate_explicit(const Comm& comm, const Partition& part, const Factors& f, int threads, bool train);

// `max_users` > 0 evaluates a seeded sample of about that many users with held-out items
// (chosen by original id, so the same on any number of ranks); 0 evaluates all.
Metrics evaluate_ranking(const Comm& comm, const Partition& part, const Factors& f, int at_k, count_t max_users,
                         std::uint64_t seed, int threads);

}  // namespace crossmf
