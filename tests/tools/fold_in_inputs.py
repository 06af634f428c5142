"""Makes the inputs of tests/cli/score_test.sh from a generated input (int64 ids). Each user's
ratings are split 80/20 (seeded) into known and held-out; every 5th user is withheld from training.
  full.h5     every user: known ratings, held-out ones as /test (the users trained in)
  trained.h5  the users not withheld, renumbered: what the model is trained on
  new.h5      the withheld users, with items in a shuffled order and 3 items the model never saw
              (their /items/features those of source items 0, 1 and 2)
  new-nofeat.h5  the same without /items/features
  inorder.h5  the withheld users, items in the source's order and no new item
Features, labels, domains and ids go with their rows. Usage: fold_in_inputs.py SOURCE.h5 OUT_DIR"""
import sys

import h5py
import numpy as np

src, out = sys.argv[1], sys.argv[2]
f = h5py.File(src, "r")
u, i, v = f["ratings/user"][()], f["ratings/item"][()], f["ratings/value"][()]
uid, iid = f["users/id"][()], f["items/id"][()]
n_users, n_items = len(uid), len(iid)
rng = np.random.default_rng(11)
held = rng.random(len(u)) < 0.2
withheld = np.arange(n_users) % 5 == 2


def write(path, users, item_order, extra_items=0, features=True):
    """users: source rows kept, in order; item_order: source item at each new item row."""
    new_u = np.full(n_users, -1)
    new_u[users] = np.arange(len(users))
    new_i = np.full(n_items, -1)
    new_i[item_order] = np.arange(len(item_order))
    n_i = len(item_order) + extra_items
    with h5py.File(path, "w") as g:
        for k in ("format", "format_version"):
            g.attrs[k] = f.attrs[k]
        for group, rows in (("ratings", ~held), ("test", held)):
            keep = rows & (new_u[u] >= 0)
            uu, ii, vv = new_u[u[keep]], new_i[i[keep]], v[keep]
            if extra_items and group == "ratings":  # a few ratings of items the model never saw
                uu = np.concatenate([uu, np.arange(3 * extra_items) % len(users)])
                ii = np.concatenate([ii, len(item_order) + np.arange(3 * extra_items) % extra_items])
                vv = np.concatenate([vv, np.full(3 * extra_items, vv.max(), np.float32)])
            g[f"{group}/user"], g[f"{group}/item"], g[f"{group}/value"] = uu.astype(np.int64), ii.astype(np.int64), vv.astype(np.float32)
        g["ratings"].attrs["n_users"], g["ratings"].attrs["n_items"] = len(users), n_i
        g["ratings"].attrs["feedback"] = f["ratings"].attrs["feedback"]
        g["users/id"] = uid[users]
        g["items/id"] = np.concatenate([iid[item_order], iid.max() + 1000 + np.arange(extra_items)])
        g["items/domain"] = np.concatenate([f["items/domain"][()][item_order], np.zeros(extra_items, np.int32)])
        g["items/domain"].attrs["names"] = f["items/domain"].attrs["names"]
        if features:
            phi = f["items/features"][()]
            g["items/features"] = np.concatenate([phi[item_order], phi[np.arange(extra_items)]])
            g["items/features"].attrs["names"] = f["items/features"].attrs["names"]
        g["users/features"] = f["users/features"][()][users]
        g["users/features"].attrs["names"] = f["users/features"].attrs["names"]
        lab = new_u[f["labels/user"][()]]
        g["labels/user"], g["labels/value"] = lab[lab >= 0].astype(np.int64), f["labels/value"][()][lab >= 0]


everyone, source_order = np.arange(n_users), np.arange(n_items)
write(f"{out}/full.h5", everyone, source_order)
write(f"{out}/trained.h5", everyone[~withheld], source_order)
shuffled = rng.permutation(n_items)
write(f"{out}/new.h5", everyone[withheld], shuffled, extra_items=3)
write(f"{out}/new-nofeat.h5", everyone[withheld], shuffled, extra_items=3, features=False)
write(f"{out}/inorder.h5", everyone[withheld], source_order)
