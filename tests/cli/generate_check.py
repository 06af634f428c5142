"""Independent checks of files written by `crossmf generate`, with h5py and numpy only.

usage: generate_check.py same A B [C ...]          every dataset and attribute identical
       generate_check.py layout FILE K=V ...       shapes, ranges, exact counts, uniqueness,
                                                   /truth/campaign
       generate_check.py planted FILE              --noise 0 --stars false: value = mu+b+c+x.y
       generate_check.py implicit FILE             positive counts, choices follow tastes
       generate_check.py inspect FILE REPORT       inspect's numbers against numpy's
Exits non-zero with a message on the first failed check.
"""
import re
import sys

import h5py
import numpy as np


def fail(msg):
    sys.exit("FAILED: " + msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def walk(f):
    objs = {"/": f}
    f.visititems(lambda name, obj: objs.__setitem__("/" + name, obj))
    return objs


def same(paths):
    files = [h5py.File(p, "r") for p in paths]
    ref = walk(files[0])
    for p, f in zip(paths[1:], files[1:]):
        other = walk(f)
        check(set(ref) == set(other), f"{p}: objects differ: {sorted(set(ref) ^ set(other))}")
        for name, obj in ref.items():
            if isinstance(obj, h5py.Dataset):
                a, b = obj[()], other[name][()]
                check(a.dtype == b.dtype and a.shape == b.shape, f"{p}{name}: dtype/shape differ")
                check(np.array_equal(a, b), f"{p}{name}: contents differ from {paths[0]}")
            check(set(obj.attrs) == set(other[name].attrs), f"{p}{name}: attribute names differ")
            for k in obj.attrs:
                check(np.array_equal(np.asarray(obj.attrs[k]), np.asarray(other[name].attrs[k])),
                      f"{p}{name}@{k} differs")
    print(f"same: {len(ref)} objects identical in {len(paths)} files")


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def apportion(total, weights):
    """Largest-remainder-free exact split: floor(total*C_{k+1}/W) - floor(total*C_k/W)."""
    c = np.concatenate([[0], np.cumsum(weights)])
    w = int(c[-1])
    return np.array([total * int(c[k + 1]) // w - total * int(c[k]) // w for k in range(len(weights))])


def layout(path, opts):
    f = h5py.File(path, "r")
    U, I = int(opts["users"]), int(opts["items"])
    R, T = int(opts["ratings"]), int(opts["test"])
    K, F, G = int(opts["factors"]), int(opts["user_features"]), int(opts["item_features"])
    domains = opts["domains"].split(",")
    shares = [float(x) for x in opts["shares"].split(",")]

    check(text(f.attrs["format"]) == "crossmf-input", "root format")
    check(int(f.attrs["format_version"]) == 1, "root format_version")
    check(text(f.attrs["generator"]).startswith("crossmf generate"), "root generator")
    check(int(f.attrs["seed"]) == int(opts["seed"]), "root seed")
    ra = f["ratings"].attrs
    check(int(ra["n_users"]) == U and int(ra["n_items"]) == I, "ratings n_users / n_items")
    check(text(ra["feedback"]) == opts["feedback"], "ratings feedback")

    tables = {}
    for g, n in (("ratings", R), ("test", T)):
        if n == 0:
            check(g not in f, f"/{g} written although empty")
            continue
        cols = {c: f[g][c][()] for c in ("user", "item", "value", "time")}
        for c, a in cols.items():
            check(a.shape == (n,), f"/{g}/{c} shape {a.shape}, expected ({n},)")
        u, i, t = cols["user"], cols["item"], cols["time"]
        check(u.min() >= 0 and u.max() < U, f"/{g}/user out of [0, {U})")
        check(i.min() >= 0 and i.max() < I, f"/{g}/item out of [0, {I})")
        check(np.all(np.diff(u.astype(np.int64)) >= 0), f"/{g} not sorted by user")
        same_user = u[1:] == u[:-1]
        check(np.all(t[1:][same_user] > t[:-1][same_user]), f"/{g}/time not increasing per user")
        check(t.min() > 1.5e9 and t.max() < 1.8e9, f"/{g}/time not plausible unix seconds")
        tables[g] = cols
    r = tables["ratings"]
    pairs = r["user"].astype(np.int64) * I + r["item"]
    check(len(np.unique(pairs)) == R, "duplicate (user, item) pairs in /ratings")
    if T:
        t = tables["test"]
        tpairs = t["user"].astype(np.int64) * I + t["item"]
        check(len(np.unique(tpairs)) == T, "duplicate pairs in /test")
        check(len(np.intersect1d(pairs, tpairs)) == 0, "/test shares pairs with /ratings")
        # Test interactions are each user's latest.
        last = np.full(U, -1, np.int64)
        np.maximum.at(last, r["user"], r["time"])
        check(np.all(t["time"] > last[t["user"]]), "a /test time is not after the user's /ratings times")

    if opts["feedback"] == "explicit" and opts.get("stars", "true") == "true":
        v = r["value"]
        check(np.all(v == np.round(v)) and v.min() >= 1 and v.max() <= 5, "explicit stars not integers in 1..5")

    check(np.array_equal(f["users/id"][()], 10000000 + np.arange(U)), "/users/id")
    check(np.array_equal(f["items/id"][()], 20000000 + np.arange(I)), "/items/id")
    d = f["items/domain"]
    check([text(x) for x in d.attrs["names"]] == domains, f"/items/domain names {list(d.attrs['names'])}")
    counts = np.bincount(d[()], minlength=len(domains))
    expect = apportion(I, [round(s * 1e9) for s in shares])
    check(np.array_equal(counts, expect), f"items per domain {counts}, expected {expect}")

    uf, itf = f["users/features"][()], f["items/features"][()]
    check(uf.shape == (U, F) and len(f["users/features"].attrs["names"]) == F, "/users/features shape or names")
    check(itf.shape == (I, G) and len(f["items/features"].attrs["names"]) == G, "/items/features shape or names")
    check(text(f["users/features"].attrs["names"][0]) == "minutes_read", "first user feature name")

    tr = f["truth"]
    X, Y = tr["user_factors"][()], tr["item_factors"][()]
    check(X.shape == (U, K) and Y.shape == (I, K), "truth factor shapes")
    check(tr["user_bias"].shape == (U,) and tr["item_bias"].shape == (I,), "truth bias shapes")
    pop = tr["item_popularity"][()]
    check(abs(pop.sum() - 1) < 1e-9, "truth item_popularity does not sum to 1")
    # Features are the stated linear maps of the factors plus noise of the stated size.
    A, B = tr["user_feature_map"][()], tr["item_feature_map"][()]
    ru = (uf - X @ A.T).std()
    ri = (itf - Y @ B.T).std()
    check(abs(ru - tr.attrs["user_feature_noise"]) < 0.05, f"user feature residual std {ru}")
    check(abs(ri - tr.attrs["item_feature_noise"]) < 0.05, f"item feature residual std {ri}")

    lu, lv = f["labels/user"][()], f["labels/value"][()]
    check(len(lu) == len(lv) and np.all(np.diff(lu) > 0) and lu.min() >= 0 and lu.max() < U, "/labels/user")
    check(set(np.unique(lv)) <= {0, 1}, "/labels/value not 0/1")
    frac = float(opts["labelled"])
    check(abs(len(lu) - frac * U) < 5 * np.sqrt(U * frac * (1 - frac)) + 1, f"{len(lu)} labelled users, expected ~{frac * U}")
    # Positives follow the planted logistic model: observed rate within 5 sd of its mean.
    logit = tr.attrs["label_intercept"] + X[lu] @ tr["label_weights_latent"][()] + uf[lu] @ tr["label_weights_features"][()]
    p = 1 / (1 + np.exp(-logit))
    check(np.allclose(tr["label_probability"][()], p, atol=1e-5), "truth label_probability differs from the logistic model")
    check(abs(lv.sum() - p.sum()) < 5 * np.sqrt((p * (1 - p)).sum()) + 1, f"{lv.sum()} positives, model expects {p.sum():.1f}")
    # Campaign truth: exactly the items of the domains train builds audiences for, p0 ~ U(0.02, 0.2),
    # delta ~ U(0, 0.1) (means within 5 sd).
    c = tr["campaign"]
    names = [text(n) for n in f["items/domain"].attrs["names"]]
    gated = [d for d, n in enumerate(names) if n in ("finance", "insurance")]
    want = np.flatnonzero(np.isin(f["items/domain"][()], gated))
    ci, p0, delta = c["item"][()], c["control_rate"][()], c["uplift"][()]
    check(c["item"].dtype == np.int32 and p0.dtype == np.float64 and delta.dtype == np.float64, "/truth/campaign dtypes")
    check(np.array_equal(ci, want), f"/truth/campaign/item: {len(ci)} items, the {len(want)} finance and insurance items")
    check(p0.min() >= 0.02 and p0.max() < 0.2 and delta.min() >= 0 and delta.max() < 0.1, "/truth/campaign ranges")
    n = max(len(ci), 1)
    check(abs(p0.mean() - 0.11) < 5 * 0.18 / np.sqrt(12 * n) and abs(delta.mean() - 0.05) < 5 * 0.1 / np.sqrt(12 * n),
          f"/truth/campaign means {p0.mean():.3f}, {delta.mean():.3f}")
    print(f"layout: {path}: {R} ratings, {T} test, {U} users, {I} items, {len(lu)} labels: all checks passed")


def planted(path):
    f = h5py.File(path, "r")
    tr = f["truth"]
    check(tr.attrs["noise"] == 0, "file was not generated with --noise 0")
    X, Y = tr["user_factors"][()].astype(np.float64), tr["item_factors"][()].astype(np.float64)
    b, c = tr["user_bias"][()].astype(np.float64), tr["item_bias"][()].astype(np.float64)
    mu = tr.attrs["global_mean"]
    for g in ("ratings", "test"):
        if g not in f:
            continue
        u, i, v = f[g]["user"][()], f[g]["item"][()], f[g]["value"][()]
        expect = mu + b[u] + c[i] + np.einsum("nk,nk->n", X[u], Y[i])
        err = np.abs(v - expect).max()
        check(err < 1e-4, f"/{g}/value differs from mu + b_u + c_i + x.y by up to {err}")
        check(len(np.unique(v)) > len(v) // 2, f"/{g}/value looks rounded")
    print(f"planted: values equal the planted model (mu = {mu})")


def implicit(path):
    f = h5py.File(path, "r")
    check(text(f["ratings"].attrs["feedback"]) == "implicit", "feedback attribute")
    u, i, v = f["ratings/user"][()], f["ratings/item"][()], f["ratings/value"][()]
    check(v.min() >= 1 and np.all(v == np.round(v)), "implicit values are not positive counts")
    X, Y = f["truth/user_factors"][()], f["truth/item_factors"][()]
    chosen = np.einsum("nk,nk->n", X[u], Y[i]).mean()
    rng = np.random.default_rng(0)
    ru, ri = rng.integers(0, len(X), 100000), rng.integers(0, len(Y), 100000)
    random = np.einsum("nk,nk->n", X[ru], Y[ri]).mean()
    check(chosen > random + 0.2, f"mean affinity of chosen items {chosen:.3f} vs random pairs {random:.3f}")
    print(f"implicit: chosen affinity {chosen:.3f} > random {random:.3f}")


def inspect(path, report_path):
    rep = open(report_path).read()

    def field(key):
        m = re.search(rf"^{re.escape(key)}: (.*)$", rep, re.M)
        check(m is not None, f"inspect printed no '{key}:' line")
        return m.group(1)

    f = h5py.File(path, "r")
    U, I = int(f["ratings"].attrs["n_users"]), int(f["ratings"].attrs["n_items"])
    u, i, v = f["ratings/user"][()], f["ratings/item"][()], f["ratings/value"][()]
    T = len(f["test/user"]) if "test" in f else 0
    expect = {"users": U, "items": I, "ratings": len(u), "test ratings": T,
              "users with ratings": len(np.unique(u)), "items with ratings": len(np.unique(i))}
    for k, want in expect.items():
        check(int(field(k)) == want, f"inspect '{k}: {field(k)}', numpy {want}")
    dens = float(field("density").rstrip("%"))
    check(abs(dens - 100 * len(u) / (U * I)) < 1e-4, f"density {dens}")
    names = [text(x) for x in f["items/domain"].attrs["names"]]
    dom = f["items/domain"][()]
    check(int(field("domains")) == len(names), "domain count")
    for d, name in enumerate(names):
        m = re.search(rf"^  domain {re.escape(name)}: items (\d+), interactions (\d+)$", rep, re.M)
        check(m is not None, f"no line for domain {name}")
        check(int(m.group(1)) == (dom == d).sum(), f"items of {name}")
        check(int(m.group(2)) == (dom[i] == d).sum(), f"interactions of {name}")
    if text(f["ratings"].attrs["feedback"]) == "explicit":
        for s in range(1, 6):
            m = re.search(rf"^  star {s}: (\d+) ", rep, re.M)
            check(m is not None and int(m.group(1)) == (np.round(v) == s).sum(), f"star {s} count")
    else:
        srt = np.sort(v)
        for q in (0, 0.25, 0.5, 0.75, 0.9, 0.99, 1):
            k = min(max(1, int(np.ceil(q * len(srt)))), len(srt))
            m = re.search(rf"^  q{q:g}: (\S+)$", rep, re.M)
            check(m is not None and float(m.group(1)) == srt[k - 1], f"quantile {q}: {m and m.group(1)} vs {srt[k - 1]}")
    lv = f["labels/value"][()]
    m = re.search(r"^labels: (\d+) users, (\d+) positive", rep, re.M)
    check(m is not None and int(m.group(1)) == len(lv) and int(m.group(2)) == lv.sum(), "labels line")
    check(field("truth").startswith("present"), "truth line")
    print("inspect: every count matches numpy")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "same":
        same(args)
    elif cmd == "layout":
        layout(args[0], dict(a.split("=", 1) for a in args[1:]))
    elif cmd == "planted":
        planted(args[0])
    elif cmd == "implicit":
        implicit(args[0])
    elif cmd == "inspect":
        inspect(args[0], args[1])
    else:
        fail(f"unknown check {cmd}")
