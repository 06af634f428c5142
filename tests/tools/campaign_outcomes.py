#!/usr/bin/env python3
"""Campaign outcomes planted on a crossmf output's audiences, and crossmf lift checked against them
(tests/cli/lift_test.sh). Independent of crossmf: h5py reads the audiences, numpy plants and
recomputes every statistic.

  plant OUTPUT.h5 OUTCOMES SEED [--tsv]   outcomes of seed SEED: each product a control rate p0 and
                                          a contacted rate p0 + delta, plus rows lift must skip
  check OUTPUT.h5 SEED LIFT.h5 LIFT.csv   every number of the lift files equals numpy's
  coverage OUTPUT.h5 CROSSMF SEEDS DIR    how often the 95% intervals cover the planted uplift

With --truth PLATFORM.h5 (the crossmf generate file OUTPUT.h5 was trained on), p0 and delta are
the ones generate planted in its /truth/campaign instead of drawn here; the members' conversions
are drawn as in tools/campaign_outcomes.py, whose functions these are.
"""
import csv
import importlib.util
import math
import os
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checklib import check, finish  # noqa: E402

# The analysts' tool (same file name, so loaded by path).
_spec = importlib.util.spec_from_file_location(
    "campaign_tool", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "campaign_outcomes.py"))
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)
ids_text, audiences = tool.ids_text, tool.audiences

Z = 1.959963984540054
COUNTS = ["contacted", "contacted_conversions", "control", "control_conversions"]
RATES = ["contacted_rate", "control_rate", "uplift", "uplift_low", "uplift_high", "relative_uplift",
         "relative_uplift_low", "relative_uplift_high", "p_value"]


def plant(a, seed, truth=None):
    """Per product p0 ~ U(0.03, 0.25) and delta ~ U(0, 0.15), or those of the platform `truth`
    planted; each member converts with p0 (control) or p0 + delta (contacted). Returns the rates
    and the draws."""
    rng = np.random.default_rng(seed)
    P = len(a["items"])
    if truth is None:
        p0 = rng.uniform(0.03, 0.25, P)
        delta = rng.uniform(0.0, 0.15, P)
    else:
        p0, delta = tool.planted_rates(truth, a)
    rate, valid, converted = tool.conversions(a, p0, delta, rng)
    return dict(rng=rng, p0=p0, delta=delta, rate=rate, valid=valid, converted=converted)


def outcome_rows(a, t):
    """Rows (user id, product id, converted): every conversion, half of the non-conversions (a member
    without a row did not convert), and rows lift must count but skip: unknown users, unknown products,
    pairs in no audience, and repeats of non-conversions."""
    rng, users, items = t["rng"], a["users"], a["items"]
    rows = []
    for p, a_ in zip(*np.nonzero(t["valid"])):
        c = bool(t["converted"][p, a_])
        if c or rng.random() < 0.5:
            rows.append((a["user_ids"][users[p, a_]], a["item_ids"][items[p]], int(c)))
    zeros = [r for r in rows if r[2] == 0]
    extra = [zeros[k] for k in rng.choice(len(zeros), 6, replace=False)]  # repeated pairs, converted 0
    extra += [(f"nobody{k}", a["item_ids"][items[0]], 1) for k in range(5)]
    extra += [(a["user_ids"][users[0, 0]], f"nothing{k}", 1) for k in range(3)]
    members0 = set(users[0].tolist())
    outsiders = [u for u in range(len(a["user_ids"])) if u not in members0][:4]
    extra += [(a["user_ids"][u], a["item_ids"][items[0]], 1) for u in outsiders]
    rows += extra
    order = rng.permutation(len(rows))
    return [rows[k] for k in order], dict(repeated=6, unknown_users=5, unknown_products=3, outside=4)


def write_rows(rows, path, tsv):
    with open(path, "w", newline="") as f:
        if tsv:  # no header, a time column
            for k, (u, i, c) in enumerate(rows):
                f.write(f"{u}\t{i}\t{c}\t{1700000000 + k}\n")
        else:
            w = csv.writer(f)
            w.writerow(["user", "product", "converted"])
            w.writerows(rows)


def wilson(x, n):
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * np.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return np.maximum(0, centre - half), np.minimum(1, centre + half)


def statistics(xt, nt, xc, nc):
    """The lift columns from counts (arrays), by the formulas README states."""
    xt, nt, xc, nc = (np.asarray(v, dtype=float) for v in (xt, nt, xc, nc))
    with np.errstate(divide="ignore", invalid="ignore"):
        pt, pc = xt / nt, xc / nc
        lt, ut = wilson(xt, nt)
        lc, uc = wilson(xc, nc)
        d = pt - pc
        low = d - np.sqrt((pt - lt) ** 2 + (uc - pc) ** 2)
        high = d + np.sqrt((ut - pt) ** 2 + (pc - lc) ** 2)
        rel = np.where(xc > 0, pt / pc - 1, np.nan)
        se = np.sqrt(1 / xt - 1 / nt + 1 / xc - 1 / nc)
        ok = (xc > 0) & (xt > 0)
        rlow = np.where(ok, np.exp(np.log(pt / pc) - Z * se) - 1, np.nan)
        rhigh = np.where(ok, np.exp(np.log(pt / pc) + Z * se) - 1, np.nan)
        pool = (xt + xc) / (nt + nc)
        se0 = np.sqrt(pool * (1 - pool) * (1 / nt + 1 / nc))
        pv = np.array([math.erfc(abs(a) / s / math.sqrt(2)) if s > 0 else 1.0 for a, s in zip(np.atleast_1d(d), np.atleast_1d(se0))])
    empty = (nt == 0) | (nc == 0)
    out = dict(zip(RATES, [pt, pc, d, low, high, rel, rlow, rhigh, pv]))
    for k in RATES[2:]:
        out[k] = np.where(empty, np.nan, out[k])
    out.update(dict(zip(COUNTS, [nt, xt, nc, xc])))
    return out


def tallies(a, converted):
    """Counts per product, per segment and overall: the independent tally."""
    valid, ctl = a["users"] >= 0, a["control"]
    t, c = valid & ~ctl, valid & ctl
    prod = [(t & converted).sum(1), t.sum(1), (c & converted).sum(1), c.sum(1)]
    seg = np.where(valid, a["segment"][np.maximum(a["users"], 0)], -1)
    S = int(a["segment"].max()) + 1
    segs = [[((m & converted) & (seg == s)).sum() if conv else (m & (seg == s)).sum() for s in range(S)]
            for m, conv in ((t, True), (t, False), (c, True), (c, False))]
    over = [[(t & converted).sum()], [t.sum()], [(c & converted).sum()], [c.sum()]]
    return {"products": prod, "segments": segs, "overall": over}


def same(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(np.isnan(a), np.isnan(b)) and \
        np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-10, atol=1e-13)


def check_files(out, seed, lift_h5, lift_csv, truth=None):
    a = audiences(out)
    t = plant(a, seed, truth)
    rows, noise = outcome_rows(a, t)
    want = {k: statistics(*v) for k, v in tallies(a, t["converted"]).items()}
    f = h5py.File(lift_h5, "r")
    check(f.attrs["format"] == "crossmf-lift" and f.attrs["format_version"] == 1, "root: format crossmf-lift, version 1")
    for group, w in want.items():
        g = f[f"lift/{group}"]
        bad = [c for c in COUNTS + RATES if not same(g[c][()], w[c])]
        check(not bad, f"/lift/{group}: {len(w['p_value'])} rows, every column equals numpy's ({bad} differ)")
    g = f["lift/products"]
    check(np.array_equal(g["item"][()], a["items"]) and ids_text(g["id"]) == [a["item_ids"][i] for i in a["items"]]
          and ids_text(g["domain"]) == a["domain"], "/lift/products: item, id and domain of each product")
    check(np.array_equal(f["lift/segments/segment"][()], np.arange(len(want["segments"]["p_value"]))), "/lift/segments/segment")
    at = f["lift"].attrs
    matched = len(rows) - noise["unknown_users"] - noise["unknown_products"] - noise["outside"]
    check((at["outcome_rows"], at["unknown_users"], at["unknown_products"], at["outside_audiences"], at["repeated_pairs"])
          == (len(rows), noise["unknown_users"], noise["unknown_products"], noise["outside"], noise["repeated"]),
          f"/lift attributes count {len(rows)} rows, {matched} of members, the planted noise rows")
    with open(lift_csv) as fh:
        table = list(csv.DictReader(fh))
    for level, group in (("product", "products"), ("segment", "segments"), ("overall", "overall")):
        rows_ = [r for r in table if r["level"] == level]
        bad = [c for c in COUNTS + RATES if not same([float(r[c]) for r in rows_], want[group][c])]
        check(not bad, f"CSV {level} rows: every column equals numpy's ({bad} differ)")
    keys = [r["key"] for r in table if r["level"] == "product"]
    check(keys == [a["item_ids"][i] for i in a["items"]], "CSV product keys are the products' external ids")
    finish()


def coverage(out, crossmf, seeds, work, truth=None):
    """Plants `seeds` campaigns (with `truth`, the same planted rates each time, new conversions),
    runs crossmf lift on each, and counts how often the 95% intervals cover what was planted: each
    product's delta, and the overall pooled uplift that the design implies (mean planted rate of
    the contacted minus that of the control members)."""
    a = audiences(out)
    overall = relative = 0
    product_hits = np.zeros(len(a["items"]))
    for seed in range(seeds):
        t = plant(a, 1000 + seed, truth)
        rows, _ = outcome_rows(a, t)
        write_rows(rows, f"{work}/cov-outcomes.csv", tsv=False)
        subprocess.run([crossmf, "lift", "--audiences", out, "--outcomes", f"{work}/cov-outcomes.csv", "--output",
                        f"{work}/cov.h5", "--log-level", "warn"], check=True)
        g = h5py.File(f"{work}/cov.h5", "r")["lift"]
        ok, ctl = t["valid"] & ~a["control"], t["valid"] & a["control"]
        pt, pc = t["rate"][ok].mean(), t["rate"][ctl].mean()
        overall += g["overall/uplift_low"][0] <= pt - pc <= g["overall/uplift_high"][0]
        relative += g["overall/relative_uplift_low"][0] <= pt / pc - 1 <= g["overall/relative_uplift_high"][0]
        product_hits += (g["products/uplift_low"][()] <= t["delta"]) & (t["delta"] <= g["products/uplift_high"][()])
    per_product = product_hits.mean() / seeds
    print(f"coverage over {seeds} seeds: overall absolute uplift {overall / seeds:.2f}, overall relative "
          f"{relative / seeds:.2f}, per product (mean of {len(product_hits)}) {per_product:.3f}, "
          f"lowest product {product_hits.min() / seeds:.2f}")
    check(0.90 <= overall / seeds <= 0.99, f"overall 95% interval covers the planted uplift in 90-99% of {seeds} seeds")
    check(0.90 <= per_product <= 0.99, "per-product 95% intervals cover the planted delta 90-99% of the time on average")
    check(0.88 <= relative / seeds <= 1.0, "overall relative interval covers the planted relative uplift")
    finish()


def main():
    args = sys.argv[1:]
    truth = None
    if "--truth" in args:
        at = args.index("--truth")
        truth = args[at + 1]
        del args[at:at + 2]
    cmd = args[0]
    if cmd == "plant":
        a = audiences(args[1])
        rows, _ = outcome_rows(a, plant(a, int(args[3]), truth))
        write_rows(rows, args[2], tsv="--tsv" in args)
    elif cmd == "check":
        check_files(args[1], int(args[2]), args[3], args[4], truth)
    elif cmd == "coverage":
        coverage(args[1], args[2], int(args[3]), args[4], truth)


if __name__ == "__main__":
    main()
