#!/usr/bin/python3
"""Checks of `crossmf generate --events` (tests/cli/generate_events_test.sh), with h5py and numpy only.

usage:
  generate_events_check.py weights GEN.h5
      prints the /truth attribute event_weights (the --event-weights to import the log with).
  generate_events_check.py events GEN.h5 EVENTS
      parses the log independently: a header, rows user,item,event,time,amount of known ids in
      user order; every event kind of the weights occurs; per (user, item) pair the weighted sum
      equals the /ratings value exactly, the newest time equals the rating's time and every other
      event is earlier; the pairs are exactly those of /ratings (none of /test).
  generate_events_check.py same GEN.h5 IMPORTED.h5
      /ratings of both, matched by external ids: the same pairs, values and times.
"""
import sys

import h5py
import numpy as np

from checklib import check, finish


def weights_of(path):
    text = h5py.File(path, "r")["truth"].attrs["event_weights"]
    text = text.decode() if isinstance(text, bytes) else str(text)
    return text, {k: float(v) for k, v in (kv.split("=") for kv in text.split(","))}


def ratings_by_id(path):
    """(user id, item id, value, time) of /ratings, sorted by ids."""
    f = h5py.File(path, "r")
    r = f["ratings"]
    u = f["users/id"][()][r["user"][()]].astype(np.int64)
    i = f["items/id"][()][r["item"][()]].astype(np.int64)
    order = np.lexsort((i, u))
    return u[order], i[order], r["value"][()][order].astype(np.float64), r["time"][()][order]


def events(gen, path):
    _, weights = weights_of(gen)
    with open(path) as fh:
        header = fh.readline().strip()
        rows = [line.rstrip("\n").split(",") for line in fh]
    check(header == "user,item,event,time,amount", f"header '{header}'")
    check(all(len(r) == 5 for r in rows), f"{len(rows)} rows of 5 fields")
    user = np.array([int(r[0]) for r in rows], dtype=np.int64)
    item = np.array([int(r[1]) for r in rows], dtype=np.int64)
    kind = np.array([r[2] for r in rows])
    time = np.array([int(r[3]) for r in rows], dtype=np.int64)
    amount = np.array([float(r[4]) if r[4] else 1.0 for r in rows])
    check(bool(np.all(np.diff(user) >= 0)), "rows in user order")
    kinds, counts = np.unique(kind, return_counts=True)
    check(set(kinds) == set(weights), f"every event kind occurs: {dict(zip(kinds.tolist(), counts.tolist()))}")
    check(bool(np.all(amount[kind != "minutes"] == 1)) and bool(np.all(amount[kind == "minutes"] >= 1)),
          "only minutes rows carry an amount, whole minutes >= 1")
    strength = np.array([weights[k] for k in kind]) * amount

    # Per pair, by sorting on (user, item): sum, newest time, and whether the newest is unique.
    order = np.lexsort((time, item, user))
    u, i, t, s = user[order], item[order], time[order], strength[order]
    start = np.r_[True, (u[1:] != u[:-1]) | (i[1:] != i[:-1])]
    first = np.flatnonzero(start)
    last = np.r_[first[1:], len(u)] - 1
    total = np.add.reduceat(s, first)
    newest = t[last]
    # The newest event alone at the interaction's time: the one before it in the pair is earlier.
    single = last == first
    earlier = single | (t[np.maximum(last - 1, 0)] < newest)
    gu, gi, gv, gt = ratings_by_id(gen)
    check(len(first) == len(gu) and np.array_equal(u[first], gu) and np.array_equal(i[first], gi),
          f"{len(first)} (user, item) pairs, exactly those of /ratings ({len(gu)})")
    if len(first) == len(gu):
        check(np.array_equal(total, gv), "each pair's weighted sum equals its /ratings value exactly")
        check(np.array_equal(newest, gt), "each pair's newest event is at its /ratings time")
        check(bool(np.all(earlier)), "each pair's other events are earlier")
    finish()


def same(gen, imported):
    a, b = ratings_by_id(gen), ratings_by_id(imported)
    check(len(a[0]) == len(b[0]), f"{len(a[0])} ratings generated, {len(b[0])} imported")
    if len(a[0]) == len(b[0]):
        for name, x, y in zip(("user ids", "item ids", "values", "times"), a, b):
            check(np.array_equal(x, y), f"{name} equal")
    f = h5py.File(imported, "r")
    check(f["ratings"].attrs["feedback"] in (b"implicit", "implicit"), "imported as implicit feedback")
    finish()


def main():
    cmd = sys.argv[1]
    if cmd == "weights":
        print(weights_of(sys.argv[2])[0])
    elif cmd == "events":
        events(sys.argv[2], sys.argv[3])
    elif cmd == "same":
        same(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
