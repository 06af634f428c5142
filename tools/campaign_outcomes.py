#!/usr/bin/env python3
"""The outcomes a campaign on a generated platform would have, for `crossmf lift --outcomes`.

  campaign_outcomes.py PLATFORM.h5 OUTPUT.h5 OUTCOMES.csv [--seed N]

PLATFORM.h5 is a `crossmf generate` file: its /truth/campaign plants, per product, a control
conversion rate p0 and an additive uplift delta (docs/generate.md). OUTPUT.h5 is a `crossmf train`
output of that platform: its /audiences say who was held out (control) and who was contacted.
Each member converts independently, with probability p0 (control) or p0 + delta (contacted);
OUTCOMES.csv gets one row per member: user, product, converted (external ids). `crossmf lift`
on it should then find each product's uplift near delta, its 95% interval covering delta about
95% of the time over seeds.

The functions below are also what tests/tools/campaign_outcomes.py plants with.
"""
import argparse
import csv
import sys

import h5py
import numpy as np


def ids_text(d):
    v = d[()]
    return [x.decode() if isinstance(x, bytes) else str(x) for x in v]


def audiences(path):
    """Every product of every /audiences group (name order): items [P], users and control [P, A]."""
    f = h5py.File(path, "r")
    if "audiences" not in f or not len(f["audiences"]):
        sys.exit(f"{path}: no /audiences; give a crossmf train output of a platform with finance or insurance products")
    domains = sorted(f["audiences"])
    items = np.concatenate([f[f"audiences/{d}/items"][()] for d in domains])
    users = np.concatenate([f[f"audiences/{d}/users"][()] for d in domains])
    control = np.concatenate([f[f"audiences/{d}/control"][()] for d in domains]).astype(bool)
    domain = sum(([d] * len(f[f"audiences/{d}/items"]) for d in domains), [])
    return dict(items=items, users=users, control=control, domain=domain, segment=f["profiles/segment"][()],
                user_ids=ids_text(f["users/id"]), item_ids=ids_text(f["items/id"]))


def planted_rates(platform, a):
    """p0 and delta [P] of the audiences' products, from the platform's /truth/campaign, matched by
    external item id."""
    f = h5py.File(platform, "r")
    if "truth/campaign" not in f:
        sys.exit(f"{platform}: no /truth/campaign; give a file of crossmf generate (a version that plants campaigns)")
    g = f["truth/campaign"]
    ids = ids_text(f["items/id"])
    by_id = {ids[i]: k for k, i in enumerate(g["item"][()])}
    missing = [a["item_ids"][i] for i in a["items"] if a["item_ids"][i] not in by_id]
    if missing:
        sys.exit(f"{platform}: {len(missing)} audience products have no planted campaign (e.g. item {missing[0]}); "
                 "give the platform the output was trained on")
    rows = np.array([by_id[a["item_ids"][i]] for i in a["items"]], dtype=np.int64)
    return g["control_rate"][()][rows], g["uplift"][()][rows]


def conversions(a, p0, delta, rng):
    """Each member's rate (p0, or p0 + delta when contacted), which slots hold a member, and who
    converted."""
    rate = np.where(a["control"], p0[:, None], (p0 + delta)[:, None])
    valid = a["users"] >= 0
    converted = (rng.random(a["users"].shape) < rate) & valid
    return rate, valid, converted


def member_rows(a, valid, converted):
    """(user id, product id, converted) of every member."""
    users, items = a["users"], a["items"]
    return [(a["user_ids"][users[p, k]], a["item_ids"][items[p]], int(converted[p, k])) for p, k in zip(*np.nonzero(valid))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("platform", help="crossmf generate file (its /truth/campaign)")
    ap.add_argument("output", help="crossmf train output of it (its /audiences)")
    ap.add_argument("outcomes", help="CSV to write: user, product, converted")
    ap.add_argument("--seed", type=int, default=1)
    o = ap.parse_args()
    a = audiences(o.output)
    p0, delta = planted_rates(o.platform, a)
    _, valid, converted = conversions(a, p0, delta, np.random.default_rng(o.seed))
    with open(o.outcomes, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["user", "product", "converted"])
        w.writerows(member_rows(a, valid, converted))
    print(f"{o.outcomes}: {int(valid.sum())} members of {len(a['items'])} products, {int(converted.sum())} converted")


if __name__ == "__main__":
    main()
