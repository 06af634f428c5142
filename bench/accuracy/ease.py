#!/usr/bin/python3
"""EASE (Steck 2019), an independent reference for implicit feedback: the closed-form item-item
model B = I - P / diag(P) with P = (X^T X + lambda I)^-1 and diag(B) = 0, scores X B. Reports
top-10 metrics on the test positives for each lambda given (the best is the reference).

usage: ease.py TRAIN_POS.txt TEST_POS.txt [lambda ...]
"""
import sys

import numpy as np

from ranking import ranking_metrics

train, test = np.loadtxt(sys.argv[1], ndmin=2).astype(np.int64), np.loadtxt(sys.argv[2], ndmin=2).astype(np.int64)
lambdas = [float(x) for x in sys.argv[3:]] or [100, 200, 500, 1000]
users, uidx = np.unique(train[:, 0], return_inverse=True)
items, iidx = np.unique(train[:, 1], return_inverse=True)
X = np.zeros((len(users), len(items)))
X[uidx, iidx] = 1
G0 = X.T @ X
tu = np.searchsorted(users, test[:, 0])
ti = np.searchsorted(items, test[:, 1])
assert (users[tu] == test[:, 0]).all() and (items[ti] == test[:, 1]).all(), "test positives of unknown users or items"
for lam in lambdas:
    G = G0.copy()
    G[np.diag_indices_from(G)] += lam
    P = np.linalg.inv(G)
    B = -P / np.diag(P)
    B[np.diag_indices_from(B)] = 0
    p, r, n = ranking_metrics(lambda rows: X[rows] @ B, uidx, iidx, tu, ti, 10)
    print(f"ease lambda {lam:g}: precision_at_10 {p:.5f} recall_at_10 {r:.5f} ndcg_at_10 {n:.5f}")
