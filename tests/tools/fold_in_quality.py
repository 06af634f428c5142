"""Compares the held-out quality of the same users scored by fold-in and trained in, computed
here from the two outputs' factors: explicit RMSE, or implicit NDCG@10 (rated items excluded).
Usage: fold_in_quality.py TRAINED_IN_OUT.h5 FULL_IN.h5 SCORED_OUT.h5 NEW_IN.h5 [MAX_GAP]
FULL_IN holds every user; NEW_IN the withheld ones, matched by /users/id and /items/id.
Passes when the scored users' metric is within MAX_GAP (default 0.02) of the trained-in one."""
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, finish  # noqa: E402

full_out, full_in, sc_out, new_in = (h5py.File(p, "r") for p in sys.argv[1:5])
gap = float(sys.argv[5]) if len(sys.argv) > 5 else 0.02
implicit = full_out["model"].attrs["feedback"] == "implicit"


def metric(out, inp, users_of_interest):
    """The metric over the held-out ratings of users whose id is in users_of_interest."""
    X, Y = out["model/user_factors"][()].astype(np.float64), out["model/item_factors"][()].astype(np.float64)
    row_of = {int(x): r for r, x in enumerate(out["items/id"][()])}
    items = np.array([row_of.get(int(x), -1) for x in inp["items/id"][()]])
    chosen = np.isin(inp["users/id"][()], users_of_interest)
    tu, ti = inp["test/user"][()], items[inp["test/item"][()]]
    keep = chosen[tu] & (ti >= 0)
    if not implicit:
        mu = out["model/item_bias"].attrs["global_mean"]
        p = mu + out["model/user_bias"][()][tu] + out["model/item_bias"][()][ti] + np.sum(X[tu] * Y[ti], axis=1)
        return np.sqrt(np.mean((p[keep] - inp["test/value"][()][keep]) ** 2))
    ru, ri = inp["ratings/user"][()], items[inp["ratings/item"][()]]
    ndcg = []
    for u in np.unique(tu[keep]):
        s = Y @ X[u]
        s[ri[(ru == u) & (ri >= 0)]] = -np.inf
        top = np.argsort(-s, kind="stable")[:10]
        rel = np.isin(top, ti[keep & (tu == u)])
        ideal = min(10, int(np.sum(keep & (tu == u))))
        ndcg.append(np.sum(rel / np.log2(np.arange(2, 12))) / np.sum(1 / np.log2(np.arange(2, 2 + ideal))))
    return float(np.mean(ndcg))


ids = new_in["users/id"][()]
trained, scored = metric(full_out, full_in, ids), metric(sc_out, new_in, ids)
name = "NDCG@10" if implicit else "RMSE"
rel = (scored - trained) / trained if not implicit else (trained - scored) / trained
check(rel <= gap, f"{name} of the {len(ids)} scored users {scored:.4f} against {trained:.4f} trained in: "
      f"{100 * rel:+.2f}% worse (allowed {100 * gap:.0f}%)")
finish()
