#!/usr/bin/python3
"""Writes a small planted low-rank input file (crossmf input schema) with numpy + h5py,
independently of crossmf, and stores the planted model under /truth for the tests.

usage: planted.py OUT.h5 [--users N] [--items N] [--rank K] [--density D] [--noise S]
                  [--implicit] [--seed S] [--test-fraction F] [--ids-chunk ROWS] ...
"""
import argparse

import h5py
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--users", type=int, default=300)
p.add_argument("--items", type=int, default=200)
p.add_argument("--rank", type=int, default=4)
p.add_argument("--density", type=float, default=0.3)
p.add_argument("--noise", type=float, default=0.0)
p.add_argument("--implicit", action="store_true")
p.add_argument("--seed", type=int, default=1)
p.add_argument("--test-fraction", type=float, default=0.0, help="write a fixed /test set")
p.add_argument("--domains", action="store_true", help="items in content/finance/insurance")
p.add_argument("--features", type=int, default=0, help="user features")
p.add_argument("--labels", type=float, default=0.0, help="fraction of users with a 0/1 label")
p.add_argument("--cold-users", type=int, default=0, help="users (the last ones) with no ratings")
p.add_argument("--item-features", type=int, default=0, help="item attributes, a noisy linear map of the item factors")
p.add_argument("--new-items", type=int, default=0, help="items (the last ones) whose interactions are hidden in /truth/hidden")
p.add_argument("--ids-chunk", type=int, default=0,
               help="write /users/id and /items/id (int64), deflated in chunks of this many rows")
a = p.parse_args()

rng = np.random.default_rng(a.seed)
X = rng.normal(0, 1, (a.users, a.rank)) / np.sqrt(a.rank)
Y = rng.normal(0, 1, (a.items, a.rank)) / np.sqrt(a.rank)
bu = rng.normal(0, 0.3, a.users)
bi = rng.normal(0, 0.3, a.items)
mu = 3.5
if a.implicit:
    # which items a user touches follows the planted affinity
    aff = X @ Y.T
    prob = 1.0 / (1.0 + np.exp(-6.0 * (aff - np.quantile(aff, 1 - a.density))))
    mask = rng.random((a.users, a.items)) < prob
else:
    mask = rng.random((a.users, a.items)) < a.density
# every user and item gets at least rank + 2 ratings so the planted model is identifiable
for u in range(a.users):
    mask[u, rng.choice(a.items, a.rank + 2, replace=False)] = True
for i in range(a.items):
    mask[rng.choice(a.users, a.rank + 2, replace=False), i] = True
if a.cold_users:
    mask[a.users - a.cold_users:, :] = False
u, i = np.nonzero(mask)
if a.implicit:
    aff = np.sum(X[u] * Y[i], axis=1)
    val = np.maximum(1.0, np.round(np.exp(1.0 + aff) + rng.normal(0, a.noise, len(u)))).astype(np.float32)
else:
    val = (mu + bu[u] + bi[i] + np.sum(X[u] * Y[i], axis=1) + rng.normal(0, a.noise, len(u))).astype(np.float32)
order = rng.permutation(len(u))  # file order is not sorted by user: readers must not assume it
u, i, val = u[order], i[order], val[order]
hidden = i >= a.items - a.new_items
hu, hi = u[hidden], i[hidden]
u, i, val = u[~hidden], i[~hidden], val[~hidden]
test = rng.random(len(u)) < a.test_fraction
with h5py.File(a.out, "w") as f:
    f.attrs["format"] = "crossmf-input"
    f.attrs["format_version"] = 1
    g = f.create_group("ratings")
    g.attrs["n_users"] = a.users
    g.attrs["n_items"] = a.items
    g.attrs["feedback"] = "implicit" if a.implicit else "explicit"
    g["user"] = u[~test].astype(np.int32)
    g["item"] = i[~test].astype(np.int32)
    g["value"] = val[~test]
    if test.any():
        t = f.create_group("test")
        t["user"] = u[test].astype(np.int32)
        t["item"] = i[test].astype(np.int32)
        t["value"] = val[test]
    tr = f.create_group("truth")
    tr["user_factors"], tr["item_factors"] = X, Y
    tr["user_bias"], tr["item_bias"] = bu, bi
    tr.attrs["global_mean"] = mu
    if a.item_features:
        Phi = Y @ rng.normal(0, 1, (a.rank, a.item_features)) + rng.normal(0, 0.05, (a.items, a.item_features))
        f["items/features"] = (Phi * 10 + 3).astype(np.float32)
    if a.new_items:
        tr["hidden/user"], tr["hidden/item"] = hu.astype(np.int32), hi.astype(np.int32)
    if a.ids_chunk:
        for name, n, first in [("users/id", a.users, 7_000_000), ("items/id", a.items, 900_000)]:
            f.create_dataset(name, data=first + 3 * np.arange(n, dtype=np.int64), chunks=(min(a.ids_chunk, n),),
                             compression="gzip")
    if a.domains:
        dom = (np.arange(a.items) % 5 == 3).astype(np.int32) + 2 * (np.arange(a.items) % 5 == 4)
        f.create_dataset("items/domain", data=dom.astype(np.int32))
        f["items/domain"].attrs["names"] = ["content", "finance", "insurance"]
    Z = None
    if a.features:
        Z = X @ rng.normal(0, 1, (a.rank, a.features)) + rng.normal(0, 0.5, (a.users, a.features))
        Z = Z * rng.uniform(1, 50, a.features) + rng.uniform(0, 100, a.features)  # raw scales
        f["users/features"] = Z.astype(np.float32)
        f["users/features"].attrs["names"] = [f"behaviour_{j}" for j in range(a.features)]
    if a.labels > 0:
        labelled = np.nonzero(rng.random(a.users) < a.labels)[0]
        beta = rng.normal(0, 2, a.rank)
        z = -1.0 + X[labelled] @ beta
        if Z is not None:
            z += 0.8 * (Z[labelled, 0] - Z[:, 0].mean()) / Z[:, 0].std()
        prob = 1 / (1 + np.exp(-z))
        f["labels/user"] = labelled.astype(np.int32)
        f["labels/value"] = (rng.random(len(labelled)) < prob).astype(np.int8)
        tr["label_probability"] = prob
