#!/usr/bin/env bash
# crossmf train end to end under real mpirun, on planted data made independently by
# tests/tools/planted.py:
#  - noise-free planted explicit data is recovered by ALS (held-out RMSE < 1e-3) on 1, 2 and 3 ranks;
#  - BMF (the explicit default) on noisy planted data: held-out RMSE within 10% of the noise, the
#    Bayes limit with ~80 ratings a user, and the same on 1 and 3 ranks to 1e-5 relative (its draws are keyed by id);
#  - held-out metrics agree across 1, 2, 3 ranks and 1, 2 threads to 1e-5 relative;
#  - the same seed, ranks and threads twice gives identical datasets;
#  - implicit ALS with CG reaches the Cholesky objective within 0.1%.
source "$(dirname "$0")/lib.sh"
run() { timeout 120 mpirun --oversubscribe --bind-to none -np "$@"; }

"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/exp.h5" --users 300 --items 200 --rank 4 --test-fraction 0.1
for np in 1 2 3; do
  run "$np" "$CROSSMF" train --input "$work/exp.h5" --output "$work/exp$np.h5" --algorithm als --factors 4 --lambda 1e-6 \
    --iterations 15 --patience 0 --threads 1 --log-level warn
done
run 2 "$CROSSMF" train --input "$work/exp.h5" --output "$work/exp2t.h5" --algorithm als --factors 4 --lambda 1e-6 \
  --iterations 15 --patience 0 --threads 2 --log-level warn
run 2 "$CROSSMF" train --input "$work/exp.h5" --output "$work/exp2again.h5" --algorithm als --factors 4 --lambda 1e-6 \
  --iterations 15 --patience 0 --threads 1 --log-level warn

"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/noisy.h5" --users 600 --items 300 --rank 4 --density 0.3 --noise 0.3 \
  --test-fraction 0.1
for np in 1 3; do
  run "$np" "$CROSSMF" train --input "$work/noisy.h5" --output "$work/bmf$np.h5" --factors 8 --patience 0 --log-level warn
done

"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/imp.h5" --implicit --users 600 --items 300 --rank 4 --density 0.05 --test-fraction 0.2
for solver in cg cholesky; do
  for np in 1 3; do
    run "$np" "$CROSSMF" train --input "$work/imp.h5" --output "$work/imp-$solver-$np.h5" --factors 6 --lambda 0.1 \
      --alpha 2 --iterations 25 --patience 0 --solver "$solver" --cg-steps 3 --log-level warn
  done
done
for np in 1 3; do  # final metrics over a sample of about 100 of the ~600 held-out users
  run "$np" "$CROSSMF" train --input "$work/imp.h5" --output "$work/imp-sample-$np.h5" --factors 6 --lambda 0.1 \
    --alpha 2 --iterations 25 --patience 0 --eval-users 100 --log-level warn
done

"$PY" - "$work" <<'PY'
import os, sys, h5py, numpy as np
w = sys.argv[1]
sys.path.insert(0, os.path.join(os.environ["CROSSMF_TESTS"], "tools"))
from checklib import check, finish
def attrs(p): return dict(h5py.File(p)["metrics"].attrs)
def rel(a, b): return abs(a - b) / max(abs(b), 1e-300)

base = attrs(f"{w}/exp1.h5")
for name in ["exp1", "exp2", "exp3", "exp2t"]:
    m = attrs(f"{w}/{name}.h5")
    check(m["rmse"] < 1e-3, f"{name}: planted model recovered, held-out rmse {m['rmse']:.2e} < 1e-3")
    check(rel(m["rmse"], base["rmse"]) < 1e-5 or abs(m["rmse"] - base["rmse"]) < 1e-9,
          f"{name}: rmse equals the 1-rank run to 1e-5 relative ({m['rmse']:.9e} vs {base['rmse']:.9e})")
with h5py.File(f"{w}/exp2.h5") as a, h5py.File(f"{w}/exp2again.h5") as b:
    same = []
    a.visititems(lambda n, o: same.append((n, np.array_equal(o[()], b[n][()], equal_nan=o.dtype.kind == "f"))) if isinstance(o, h5py.Dataset) and not n.endswith("seconds") and not n.endswith("gflops") else None)
    check(len(same) > 4 and all(s for _, s in same), f"same seed, ranks, threads twice: identical datasets ({[n for n, s in same if not s]} differ)")
# The factors reproduce the planted ratings themselves, not just a metric.
with h5py.File(f"{w}/exp.h5") as f, h5py.File(f"{w}/exp3.h5") as o:
    u, i, v = f["test/user"][()], f["test/item"][()], f["test/value"][()]
    X, Y = o["model/user_factors"][()], o["model/item_factors"][()]
    pred = o["model/user_bias"].attrs["global_mean"] + o["model/user_bias"][()][u] + o["model/item_bias"][()][i] + np.sum(X[u] * Y[i], axis=1)
    check(np.sqrt(np.mean((pred - v) ** 2)) < 1e-3, "3-rank output factors predict the held-out ratings (rmse < 1e-3) in file order")
    check(X.shape == (300, 4) and Y.shape == (200, 4), "factor shapes [n_users,K], [n_items,K]")

b1, b3 = attrs(f"{w}/bmf1.h5"), attrs(f"{w}/bmf3.h5")
check(h5py.File(f"{w}/bmf1.h5")["model"].attrs["algorithm"] == "bmf", "explicit default algorithm: bmf")
check(b1["rmse"] < 0.33, f"bmf: held-out rmse {b1['rmse']:.4f} within 10% of the planted noise 0.3")
check(rel(b3["rmse"], b1["rmse"]) < 1e-5, f"bmf: rmse on 3 ranks {b3['rmse']:.9e} equals 1 rank {b1['rmse']:.9e} to 1e-5")

loss = {}
for s in ["cg", "cholesky"]:
    for np_ in [1, 3]:
        with h5py.File(f"{w}/imp-{s}-{np_}.h5") as o:
            loss[s, np_] = o["metrics/history/loss"][-1]
            m = dict(o["metrics"].attrs)
        check(m["auc"] > 0.75, f"implicit {s} on {np_} ranks: held-out auc {m['auc']:.3f} > 0.75 on planted affinity data")
for np_ in [1, 3]:
    check(rel(loss["cg", np_], loss["cholesky", np_]) < 1e-3,
          f"{np_} ranks: CG objective {loss['cg', np_]:.6g} within 0.1% of Cholesky {loss['cholesky', np_]:.6g}")
check(rel(attrs(f"{w}/imp-cg-3.h5")["ndcg_at_k"], attrs(f"{w}/imp-cg-1.h5")["ndcg_at_k"]) < 1e-5, "implicit ndcg equal on 1 and 3 ranks to 1e-5")
full, s1, s3 = attrs(f"{w}/imp-cg-1.h5"), attrs(f"{w}/imp-sample-1.h5"), attrs(f"{w}/imp-sample-3.h5")
check(60 <= s1["users_evaluated"] <= 140 and full["users_evaluated"] > 400,
      f"--eval-users 100: {s1['users_evaluated']} users evaluated (all: {full['users_evaluated']})")
check(s1["users_evaluated"] == s3["users_evaluated"] and rel(s3["ndcg_at_k"], s1["ndcg_at_k"]) < 1e-5,
      "--eval-users: the same sample and metrics on 1 and 3 ranks")
finish()
PY
