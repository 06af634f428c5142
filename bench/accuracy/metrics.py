#!/usr/bin/python3
"""Held-out metrics computed from a crossmf output's factors alone (never its own metrics):

  explicit: RMSE of global_mean + user_bias + item_bias + user_factors . item_factors over the
            test pairs;
  implicit: precision, recall and NDCG at 10 with every item not rated in training ranked, over
            the users with a test positive.

Rows are found through /users/id and /items/id, so the test pairs are the text the input was
imported from (external ids).

usage: metrics.py explicit OUTPUT.h5 TEST.txt
       metrics.py implicit OUTPUT.h5 TRAIN_POS.txt TEST_POS.txt
"""
import sys

import h5py
import numpy as np

from ranking import ranking_metrics


def rows_of(ids, wanted):
    index = {int(x): n for n, x in enumerate(ids)}
    return np.array([index.get(int(x), -1) for x in wanted])


def load(path):
    t = np.loadtxt(path, ndmin=2)
    return t[:, 0].astype(np.int64), t[:, 1].astype(np.int64), t[:, 2]


with h5py.File(sys.argv[2], "r") as f:
    U, V = f["model/user_factors"][()].astype(np.float64), f["model/item_factors"][()].astype(np.float64)
    bu, bi = f["model/user_bias"][()].astype(np.float64), f["model/item_bias"][()].astype(np.float64)
    mu = float(f["model/user_bias"].attrs["global_mean"])
    user_ids, item_ids = f["users/id"][()], f["items/id"][()]

if sys.argv[1] == "explicit":
    tu, ti, tr = load(sys.argv[3])
    ru, ri = rows_of(user_ids, tu), rows_of(item_ids, ti)
    assert (ru >= 0).all() and (ri >= 0).all(), "test pairs of unknown users or items"
    pred = mu + bu[ru] + bi[ri] + np.sum(U[ru] * V[ri], axis=1)
    print(f"rmse {np.sqrt(np.mean((pred - tr) ** 2)):.5f}")
else:
    au, ai, _ = load(sys.argv[3])
    tu, ti, _ = load(sys.argv[4])
    scores = lambda rows: U[rows] @ V.T
    p, r, n = ranking_metrics(scores, rows_of(user_ids, au), rows_of(item_ids, ai), rows_of(user_ids, tu),
                              rows_of(item_ids, ti), 10)
    print(f"precision_at_10 {p:.5f} recall_at_10 {r:.5f} ndcg_at_10 {n:.5f}")
