#!/usr/bin/python3
"""Checks a crossmf output file against brute force computed here with numpy, independently of
crossmf: top-N recommendations (ids and order, every user), per-domain lists, exclusion of rated
items, popularity fallback, risk gating, audiences, similar items, and the risk model against a
dense Newton solve of the same logistic regression.

usage: check_outputs.py INPUT.h5 OUTPUT.h5 [--gating withhold|flag] [--planted-auc] [--scored]
--scored: OUTPUT is crossmf score's (INPUT's items in the model's order): no similar items, and
the risk scores come from the stored coefficients and standardisation, not a fit to INPUT.
Exit 0 when every check holds; prints one line per check.
"""
import os
import sys

import h5py
import numpy as np

inp, out = sys.argv[1], sys.argv[2]
gating = sys.argv[sys.argv.index("--gating") + 1] if "--gating" in sys.argv else "withhold"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, finish  # noqa: E402


fi, fo = h5py.File(inp, "r"), h5py.File(out, "r")
n_users, n_items = fi["ratings"].attrs["n_users"], fi["ratings"].attrs["n_items"]
rated = [set() for _ in range(n_users)]
for g in ["ratings", "test"]:
    if g in fi:
        for u, i in zip(fi[g + "/user"][()], fi[g + "/item"][()]):
            rated[u].add(int(i))
train_count = np.bincount(fi["ratings/user"][()], minlength=n_users)
X = fo["model/user_factors"][()].astype(np.float64)
Y = fo["model/item_factors"][()].astype(np.float64)
mu = fo["model/user_bias"].attrs["global_mean"]
S = X @ Y.T
if fo["model"].attrs["feedback"] == "explicit":
    S += mu + fo["model/user_bias"][()][:, None] + fo["model/item_bias"][()][None, :]
domain = fi["items/domain"][()] if "items/domain" in fi else None
names = list(fi["items/domain"].attrs["names"]) if domain is not None else []
names = [n.decode() if isinstance(n, bytes) else n for n in names]
gated_domains = {d for d, n in enumerate(names) if n in ("finance", "insurance")}
risk = fo["risk/score"][()] if "risk/score" in fo else None
threshold = fo["risk"].attrs["threshold"] if risk is not None else None
risky = (risk >= threshold) if risk is not None else np.zeros(n_users, bool)
popularity = np.bincount(fi["ratings/item"][()], minlength=n_items)


def brute_top(scores, allowed, n):
    """Best n allowed items by score, ties by smaller id."""
    idx = np.nonzero(allowed)[0]
    order = np.lexsort((idx, -scores[idx]))
    return idx[order[:n]]


def same_ranking(got, want, scores, tol=1e-4):
    """Equal ids in order, except that near-ties (|score gap| < tol) may swap."""
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if g != w and abs(scores[g] - scores[w]) > tol:
            return False
    return True


N = fo["recommendations/all/items"].shape[1]
lists = ["all"] + names
bad_rated, bad_domain, bad_gate = 0, 0, 0
for l, name in enumerate(lists):
    bad_rank = 0
    items = fo[f"recommendations/{name}/items"][()]
    for u in range(n_users):
        cold = train_count[u] == 0
        scores = popularity.astype(np.float64) if cold else S[u]
        allowed = np.ones(n_items, bool)
        allowed[list(rated[u])] = False
        if name != "all":
            allowed &= domain == l - 1
        if gating == "withhold" and risky[u] and domain is not None:
            allowed &= ~np.isin(domain, list(gated_domains))
        want = brute_top(scores, allowed, N)
        got = items[u][items[u] >= 0]
        bad_rank += not same_ranking(got, want, scores)
        bad_rated += any(int(i) in rated[u] for i in got)
        if name != "all":
            bad_domain += any(domain[got] != l - 1)
        if risky[u] and gating == "withhold" and domain is not None:
            bad_gate += any(np.isin(domain[got], list(gated_domains)))
    check(bad_rank == 0, f"recommendations/{name}: equal to brute-force top-{N} (ids and order) for every user ({bad_rank} differ)")
check(bad_rated == 0, f"no recommended item was rated by its user ({bad_rated} found)")
check(bad_domain == 0, f"per-domain lists hold only their domain ({bad_domain} found)")
if risk is not None and gating == "withhold":
    check(bad_gate == 0 and risky.sum() > 0, f"no finance/insurance recommendation for the {risky.sum()} users at or above the risk threshold")
cold = train_count == 0
check(np.array_equal(fo["recommendations/fallback"][()].astype(bool), cold), f"fallback flag marks exactly the {cold.sum()} users without ratings")

scored = "--scored" in sys.argv
# Similar items: cosine on item factors.
norm = np.linalg.norm(Y, axis=1)
C = (Y / np.where(norm > 0, norm, 1)[:, None]) @ (Y / np.where(norm > 0, norm, 1)[:, None]).T
sim = fo["similar_items/items"][()] if not scored else np.zeros((0, 0), int)
bad = 0
for i in range(len(sim)):
    allowed = np.ones(n_items, bool)
    allowed[i] = False
    bad += not same_ranking(sim[i], brute_top(C[i], allowed, sim.shape[1]), C[i])
if not scored:
    check(bad == 0, f"similar items equal brute-force cosine top-{sim.shape[1]} for every item ({bad} differ)")
else:
    check("similar_items" not in fo, "no similar items (score does not recompute them)")

# Audiences: the best eligible users of each product, control group marked. Under a contact cap
# (--max-offers-per-user) they solve another problem: tests/tools/contact_check.py.
capped = "audiences" in fo and fo["audiences"].attrs.get("max_offers_per_user", 0) > 0
check("audiences" not in fo or "max_offers_per_user" in fo["audiences"].attrs, "/audiences records max_offers_per_user")
if "audiences" in fo and not capped:
    eligible = (~risky) & (train_count > 0)
    for d in fo["audiences"]:
        g = fo["audiences/" + d]
        A = g["users"].shape[1]
        dom_index = names.index(d)
        check(np.array_equal(g["items"][()], np.nonzero(domain == dom_index)[0]), f"audiences/{d}: one row per {d} product")
        bad, risky_in = 0, 0
        for p, item in enumerate(g["items"][()]):
            want = brute_top(S[:, item], eligible, A)
            got = g["users"][p][g["users"][p] >= 0]
            bad += not same_ranking(got, want, S[:, item])
            risky_in += risky[got].sum()
        check(bad == 0, f"audiences/{d}: top-{A} eligible users by predicted affinity for every product ({bad} differ)")
        check(risky_in == 0, f"audiences/{d}: no user at or above the risk threshold")
        share = g["control"][()][g["users"][()] >= 0].mean()
        frac = g.attrs["control_fraction"]
        check(abs(share - frac) < 0.05, f"audiences/{d}: control share {share:.3f} near --control-fraction {frac}")

# Score: the stored model's probabilities, its own standardisation.
if risk is not None and scored:
    Z = fi["users/features"][()].astype(np.float64) if "users/features" in fi else np.zeros((n_users, 0))
    Zs = (Z - fo["risk/feature_mean"][()]) / fo["risk/feature_std"][()]
    F = np.hstack([np.ones((n_users, 1)), X, Zs])
    check(np.allclose(risk, 1 / (1 + np.exp(-F @ fo["risk/coefficients"][()])), atol=1e-5),
          "risk scores are the stored model's probabilities for every scored user")
# Risk: a dense single-process Newton solve of the same objective on the same fit users.
if risk is not None and not scored:
    split = fo["risk/split"][()]
    labels = np.full(n_users, -1)
    labels[fi["labels/user"][()]] = fi["labels/value"][()]
    Z = fi["users/features"][()].astype(np.float64) if "users/features" in fi else np.zeros((n_users, 0))
    Zs = (Z - Z.mean(axis=0)) / np.where(Z.std(axis=0) > 1e-12, Z.std(axis=0), 1)
    F = np.hstack([np.ones((n_users, 1)), X, Zs])
    fit = split == 0
    w = np.zeros(F.shape[1])
    pen = np.full(F.shape[1], 1.0)
    pen[0] = 1e-9
    for _ in range(100):
        p = 1 / (1 + np.exp(-F[fit] @ w))
        g = F[fit].T @ (p - labels[fit]) + pen * w
        H = F[fit].T @ (F[fit] * (p * (1 - p))[:, None]) + np.diag(pen)
        step = np.linalg.solve(H, g)
        w -= step
        if np.linalg.norm(step) < 1e-12:
            break
    coef = fo["risk/coefficients"][()]
    check(np.max(np.abs(coef - w)) < 1e-4, f"risk coefficients equal a dense Newton solve to 1e-4 (max diff {np.max(np.abs(coef - w)):.2e})")
    check(np.allclose(risk, 1 / (1 + np.exp(-F @ coef)), atol=1e-5), "risk scores are the model's probabilities for every user")
    held = split == 1

    def auc(score, y):
        pos, neg = score[y == 1], score[y == 0]
        return (np.sum(pos[:, None] > neg[None, :]) + 0.5 * np.sum(pos[:, None] == neg[None, :])) / (len(pos) * len(neg))

    a_model = auc(risk[held], labels[held])
    check(abs(fo["risk"].attrs["auc"] - a_model) < 0.005, f"reported held-out AUC {fo['risk'].attrs['auc']:.4f} equals the exact AUC {a_model:.4f}")
    if "--planted-auc" in sys.argv:
        truth = fi["truth/label_probability"][()]
        lab_users = fi["labels/user"][()]
        planted = np.full(n_users, np.nan)
        planted[lab_users] = truth
        a_planted = auc(planted[held], labels[held])
        check(abs(a_model - a_planted) < 0.02, f"held-out AUC {a_model:.4f} within 0.02 of the planted label model's {a_planted:.4f}")

finish()
