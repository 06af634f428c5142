#!/usr/bin/env bash
# Warm start (train --init-from, issue 20): on a day-2 input that differs from day 1 by 5% of
# its ratings (new ones; users and items renumbered), iterations and seconds for ALS to reach the
# best held-out metric of a cold start's 15 iterations, with and without --init-from day 1's output.
# Explicit (RMSE) and implicit (NDCG@10, --lambda and --alpha fixed so that both runs train one
# model), on MovieLens-1M-shaped generated data, or on INPUT=FILE.h5 and INPUT_IMPLICIT=FILE.h5
# (any inputs, e.g. MovieLens imported by crossmf import). usage: bash bench/init_from_bench.sh
source "$(dirname "$0")/common.sh"
mkdir -p "$DATA/init_from"
gen=(--users 6040 --items 3706 --ratings 1000209 --popularity 1.0 --seed 11)
dataset "$DATA/init_from/explicit.h5" "${gen[@]}" --feedback explicit
dataset "$DATA/init_from/implicit.h5" "${gen[@]}" --feedback implicit
reach() {  # COLD.h5 WARM.h5 METRIC: iterations and seconds each takes to the cold run's best metric
  "$PY" - "$@" <<'PY'
import sys, h5py, numpy as np
cold, warm, metric = sys.argv[1:4]
def hist(p):
    h = h5py.File(p, "r")["metrics/history"]
    return h[metric][()], np.cumsum(h["seconds"][()])
c, cs = hist(cold); w, ws = hist(warm)
better = (lambda x, t: x <= t * 1.001) if metric == "rmse" else (lambda x, t: x >= t * 0.999)
target = c.min() if metric == "rmse" else c.max()
for name, m, s in (("cold", c, cs), ("warm", w, ws)):
    it = next((k for k in range(len(m)) if better(m[k], target)), None)
    where = f"{it + 1} iterations, {s[it]:.2f} s" if it is not None else "not reached"
    print(f"  {name}: {metric} after 1 / {len(m)} iterations {m[0]:.4f} / {m[-1]:.4f}; to {target:.4f} (+-0.1%): {where}")
PY
}
for kind in explicit implicit; do
  in="$DATA/init_from/$kind.h5"
  if [ "$kind" = explicit ]; then in=${INPUT:-$in}; else in=${INPUT_IMPLICIT:-$in}; fi
  days="$DATA/init_from/$kind-days"
  mkdir -p "$days"
  "$PY" bench/init_from_days.py "$in" "$days"
  metric=rmse; extra=()
  [ "$kind" = implicit ] && { metric=ndcg_at_k; extra=(--lambda 0.01 --alpha 3); }
  opts=(--algorithm als --iterations 15 --patience 0 --log-level warn "${extra[@]}")
  hold_cpu
  run 1 train --input "$days/day1.h5" --output "$days/day1-out.h5" "${opts[@]}"
  run 1 train --input "$days/day2.h5" --output "$days/cold.h5" "${opts[@]}"
  run 1 train --input "$days/day2.h5" --output "$days/warm.h5" --init-from "$days/day1-out.h5" "${opts[@]}"
  release_cpu
  echo "$kind ($in), 1 rank x 2 threads:"
  reach "$days/cold.h5" "$days/warm.h5" "$metric"
done
