#!/usr/bin/python3
"""Behaviour events for `crossmf import --events`, and an independent check of what it wrote.

usage:
  events_check.py make DIR
      writes DIR/events.csv (header, string ids, time and amount columns, events out of time
      order, pairs of strength 0, two malformed rows) and DIR/events.tsv (no header, integer ids,
      user, item, event only).
  events_check.py check OUT.h5 --events FILE --weights W [--half-life DAYS] [--as-of T]
                        [--delim D] [--header]
      recomputes every pair's strength with numpy from the text (weight * amount * 0.5^(age /
      half-life), summed per pair, pairs of strength 0 dropped, rows after --as-of dropped) and
      compares it, with the pair's newest time, ids and attributes, with OUT.h5.

The events' weights in the tests: WEIGHTS below.
"""
import argparse
import datetime
import os
import sys

import h5py
import numpy as np

from checklib import check, finish

WEIGHTS = "view=1,minutes=0.05,favorite=3,purchase=5,ignored=0"
T0 = 1717200000  # 2024-06-01 00:00 UTC: the latest time of events.csv


def make(folder):
    rng = np.random.default_rng(21)
    rows = []
    for _ in range(3000):
        u, i = int(rng.integers(0, 40)), int(rng.integers(0, 30))
        event = rng.choice(["view", "minutes", "favorite", "purchase"], p=[0.5, 0.3, 0.1, 0.1])
        t = T0 - int(rng.integers(0, 90 * 86400))
        amount = {"view": "", "minutes": f"{rng.uniform(0.5, 120):.3f}", "favorite": "",
                  "purchase": str(int(rng.integers(1, 4)))}[event]
        if rng.random() < 0.02:
            amount = "0"
        rows.append(f"user-{u},item {i},{event},{t},{amount}")
    # Pairs that only an event of weight 0 names: strength 0, dropped.
    for u in range(40, 43):
        rows.append(f"user-{u},item 1,ignored,{T0 - 86400 * u},")
    rows.append(f"user-0,item 0,view,{T0},")  # the latest time, once
    rng.shuffle(rows)
    rows.insert(100, "user-1,item 2,view")  # malformed: too few fields
    rows.insert(200, "user-1,item 2,view,1717000000,1,extra")
    with open(os.path.join(folder, "events.csv"), "w") as f:
        f.write("user,item,event,time,amount\n" + "\n".join(rows) + "\n")
    with open(os.path.join(folder, "events.tsv"), "w") as f:
        for _ in range(500):
            u, i = int(rng.integers(0, 25)), int(rng.integers(100, 120))
            f.write(f"{u}\t{i}\t{rng.choice(['view', 'favorite', 'purchase'])}\n")


def seconds(text):
    try:
        return int(text)
    except ValueError:
        d = datetime.date.fromisoformat(text)
        return int(datetime.datetime(d.year, d.month, d.day, tzinfo=datetime.timezone.utc).timestamp())


def expected(a):
    """{(user, item): (strength, newest time)} and the users and items the kept rows name."""
    weights = {k: float(v) for k, v in (p.split("=") for p in a.weights.split(","))}
    with open(a.events) as f:
        lines = f.read().splitlines()[1 if a.header else 0:]
    fields = [[x.strip() for x in line.split(a.delim)] for line in lines if line.strip()]
    width = len(fields[0])
    fields = [r for r in fields if len(r) == width]
    user = np.array([r[0] for r in fields])
    item = np.array([r[1] for r in fields])
    w = np.array([weights[r[2]] for r in fields])
    t = np.array([int(r[3]) for r in fields] if width >= 4 else [0] * len(fields), dtype=np.int64)
    amount = np.array([float(r[4]) if r[4] else 1.0 for r in fields] if width == 5 else [1.0] * len(fields))
    strength = w * amount
    keep = np.ones(len(fields), bool)
    if a.half_life:
        as_of = seconds(a.as_of) if a.as_of else t.max()
        keep = t <= as_of
        strength = strength * 0.5 ** ((as_of - t) / (a.half_life * 86400.0))
    user, item, t, strength = user[keep], item[keep], t[keep], strength[keep]
    pairs, inverse = np.unique(np.stack([user, item], axis=1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    total = np.bincount(inverse, weights=strength, minlength=len(pairs))
    newest = np.full(len(pairs), np.iinfo(np.int64).min)
    np.maximum.at(newest, inverse, t)
    out = {(u, i): (s, n) for (u, i), s, n in zip(pairs.tolist(), total, newest) if s != 0}
    print(f"zero pairs: {len(pairs) - len(out)}")
    return out, set(user.tolist()), set(item.tolist())


def ids(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[:]]


def check_file(a):
    want, users, items = expected(a)
    with h5py.File(a.output, "r") as f:
        r = f["ratings"]
        check(r.attrs["feedback"] in ("implicit", b"implicit"), "feedback = implicit")
        uid, iid = ids(f["users/id"]), ids(f["items/id"])
        check(set(uid) == users and len(uid) == len(users), f"users/id: the {len(users)} users of the kept rows")
        check(set(iid) == items and len(iid) == len(items), f"items/id: the {len(items)} items of the kept rows")
        check(r.attrs["n_users"] == len(uid) and r.attrs["n_items"] == len(iid), "n_users, n_items")
        u, i, v = r["user"][:], r["item"][:], r["value"][:].astype(np.float64)
        got = {(uid[x], iid[y]): k for k, (x, y) in enumerate(zip(u.tolist(), i.tolist()))}
        check(len(got) == len(u), "each pair once")
        check(set(got) == set(want), f"the {len(want)} pairs of nonzero strength (got {len(got)})")
        common = sorted(set(got) & set(want))
        s_want = np.array([want[p][0] for p in common])
        s_got = np.array([v[got[p]] for p in common])
        worst = np.max(np.abs(s_got - s_want) / s_want) if common else 0
        check(worst < 1e-5, f"strengths equal numpy's weights and decay (worst relative error {worst:.2e})")
        has_time = "time" in r
        check(has_time == (a.events.endswith(".csv")), "/ratings/time when the file has times")
        if has_time:
            t = r["time"][:]
            check(all(t[got[p]] == want[p][1] for p in common), "each pair's newest time")


def main():
    if sys.argv[1] == "make":
        make(sys.argv[2])
        return
    p = argparse.ArgumentParser()
    p.add_argument("cmd")
    p.add_argument("output")
    p.add_argument("--events", required=True)
    p.add_argument("--weights", default=WEIGHTS)
    p.add_argument("--half-life", type=float, default=0)
    p.add_argument("--as-of", default="")
    p.add_argument("--delim", default=",")
    p.add_argument("--header", action="store_true")
    check_file(p.parse_args())
    finish()


if __name__ == "__main__":
    main()
