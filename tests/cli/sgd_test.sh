#!/usr/bin/env bash
# Distributed SGD on noisy planted data (noise 0.1): recovered to the noise floor; held-out RMSE
# on 2 and 4 ranks within 1% of the 1-rank run for the same epochs; at the end the gradient of
# the objective (computed here from the written model, analytically) is near zero, and the
# logged loss matches the objective of the written model.
source "$(dirname "$0")/lib.sh"
"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/in.h5" --users 3000 --items 150 --rank 4 --density 0.15 --noise 0.1 --test-fraction 0.1
for np in 1 2 4; do
  timeout 120 mpirun --oversubscribe --bind-to none -np $np "$CROSSMF" train --input "$work/in.h5" --output "$work/out$np.h5" \
    --algorithm sgd --factors 4 --iterations 50 --lambda 0.01 --patience 0 --threads 1 --sync-every 2000 --log-level warn
done
timeout 120 mpirun --oversubscribe --bind-to none -np 2 "$CROSSMF" train --input "$work/in.h5" --output "$work/out2t.h5" \
  --algorithm sgd --factors 4 --iterations 50 --lambda 0.01 --patience 0 --threads 2 --sync-every 2000 --log-level warn
"$PY" - "$work" <<'PY'
import os, sys, h5py, numpy as np
w = sys.argv[1]
sys.path.insert(0, os.path.join(os.environ["CROSSMF_TESTS"], "tools"))
from checklib import check, finish
curves = {np_: h5py.File(f"{w}/out{np_}.h5")["metrics/history/rmse"][()] for np_ in (1, 2, 4)}
for np_, c in curves.items():
    print(f"held-out RMSE per epoch, {np_} rank(s): " + " ".join(f"{v:.4f}" for v in c[::5]) + f" ... {c[-1]:.4f}")
base = curves[1][-1]
check(base < 0.125, f"1 rank: held-out RMSE {base:.4f} near the noise floor 0.1")
for np_ in (2, 4):
    check(abs(curves[np_][-1] - base) / base < 0.01, f"{np_} ranks: held-out RMSE {curves[np_][-1]:.4f} within 1% of 1 rank ({base:.4f})")
with h5py.File(f"{w}/out2.h5") as a, h5py.File(f"{w}/out2t.h5") as b:
    check(np.array_equal(a["model/user_factors"][()], b["model/user_factors"][()]) and a["metrics"].attrs["rmse"] == b["metrics"].attrs["rmse"],
          "2 ranks: 1 and 2 threads give identical factors (the block schedule does not depend on threads)")
# Gradient of  sum (r - mu - bu - bi - x.y)^2 / 2 + lambda/2 sum_rows n_row |row|^2  at the result.
fi, fo = h5py.File(f"{w}/in.h5"), h5py.File(f"{w}/out1.h5")
u, i, r = fi["ratings/user"][()], fi["ratings/item"][()], fi["ratings/value"][()].astype(float)
X, Y = fo["model/user_factors"][()].astype(float), fo["model/item_factors"][()].astype(float)
bu, bi = fo["model/user_bias"][()].astype(float), fo["model/item_bias"][()].astype(float)
mu, lam = fo["model/user_bias"].attrs["global_mean"], 0.01
def grads(X, Y, bu, bi):
    e = r - mu - bu[u] - bi[i] - np.sum(X[u] * Y[i], axis=1)
    nu, ni = np.bincount(u, minlength=len(X)), np.bincount(i, minlength=len(Y))
    gX = lam * nu[:, None] * X; np.add.at(gX, u, -e[:, None] * Y[i])
    gY = lam * ni[:, None] * Y; np.add.at(gY, i, -e[:, None] * X[u])
    gbu = lam * nu * bu; np.add.at(gbu, u, -e)
    gbi = lam * ni * bi; np.add.at(gbi, i, -e)
    # per rating of the row, so rows with many ratings are not favoured
    return max(np.abs(gX / nu[:, None]).max(), np.abs(gY / ni[:, None]).max(), np.abs(gbu / nu).max(), np.abs(gbi / ni).max())
rng = np.random.default_rng(0)
g_end = grads(X, Y, bu, bi)
g_start = grads(rng.uniform(0, 0.5, X.shape), rng.uniform(0, 0.5, Y.shape), 0 * bu, 0 * bi)
check(g_end < 0.02 * g_start, f"gradient at the end {g_end:.2e} is near zero (start {g_start:.2e})")
# The logged loss is the squared errors met during the last epoch (each before its step, so a
# little above the end of the epoch's) plus the L2 term: near the objective of the written model.
e = r - mu - bu[u] - bi[i] - np.sum(X[u] * Y[i], axis=1)
nu, ni = np.bincount(u, minlength=len(X)), np.bincount(i, minlength=len(Y))
objective = np.sum(e**2) + lam * (np.sum(nu * (np.sum(X**2, axis=1) + bu**2)) + np.sum(ni * (np.sum(Y**2, axis=1) + bi**2)))
logged = fo["metrics/history/loss"][-1]
reg_share = 1 - np.sum(e**2) / objective
check(0.99 * objective < logged < 1.05 * objective,
      f"logged loss {logged:.5g} within -1%..+5% of the model's objective {objective:.5g} (L2 term {100 * reg_share:.0f}% of it)")
finish()
PY
