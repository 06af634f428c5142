"""Checks crossmf score's fold-in against a dense solve written here with numpy: for every user
of INPUT, the user half-step of MODEL's objective (its /model attributes and stored config),
solved exactly against the item factors SCORED holds (MODEL's, checked equal, then any items score
placed from their features, checked against MODEL's feature map), INPUT's items matched by id.
  als/sgd explicit: ridge on [f, bias] with L2 lambda n^exponent (sgd: lambda n on both)
  als implicit:     (Y'CY + reg I) x = Y'C p, C = 1 + alpha r (or alpha log(1 + r/eps))
  bmf:              the posterior mean under the stored prior and noise precision, its mean
                    shifted by n^-1/2 times the sum of the rated items' stored vectors
Usage: fold_in_check.py MODEL.h5 SCORED.h5 INPUT.h5 [TOLERANCE]  (relative, default 1e-5)"""
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, finish  # noqa: E402

fm, fs, fi = (h5py.File(p, "r") for p in sys.argv[1:4])
tol = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-5
config = dict(line.split(" = ", 1) for line in fm.attrs["config"].splitlines() if " = " in line)
algo, feedback = fm["model"].attrs["algorithm"], fm["model"].attrs["feedback"]
lam = fm["model"].attrs["lambda"]
Y = fs["model/item_factors"][()].astype(np.float64)
b_item = fs["model/item_bias"][()].astype(np.float64)
mu = fm["model/item_bias"].attrs["global_mean"]
k = Y.shape[1]
known = len(fm["items/id"])
check(np.array_equal(fs["items/id"][:known], fm["items/id"][()]) and
      np.array_equal(fs["model/item_factors"][:known], fm["model/item_factors"][()]),
      f"the scored output's first {known} items are the model's, ids and factors")
if len(Y) > known:  # placed from their features by the model's map
    ids_in = {int(x): r for r, x in enumerate(fi["items/id"][()])}
    phi = fi["items/features"][()].astype(np.float64)[[ids_in[int(x)] for x in fs["items/id"][known:]]]
    W = fm["model/feature_map"][()]
    placed = np.hstack([np.ones((len(phi), 1)), (phi - fm["model/feature_mean"][()]) / fm["model/feature_scale"][()]]) @ W
    got = np.hstack([Y[known:], b_item[known:, None]])[:, :W.shape[1]]
    check(np.allclose(got, placed, rtol=1e-4, atol=1e-5) and fs["model/item_from_features"][known:].all(),
          f"the {len(Y) - known} items the model did not know: placed by its feature map, flagged")
row_of = {int(x): r for r, x in enumerate(fs["items/id"][()])}
in_model = np.array([row_of.get(int(x), -1) for x in fi["items/id"][()]])
u, i, r = fi["ratings/user"][()], in_model[fi["ratings/item"][()]], fi["ratings/value"][()].astype(np.float64)
u, i, r = u[i >= 0], i[i >= 0], r[i >= 0]
n_users = fi["ratings"].attrs["n_users"]
X = fs["model/user_factors"][()].astype(np.float64)
B = fs["model/user_bias"][()].astype(np.float64)
check(np.array_equal(fs["users/id"][()], fi["users/id"][()]), "the scored output's users are the input's, in its order")
exponent = float(config.get("lambda-exponent", "-1"))
exponent = 1.0 if exponent < 0 else exponent
bias_lam = float(config.get("bias-lambda", "-1"))
bias_lam = lam if bias_lam < 0 else bias_lam
biases = feedback == "explicit" and config.get("biases", "true") == "true"
if algo == "sgd":
    exponent, bias_lam = 1.0, lam
if feedback == "implicit":
    alpha, eps = fm["model"].attrs["alpha"], float(config.get("epsilon", "1"))
    G = Y.T @ Y
if algo == "bmf":
    prior_mean = fm["model/user_prior_mean"][()].astype(np.float64)
    prior_prec = fm["model/user_prior_precision"][()].astype(np.float64)
    noise = fm["model/user_prior_precision"].attrs["noise_precision"]
    rated = fm["model/rated_vectors"][()].astype(np.float64) if "model/rated_vectors" in fm else None
    if rated is not None:  # placed items: rated by no one in training, no vector
        rated = np.vstack([rated, np.zeros((len(Y) - len(rated), k))])

order = np.argsort(u, kind="stable")
starts = np.searchsorted(u[order], np.arange(n_users + 1))
worst = 0.0
for user in range(n_users):
    rows = order[starts[user]:starts[user + 1]]
    items, vals, n = i[rows], r[rows], len(rows)
    if feedback == "implicit":
        c = 1 + (alpha * np.log1p(vals / eps) if config.get("confidence") == "log" else alpha * vals)
        reg = lam * (len(Y) + np.sum(c - 1)) ** exponent if exponent != 0 else lam
        A = G + Y[items].T @ (Y[items] * (c - 1)[:, None]) + reg * np.eye(k)
        want = np.linalg.solve(A, Y[items].T @ c)
        got = X[user]
    else:
        F = np.hstack([Y[items], np.ones((n, 1))]) if biases else Y[items]
        y = vals - (mu + b_item[items] if biases else 0)
        d = F.shape[1]
        if algo == "bmf":
            prec = prior_prec[:d] / noise
            mean = prior_mean[:d].copy()
            if rated is not None and n > 0:
                mean[:k] += rated[items].sum(axis=0) / np.sqrt(n)
        else:
            prec = np.array([lam * n ** exponent] * k + ([bias_lam * n ** exponent] if biases else []))
            mean = np.zeros(d)
        want = np.linalg.solve(F.T @ F + np.diag(prec), F.T @ y + prec * mean)
        got = np.concatenate([X[user], [B[user]]]) if biases else X[user]
    worst = max(worst, np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-12))
check(worst < tol, f"{algo} {feedback}: every user's factors equal a dense solve of their half-step "
      f"(largest relative difference {worst:.2e}, tolerance {tol:g})")
finish()
