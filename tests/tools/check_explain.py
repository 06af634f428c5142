#!/usr/bin/python3
"""Checks the explanations in a crossmf output against numpy, independently of crossmf:
- /risk/reasons and /risk/reason_contributions: per user, the 3 largest positive terms
  coefficient x input, recomputed from /risk/coefficients, the input's /users/features
  standardised by /risk/feature_mean and feature_std (themselves checked against the features'
  mean and population std), and /model/user_factors;
- /profiles/segments/{size,activity,risk,domain_lift,label}: recomputed from /profiles/segment,
  /profiles/activity, /profiles/domain_share and /risk/score by the rules of src/model/profile.h.

usage: check_explain.py INPUT.h5 OUTPUT.h5 [--no-risk] [--scored]
Exit 0 when every check holds; prints one line per check.
"""
import os
import sys

import h5py
import numpy as np

inp, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, finish  # noqa: E402

fi, fo = h5py.File(inp, "r"), h5py.File(out, "r")
n_users = fi["ratings"].attrs["n_users"]
TIE = 1e-6  # terms this close may be ranked either way


def risk_reasons():
    coef = fo["risk/coefficients"][()]
    names = list(fo["risk/coefficients"].attrs["feature_names"])
    X = fo["model/user_factors"][()].astype(np.float64)
    Z = fi["users/features"][()].astype(np.float64) if "users/features" in fi else np.zeros((n_users, 0))
    mean, std = fo["risk/feature_mean"][()], fo["risk/feature_std"][()]
    if "--scored" not in sys.argv:  # score keeps the trained model's standardisation
        check(np.allclose(mean, Z.mean(axis=0), rtol=1e-9, atol=1e-9) and np.allclose(std, Z.std(axis=0), rtol=1e-6),
              "/risk/feature_mean, feature_std: the features' mean and population std")
    terms = coef[1:] * np.hstack([X, (Z - mean) / std])  # column j is feature_names[j + 1]
    reasons, contrib = fo["risk/reasons"][()], fo["risk/reason_contributions"][()]
    check(reasons.shape == (n_users, 3) and reasons.dtype == np.int32 and contrib.shape == (n_users, 3)
          and contrib.dtype == np.float32, f"reasons int32 {reasons.shape}, contributions float32 {contrib.shape}")
    check(len(names) == len(coef) and names[0] in ("intercept", b"intercept"), "feature_names: intercept first, one per coefficient")
    bad, padded = [], 0
    for u in range(n_users):
        t = terms[u]
        order = sorted((j for j in range(len(t)) if t[j] > 0), key=lambda j: (-t[j], j))[:3]
        want = [j + 1 for j in order] + [-1] * (3 - len(order))
        padded += len(order) < 3
        for q in range(3):
            g, w = int(reasons[u, q]), want[q]
            if g == -1 or w == -1:
                # a term at the edge of zero may be in or out
                ok = g == w or abs(t[max(g, w) - 1]) < TIE
                ok = ok and (g != -1 or np.isnan(contrib[u, q]))
            else:
                ok = (g == w or abs(t[g - 1] - t[w - 1]) < TIE) and abs(contrib[u, q] - t[g - 1]) <= 1e-5 * max(1, abs(t[g - 1]))
            if not ok:
                bad.append((u, q, g, w))
    check(not bad, f"reasons equal the top-3 positive terms of every user, largest first ({len(bad)} differ: {bad[:5]})")
    ordered = np.all(np.nan_to_num(contrib[:, :-1], nan=-1) >= np.nan_to_num(contrib[:, 1:], nan=-1))
    check(ordered and np.all(contrib[reasons >= 0] > 0), "contributions positive and descending")
    print(f"     ({padded} users with fewer than 3 positive terms)")


def label(lift, act, risk, names, all_act, all_risk):
    traits = []
    finite = [(v, d) for d, v in enumerate(lift) if np.isfinite(v) and v > 1.2]
    if finite:
        best = max(finite, key=lambda vd: (vd[0], -vd[1]))[1]
        traits.append(f"{names[best]}-leaning")
    for v, whole, hi, lo in [(act, all_act, "heavy readers", "light readers"), (risk, all_risk, "high risk", "low risk")]:
        if np.isfinite(v) and np.isfinite(whole) and whole > 0:
            if v >= 1.25 * whole:
                traits.append(hi)
            elif v <= 0.8 * whole:
                traits.append(lo)
    return ", ".join(traits) or "typical"


def segments():
    seg = fo["profiles/segment"][()]
    act = fo["profiles/activity"][()].astype(np.float64)
    share = fo["profiles/domain_share"][()].astype(np.float64)
    names = [n.decode() if isinstance(n, bytes) else n for n in fo["profiles/domain_share"].attrs["names"]]
    risk = fo["risk/score"][()].astype(np.float64) if "risk/score" in fo else np.full(n_users, np.nan)
    g = "profiles/segments/"
    S = fo["profiles/centroids"].shape[0]
    got_label = [s.decode() for s in fo[g + "label"][()]]
    check(len(got_label) == S and all(fo[g + n].shape[0] == S for n in ["size", "activity", "risk", "domain_lift"]),
          f"one row per segment ({S}) in size, activity, risk, domain_lift, label")
    everyone = seg >= 0
    all_share, all_act, all_risk = share[everyone].mean(axis=0), act[everyone].mean(), risk[everyone].mean()
    size = np.array([np.sum(seg == s) for s in range(S)])
    mean_act = np.array([act[seg == s].mean() for s in range(S)])
    mean_risk = np.array([risk[seg == s].mean() for s in range(S)])
    lift = np.array([share[seg == s].mean(axis=0) / all_share for s in range(S)])
    check(np.array_equal(fo[g + "size"][()], size), "segment sizes count /profiles/segment")
    check(np.allclose(fo[g + "activity"][()], mean_act, rtol=1e-9), "segment activity: the mean of its users' /profiles/activity")
    check(np.allclose(fo[g + "risk"][()], mean_risk, rtol=1e-5, equal_nan=True),
          "segment risk: the mean of its users' /risk/score" + ("" if "risk/score" in fo else " (NaN: no risk model)"))
    check(np.allclose(fo[g + "domain_lift"][()], lift, rtol=1e-5), "domain_lift: segment mean share over all segmented users' mean share")
    want = [label(lift[s], mean_act[s], mean_risk[s], names, all_act, all_risk) for s in range(S)]
    check(got_label == want, f"labels follow the rules: {got_label}" + ("" if got_label == want else f" (expected {want})"))
    print(f"     (overall activity {all_act:.2f}, risk {all_risk:.3f}; segments' activity {np.round(mean_act, 1)})")


if "--no-risk" in sys.argv:
    check("risk/reasons" not in fo and "risk/score" not in fo, "no risk model: no /risk/reasons")
else:
    risk_reasons()
segments()
finish()
