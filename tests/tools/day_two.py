"""Makes the inputs of tests/cli/init_from_test.sh from a generated input (ids int64):
day1.h5 lacks every 10th user and every 8th item (so they are new tomorrow), and renumbers the
rest; day2.h5 holds every user and item of the source in a shuffled order (rows renumbered,
ids moved with them). Usage: day_two.py SOURCE.h5 OUT_DIR"""
import sys

import h5py
import numpy as np

src, out = sys.argv[1], sys.argv[2]
with h5py.File(src, "r") as f:
    u, i, v = f["ratings/user"][()], f["ratings/item"][()], f["ratings/value"][()]
    uid, iid = f["users/id"][()], f["items/id"][()]
    attrs = dict(f.attrs)
    feedback = f["ratings"].attrs["feedback"]


def write(path, u, i, v, uid, iid):
    with h5py.File(path, "w") as f:
        for k in ("format", "format_version"):
            f.attrs[k] = attrs[k]
        g = f.create_group("ratings")
        g["user"], g["item"], g["value"] = u.astype(np.int64), i.astype(np.int64), v.astype(np.float32)
        g.attrs["n_users"], g.attrs["n_items"], g.attrs["feedback"] = len(uid), len(iid), feedback
        f["users/id"], f["items/id"] = uid, iid


# Day 1: the known users and items, renumbered in their old order.
keep_u, keep_i = np.arange(len(uid)) % 10 != 3, np.arange(len(iid)) % 8 != 5
new_u, new_i = np.cumsum(keep_u) - 1, np.cumsum(keep_i) - 1
rows = keep_u[u] & keep_i[i]
write(f"{out}/day1.h5", new_u[u[rows]], new_i[i[rows]], v[rows], uid[keep_u], iid[keep_i])
# Day 2: everyone, in a shuffled order.
rng = np.random.default_rng(7)
pu, pi = rng.permutation(len(uid)), rng.permutation(len(iid))  # new row of old row r: pu[r]
order_u, order_i = np.argsort(pu), np.argsort(pi)  # old row at new row
write(f"{out}/day2.h5", pu[u], pi[i], v, uid[order_u], iid[order_i])
