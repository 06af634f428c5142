#!/usr/bin/python3
"""Checks the audiences of a crossmf output trained with --max-offers-per-user N against the
problem they solve, computed here from the output's factors and biases and the input's ratings,
independently of crossmf: every pair eligible (risk below the threshold, has ratings), never a
product the user rated, at most A users per product, at most N products per user across all
audiences, scores the predicted affinity, rows best first; and the total affinity against the
exact optimum of the same problem (a linear program: the constraint matrix of a bipartite
b-matching is totally unimodular, so its optimum is the integer one).

usage: contact_check.py INPUT.h5 OUTPUT.h5 [--optimum SHARE]
--optimum SHARE: also require total affinity >= SHARE x the exact optimum (small problems only).
Exit 0 when every check holds; prints one line per check.
"""
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, finish  # noqa: E402

inp, out = sys.argv[1], sys.argv[2]
share = float(sys.argv[sys.argv.index("--optimum") + 1]) if "--optimum" in sys.argv else None
fi, fo = h5py.File(inp, "r"), h5py.File(out, "r")
n_users, n_items = fi["ratings"].attrs["n_users"], fi["ratings"].attrs["n_items"]

# The affinity, as check_outputs.py computes it.
X = fo["model/user_factors"][()].astype(np.float64)
Y = fo["model/item_factors"][()].astype(np.float64)
S = X @ Y.T
if fo["model"].attrs["feedback"] == "explicit":
    S += fo["model/user_bias"].attrs["global_mean"] + fo["model/user_bias"][()][:, None] + fo["model/item_bias"][()][None, :]
rated = np.zeros((n_users, n_items), bool)
for g in ("ratings", "test"):
    if g in fi:
        rated[fi[g + "/user"][()], fi[g + "/item"][()]] = True
train_count = np.bincount(fi["ratings/user"][()], minlength=n_users)
risky = np.zeros(n_users, bool)
if "risk/score" in fo:
    risky = fo["risk/score"][()] >= fo["risk"].attrs["threshold"]
eligible = ~risky & (train_count > 0)

N = int(fo["audiences"].attrs["max_offers_per_user"])
check(N > 0, f"/audiences max_offers_per_user = {N}")
products, offers = [], np.zeros(n_users, int)
total, bad_score, bad_order, dup = 0.0, 0, 0, 0
ineligible, held, nonpositive = 0, 0, 0
for d in fo["audiences"]:
    g = fo["audiences/" + d]
    users, scores, items = g["users"][()], g["scores"][()], g["items"][()]
    A = users.shape[1]
    products += list(items)
    for p, item in enumerate(items):
        got = users[p][users[p] >= 0]
        check_pad = np.all(users[p][len(got):] == -1) and np.all(np.isnan(scores[p][len(got):]))
        bad_order += not check_pad
        dup += len(set(got)) != len(got)
        offers[got] += 1
        ineligible += (~eligible[got]).sum()
        held += rated[got, item].sum()
        s = S[got, item]
        nonpositive += (s <= 0).sum()
        bad_score += not np.allclose(scores[p][:len(got)], s, rtol=1e-4, atol=1e-4)
        bad_order += np.any(np.diff(s) > 1e-4)
        total += s.sum()
    share_control = g["control"][()][users >= 0].mean() if (users >= 0).any() else 0
    check(abs(share_control - g.attrs["control_fraction"]) < 0.08,
          f"audiences/{d}: control share {share_control:.3f} near {g.attrs['control_fraction']}")
check(len(products) == len(set(products)), f"{len(products)} products, each in one row")
check(dup == 0, f"no user twice in one product's audience ({dup} rows)")
check(offers.max() <= N, f"every user in at most {N} audiences (most {offers.max()})")
check(ineligible == 0, f"every member eligible: risk below the threshold, with ratings ({ineligible} not)")
check(held == 0, f"no member rated the product offered ({held} did)")
check(nonpositive == 0, f"every offer of positive affinity ({nonpositive} not)")
check(bad_score == 0, f"scores are the predicted affinity ({bad_score} rows differ)")
check(bad_order == 0, f"rows best affinity first, padded with -1 and NaN ({bad_order} not)")
print(f"     {offers.sum()} offers, {offers[eligible].mean():.3f} per eligible user, {(offers == N).sum()} at the cap; "
      f"affinity {total:.6g}")

if share is not None:
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    P = np.array(products)
    A = fo["audiences/" + next(iter(fo["audiences"]))]["users"].shape[1]
    u, j = np.nonzero(eligible[:, None] & ~rated[:, P] & (S[:, P] > 0))
    w = S[u, P[j]]
    n = len(w)
    rows = np.concatenate([u, n_users + j])
    cols = np.concatenate([np.arange(n), np.arange(n)])
    M = coo_matrix((np.ones(2 * n), (rows, cols)), shape=(n_users + len(P), n)).tocsr()
    caps = np.concatenate([np.full(n_users, N), np.full(len(P), A)])
    lp = linprog(-w, A_ub=M, b_ub=caps, bounds=(0, 1), method="highs")
    check(lp.status == 0, f"exact optimum solved ({lp.message})")
    best = -lp.fun
    check(total >= share * best - 1e-9, f"total affinity {total:.6g} is {100 * total / best:.3f}% of the exact "
                                        f"optimum {best:.6g} (need {100 * share:.0f}%)")
finish()
