#!/usr/bin/python3
"""Two days of one platform for bench/init_from_bench.sh, from one input file (ids optional):
a fixed held-out set (--test of the ratings, by a seeded hash), day 1 = the other ratings less
--changed of them, day 2 = all of them (so day 2 differs from day 1 by that share of its
ratings), with its users and items in another order. Both days hold the same held-out ratings in
/test, so their metrics compare. usage: init_from_days.py INPUT.h5 OUT_DIR [--changed 0.05]"""
import argparse

import h5py
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("input")
p.add_argument("out")
p.add_argument("--changed", type=float, default=0.05)
p.add_argument("--test", type=float, default=0.1)
p.add_argument("--seed", type=int, default=3)
a = p.parse_args()
with h5py.File(a.input, "r") as f:
    u, i, v = f["ratings/user"][()], f["ratings/item"][()], f["ratings/value"][()].astype(np.float32)
    n_users, n_items = int(f["ratings"].attrs["n_users"]), int(f["ratings"].attrs["n_items"])
    feedback = f["ratings"].attrs["feedback"]
    uid = f["users/id"][()] if "users/id" in f else np.arange(n_users, dtype=np.int64)
    iid = f["items/id"][()] if "items/id" in f else np.arange(n_items, dtype=np.int64)
rng = np.random.default_rng(a.seed)
draw = rng.random(len(u))
test = draw < a.test
new = (draw >= a.test) & (draw < a.test + a.changed * (1 - a.test))


def write(path, rows, test_rows, pu, pi):
    """pu[r], pi[r]: the new row of old user / item r."""
    with h5py.File(path, "w") as f:
        f.attrs["format"], f.attrs["format_version"] = "crossmf-input", 1
        for group, sel in (("ratings", rows), ("test", test_rows)):
            g = f.create_group(group)
            g["user"], g["item"], g["value"] = pu[u[sel]].astype(np.int64), pi[i[sel]].astype(np.int64), v[sel]
        f["ratings"].attrs["n_users"], f["ratings"].attrs["n_items"], f["ratings"].attrs["feedback"] = n_users, n_items, feedback
        f["users/id"], f["items/id"] = uid[np.argsort(pu)], iid[np.argsort(pi)]


write(f"{a.out}/day1.h5", ~test & ~new, test, np.arange(n_users), np.arange(n_items))
write(f"{a.out}/day2.h5", ~test, test, rng.permutation(n_users), rng.permutation(n_items))
print(f"day 1: {int((~test & ~new).sum())} ratings, day 2: {int((~test).sum())} ({int(new.sum())} new), "
      f"held out: {int(test.sum())}")
