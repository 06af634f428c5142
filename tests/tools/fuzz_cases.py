#!/usr/bin/python3
"""Malformed inputs, checkpoints, options, paths and signals for crossmf, each derived from a valid
one with one thing broken, for tests/tools/fuzz_run.py (tests/cli/fuzz_test.sh, and
tests/cli/robust_examples_test.sh for the examples of issue 17).

usage:
  fuzz_cases.py train-args                prints TRAIN, the options of every train case
  fuzz_cases.py base DATA                 writes the valid inputs into DATA
  fuzz_cases.py cases DATA OUT.json [--examples]
      writes the malformed files into DATA/cases and the cases into OUT.json. Needs, made by crossmf
      from DATA/base.h5 with the options TRAIN below: DATA/prev.h5 (an output) and DATA/ck_als.h5,
      DATA/ck_sgd.h5 and DATA/ck_bmf.h5 (checkpoints, with --algorithm als, sgd and bmf). --examples: the examples of
      issue 17, one named case each, instead of one case per class and dataset.

A case (one JSON object):
  name, class, target   what is broken, and where (a dataset, an option, a path, a signal)
  args                  crossmf's arguments; {data} stands for DATA, {case} for the case's own folder
                        (made by the runner, holding out.h5, a copy of DATA/prev.h5)
  code                  the exit code every rank must give (CONTRACT.md); null: not crossmf's to choose
  pattern               a regex the one "crossmf: error:" line must match (it names the dataset,
                        option or file; fix_verb below must also appear)
  setup                 files to make in the case's folder first: [op, ...] with op in copy,
                        symlink, hardlink, mkdir, mkfifo, write, stale
  signal                {"sig", "to": "mpirun" | "ranks", "after": a regex of rank 0's log, "twice"}
  written               files of the case's folder the run may create or change
  np                    ranks (1, 2 or 3)
  env                   environment variables to set
  gone                  files the run must remove
  expect_ids            {dataset: ids} the output must hold exactly
  then                  arguments of a second run afterwards, which must succeed (and leave no
                        temporary file, even when the first could not help leaving one)
"""
import json
import os
import shutil
import sys

import h5py
import numpy as np

# Options every train case uses (small and fast); checkpoints ck_*.h5 are made with TRAIN too.
TRAIN = ["--factors", "4", "--iterations", "3", "--threads", "1", "--patience", "0", "--seed", "42"]
N_USERS, N_ITEMS = 60, 40
EARLY = 1  # a row read by rank 0


def late(n):
    return n - 2  # a row read by the last rank


# What every message must hold besides what it names: a way to fix it.
FIX_VERB = (r"(fix|give|drop|remove|store|impute|keep|rename|leave|use|lower|raise|choose|point|add|merge|"
            r"quote|check|create|run again|resume|see 'crossmf|send|set|split|convert|copy|combine|write|replace)")


# ---------------------------------------------------------------------------------------------
# Valid inputs.

def ratings_pairs(rng, n_users, n_items, per_row=6, extra=0):
    """Unique (user, item) pairs: every user and item at least per_row times, plus `extra` more."""
    u = np.concatenate([np.repeat(np.arange(n_users), per_row),
                        np.concatenate([rng.choice(n_users, per_row, replace=False) for _ in range(n_items)]),
                        rng.integers(0, n_users, extra)])
    i = np.concatenate([np.concatenate([rng.choice(n_items, per_row, replace=False) for _ in range(n_users)]),
                        np.repeat(np.arange(n_items), per_row), rng.integers(0, n_items, extra)])
    key = np.unique(u.astype(np.int64) * n_items + i)
    key = key[rng.permutation(len(key))]  # file order is not sorted
    return (key // n_items).astype(np.int32), (key % n_items).astype(np.int32)


def write_input(path, n_users=N_USERS, n_items=N_ITEMS, implicit=False, seed=1, extra=0, string_item_ids=True,
                side=True):
    rng = np.random.default_rng(seed)
    u, i = ratings_pairs(rng, n_users, n_items, extra=extra)
    v = rng.integers(1, 10 if implicit else 6, len(u)).astype(np.float32)
    t = 1_600_000_000 + rng.integers(0, 10_000_000, len(u)).astype(np.int64)
    held = np.zeros(len(u), bool)
    held[rng.permutation(len(u))[: len(u) // 10]] = True
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "crossmf-input"
        f.attrs["format_version"] = 1
        g = f.create_group("ratings")
        g.attrs.update(n_users=n_users, n_items=n_items, feedback="implicit" if implicit else "explicit")
        for name, col in (("user", u), ("item", i), ("value", v), ("time", t)):
            g[name] = col[~held]
            f["test/" + name] = col[held]
        if not side:
            return
        f["items/domain"] = (np.arange(n_items) % 3).astype(np.int32)
        f["items/domain"].attrs["names"] = ["content", "finance", "insurance"]
        f["items/features"] = rng.normal(0, 1, (n_items, 2)).astype(np.float32)
        f["items/features"].attrs["names"] = ["price_band", "term"]
        f["users/features"] = rng.normal(0, 1, (n_users, 3)).astype(np.float32)
        f["users/features"].attrs["names"] = ["minutes", "purchases", "tenure"]
        f["users/id"] = 1_000_000 + 3 * np.arange(n_users, dtype=np.int64)
        if string_item_ids:
            f["items/id"] = np.array([b"item-%03d" % k for k in range(n_items)], dtype="S12")
        else:
            f["items/id"] = 500 + np.arange(n_items, dtype=np.int64)
        labelled = np.sort(rng.choice(n_users, n_users // 2, replace=False)).astype(np.int32)
        f["labels/user"] = labelled
        f["labels/value"] = (rng.random(len(labelled)) < 0.4).astype(np.int8)


def write_base(data):
    os.makedirs(data, exist_ok=True)
    write_input(f"{data}/base.h5")
    write_input(f"{data}/implicit.h5", implicit=True, seed=2)
    # Long enough to be signalled while training (300 iterations of ALS take a few seconds) and
    # while scoring (50,000 users and items: scoring outlasts mpirun's second before it passes a signal on).
    write_input(f"{data}/mid.h5", n_users=3000, n_items=600, seed=3, extra=40000)
    write_input(f"{data}/wide.h5", n_users=50000, n_items=50000, seed=5)


# ---------------------------------------------------------------------------------------------
# Editing copies.

class Cases:
    def __init__(self, data):
        self.data = data
        self.dir = os.path.join(data, "cases")
        os.makedirs(self.dir, exist_ok=True)
        self.cases = []
        self.names = set()

    def add(self, name, cls, target, args, code, pattern="", setup=None, signal=None, written=None, np_=None, env=None,
            gone=None, then=None, expect_ids=None):
        assert name not in self.names, name
        self.names.add(name)
        self.cases.append({"name": name, "class": cls, "target": target, "args": args, "code": code,
                           "pattern": pattern, "setup": setup or [], "signal": signal, "written": written or [],
                           "np": np_, "env": env or {}, "gone": gone or [], "then": then,
                           "expect_ids": expect_ids or {}})

    def variant(self, name, edit, base="base.h5"):
        """A copy of DATA/base with edit(f) applied through h5py; returns its path in {data} form."""
        path = os.path.join(self.dir, name + ".h5")
        shutil.copyfile(os.path.join(self.data, base), path)
        with h5py.File(path, "r+") as f:
            edit(f)
        return "{data}/cases/" + name + ".h5"

    def train(self, name, cls, target, edit, code, pattern, extra=(), base="base.h5", also_inspect=False):
        """A train case on a broken copy of an input (and, when asked, the same file through inspect)."""
        path = self.variant(name, edit, base)
        self.add(name, cls, target, ["train", "--input", path, "--output", "{case}/out.h5", *with_options(TRAIN, extra)],
                 code, pattern)
        if also_inspect:
            self.add("inspect_" + name, "inspect " + cls, target, ["inspect", path], code, pattern)


def with_options(base, extra):
    """`base` options with those of `extra` put in or replaced."""
    out, extra = list(base), list(extra)
    for k in range(0, len(extra), 2):
        if extra[k] in out:
            at = out.index(extra[k])
            del out[at:at + 2]
    return out + extra


def replace(f, name, data):
    """Rewrites dataset `name` with new contents (another type, shape or length)."""
    attrs = dict(f[name].attrs) if name in f else {}
    del f[name]
    f[name] = data
    for k, v in attrs.items():
        f[name].attrs[k] = v


def set_row(name, row, value, dtype=None):
    def edit(f):
        col = f[name][()]
        if dtype is not None:
            col = col.astype(dtype)
        col[row if row >= 0 else len(col) + row] = value
        replace(f, name, col)
    return edit


def esc(text):
    return text.replace("/", r"\/").replace(".", r"\.").replace("[", r"\[").replace("(", r"\(")


# ---------------------------------------------------------------------------------------------
# Classes of malformed inputs, one case per class and dataset.

INDEX_COLUMNS = {"/ratings/user": N_USERS, "/ratings/item": N_ITEMS, "/test/user": N_USERS, "/test/item": N_ITEMS,
                 "/labels/user": N_USERS}
VALUE_COLUMNS = ["/ratings/value", "/test/value"]
TIME_COLUMNS = ["/ratings/time", "/test/time"]
COLUMNS = list(INDEX_COLUMNS) + VALUE_COLUMNS + TIME_COLUMNS + ["/labels/value", "/items/domain"]
MATRICES = {"/users/features": N_USERS, "/items/features": N_ITEMS}
IDS = {"/users/id": N_USERS, "/items/id": N_ITEMS}


# Datasets whose broken copies also go through inspect (it runs the same checks of metadata).
INSPECTED = {"/ratings/user", "/labels/user", "/labels/value", "/users/features"}


def input_cases(c):
    # Indices out of range, judged on the full 64-bit value; early and late rows (rank 0, last rank).
    for ds, n in INDEX_COLUMNS.items():
        k = ds.strip("/").replace("/", "_")
        variants = [("minus1_early", EARLY, -1, None), ("n_late", -2, n, None), ("2pow32_late", -2, 2**32 + 1, np.int64)]
        if ds in ("/ratings/user", "/labels/user"):
            variants += [("minus2pow40_early", EARLY, -2**40, np.int64), ("uint64max_late", -2, 2**64 - 1, np.uint64)]
        for tag, row, value, dtype in variants:
            c.train(f"index_{k}_{tag}", "index out of range", ds, set_row(ds, row, value, dtype), 3,
                    esc(ds) + r" row \d+: \w+ -?\d+ is outside \[0, n_\w+=\d+\)")
    # Values: finite, and positive for implicit feedback.
    for ds in VALUE_COLUMNS:
        k = ds.strip("/").replace("/", "_")
        variants = [("nan_early", EARLY, np.nan, None), ("inf_late", -2, np.inf, None)]
        if ds == "/ratings/value":
            variants += [("neginf_early", EARLY, -np.inf, None), ("huge64_late", -2, 1e300, np.float64)]
        for tag, row, value, dtype in variants:
            c.train(f"value_{k}_{tag}", "value not finite", ds, set_row(ds, row, value, dtype), 3,
                    esc(ds) + r" row \d+: value -?(nan|inf) is not finite")
    for ds, tag, row, value in (("/ratings/value", "zero_early", EARLY, 0.0), ("/test/value", "negative_late", -2, -1.0)):
        c.train(f"implicit_{ds.strip('/').replace('/', '_')}_{tag}", "implicit value not positive", ds,
                set_row(ds, row, value), 3, esc(ds) + r" row \d+: implicit strength -?\d+ must be > 0", base="implicit.h5")
    # The feedback the run uses decides: explicit data with a zero, trained as implicit.
    c.train("implicit_by_option_zero", "implicit value not positive", "/ratings/value",
            set_row("/ratings/value", EARLY, 0.0), 3, r"/ratings/value row \d+: implicit strength 0 must be > 0",
            extra=["--feedback", "implicit"])
    # Wrong type of every column and matrix.
    for ds in COLUMNS + list(MATRICES):
        k = ds.strip("/").replace("/", "_")
        integers = ds in INDEX_COLUMNS or ds in TIME_COLUMNS or ds == "/items/domain"
        wrong = [("float", lambda col: col.astype(np.float64) + 0.5)] if integers else \
            [("string", lambda col: np.array([b"%r" % x for x in col.reshape(-1)]).reshape(col.shape))]
        if ds in ("/ratings/user", "/labels/value", "/items/domain"):
            wrong.append(("compound", lambda col: np.array([(x, x) for x in col.reshape(-1)],
                                                           dtype=[("a", col.dtype), ("b", col.dtype)]).reshape(col.shape)))
        if ds == "/labels/value":
            wrong.append(("bool", lambda col: col.astype(bool)))
        for tag, conv in wrong:
            c.train(f"dtype_{k}_{tag}", "wrong type", ds, lambda f, ds=ds, conv=conv: replace(f, ds, conv(f[ds][()])), 3,
                    "dataset " + esc(ds) + r": has the wrong type", also_inspect=ds in INSPECTED and tag != "compound")
    # Wrong shape: 2-D, a scalar, a row short.
    for ds in COLUMNS:
        k = ds.strip("/").replace("/", "_")
        c.train(f"shape_{k}_2d", "wrong shape", ds, lambda f, ds=ds: replace(f, ds, np.stack([f[ds][()]] * 2, 1)), 3,
                "dataset " + esc(ds) + r": must be 1-D", also_inspect=ds in INSPECTED)
        if ds in ("/ratings/value", "/labels/user", "/items/domain"):
            c.train(f"shape_{k}_scalar", "wrong shape", ds, lambda f, ds=ds: replace(f, ds, f[ds][0]), 3,
                    "dataset " + esc(ds) + r": must be 1-D")
        if ds in ("/ratings/user", "/test/value", "/ratings/time", "/labels/user", "/items/domain"):
            c.train(f"shape_{k}_row_short", "wrong length", ds, lambda f, ds=ds: replace(f, ds, f[ds][:-1]), 3,
                    r"(different lengths|has \d+ rows but)", also_inspect=ds == "/labels/user")
    for ds, n in MATRICES.items():
        k = ds.strip("/").replace("/", "_")
        for tag, edit, pat in (
                ("1d", lambda f, ds=ds: replace(f, ds, f[ds][:, 0]), r"has shape \[\d+\] but must be"),
                ("no_columns", lambda f, ds=ds: replace(f, ds, np.zeros((f[ds].shape[0], 0), np.float32)), "has no columns"),
                ("row_short", lambda f, ds=ds: replace(f, ds, f[ds][:-1]), r"has shape \[\d+, \d+\] but must be"),
                ("row_extra", lambda f, ds=ds: replace(f, ds, np.vstack([f[ds][()], f[ds][:1]])), r"has shape \[\d+, \d+\] but must be"),
                ("3d", lambda f, ds=ds: replace(f, ds, f[ds][()][:, :, None]), r"has shape \[\d+, \d+, 1\] but must be")):
            c.train(f"shape_{k}_{tag}", "wrong shape", ds, edit, 3, "dataset " + esc(ds) + ": " + pat,
                    also_inspect=ds in INSPECTED and tag in ("no_columns", "3d"))
        for tag, row, value in (("nan_early", EARLY, np.nan), ("inf_late", -2, np.inf)):
            def edit(f, ds=ds, row=row, value=value):
                m = f[ds][()]
                m[row if row >= 0 else len(m) + row, 1] = value
                replace(f, ds, m)
            c.train(f"finite_{k}_{tag}", "feature not finite", ds, edit, 3,
                    "dataset " + esc(ds) + r": row \d+ column 1: -?(nan|inf) is not finite")
        c.train(f"names_{k}_short", "names attribute", ds,
                lambda f, ds=ds: f[ds].attrs.__setitem__("names", list(f[ds].attrs["names"])[:-1]), 3,
                "attribute names of " + esc(ds) + r" has \d+ entries but must have", also_inspect=ds in INSPECTED)
        c.train(f"names_{k}_long", "names attribute", ds,
                lambda f, ds=ds: f[ds].attrs.__setitem__("names", list(f[ds].attrs["names"]) + ["extra"]), 3,
                "attribute names of " + esc(ds) + r" has \d+ entries but must have")
        c.train(f"names_{k}_numbers", "names attribute", ds,
                lambda f, ds=ds: f[ds].attrs.__setitem__("names", np.arange(f[ds].shape[1])), 3,
                "attribute names on " + esc(ds) + " should be strings")
    # Required parts missing; optional parts incomplete.
    for ds in ("/ratings/user", "/ratings/item", "/ratings/value", "/test/item", "/test/value"):
        k = ds.strip("/").replace("/", "_")
        c.train(f"missing_{k}", "missing dataset", ds, lambda f, ds=ds: f.__delitem__(ds), 3,
                "dataset " + esc(ds) + " is missing", also_inspect=ds == "/ratings/value")
    for ds, other in (("/labels/user", "/labels/value"), ("/labels/value", "/labels/user")):
        k = ds.strip("/").replace("/", "_")
        c.train(f"missing_{k}", "missing dataset", ds, lambda f, ds=ds: f.__delitem__(ds), 3,
                esc(other) + " is present but " + esc(ds) + " is missing", also_inspect=ds == "/labels/user")
    c.train("missing_ratings_group", "missing dataset", "/ratings", lambda f: f.__delitem__("ratings"), 3,
            "group /ratings is missing")
    c.train("group_for_dataset_ratings_value", "missing dataset", "/ratings/value",
            lambda f: (f.__delitem__("ratings/value"), f.create_group("ratings/value")), 3,
            r"/ratings/value exists but is not a dataset")
    c.train("group_for_dataset_users_features", "missing dataset", "/users/features",
            lambda f: (f.__delitem__("users/features"), f.create_group("users/features")), 3,
            r"/users/features exists but is not a dataset")
    c.train("empty_ratings", "wrong length", "/ratings",
            lambda f: [replace(f, "ratings/" + n, f["ratings/" + n][:0]) for n in ("user", "item", "value", "time")], 3,
            "/ratings is empty")
    # Attributes of /ratings and the root.
    for a in ("n_users", "n_items"):
        variants = (("zero", 0), ("negative", -5), ("2pow40", 2**40), ("float", 60.5), ("string", "sixty"),
                    ("array", np.array([60, 60])))
        for tag, value in variants if a == "n_users" else variants[::3]:
            c.train(f"attr_{a}_{tag}", "attribute", "/ratings@" + a,
                    lambda f, a=a, value=value: f["ratings"].attrs.__setitem__(a, value), 3,
                    rf"(/ratings attribute {a} = -?\d+ is out of range|attribute {a} on /ratings should be)",
                    also_inspect=tag in ("zero", "array"))
        c.train(f"attr_{a}_missing", "attribute", "/ratings@" + a, lambda f, a=a: f["ratings"].attrs.__delitem__(a), 3,
                f"attribute {a} is missing on /ratings")
    # One too small: a real index reaches past it.
    c.train("attr_n_users_below_max", "index out of range", "/ratings@n_users",
            lambda f: [f["ratings"].attrs.__setitem__("n_users", int(f["ratings/user"][()].max())),
                       f.__delitem__("users"), f.__delitem__("labels")], 3, r"user \d+ is outside \[0, n_users=")
    for tag, value in (("bogus", "bogus"), ("number", 1)):
        c.train(f"attr_feedback_{tag}", "attribute", "/ratings@feedback",
                lambda f, value=value: f["ratings"].attrs.__setitem__("feedback", value), 3,
                r"(/ratings attribute feedback = 'bogus'|attribute feedback on /ratings should be a string)")
    for tag, a, value, pat in (("format_output", "format", "crossmf-output", "format is 'crossmf-output', not an input"),
                               ("version_99", "format_version", 99, "input format_version 99 is newer"),
                               ("version_0", "format_version", 0, "input format_version 0 is not a version"),
                               ("version_string", "format_version", "one", "attribute format_version on / should be")):
        c.train(f"root_{tag}", "attribute", "/@" + a, lambda f, a=a, value=value: f.attrs.__setitem__(a, value), 3, pat)
    # Domains: values beyond the names, all none, and names unusable as HDF5 path components.
    for tag, row, value, dtype in (("beyond_names_late", -2, 3, None), ("minus2_early", EARLY, -2, None),
                                   ("2pow32_late", -2, 2**32, np.int64)):
        c.train(f"domain_{tag}", "domain value", "/items/domain", set_row("/items/domain", row, value, dtype), 3,
                r"/items/domain row \d+: domain -?\d+ has no name")
    c.train("domain_all_none", "domain value", "/items/domain",
            lambda f: replace(f, "items/domain", np.full(N_ITEMS, -1, np.int32)), 3,
            "/items/domain: no item has a domain")
    for tag, name in (("empty", ""), ("slash", "fin/ance"), ("dot", "."), ("dotdot", ".."), ("all", "all"),
                      ("fallback", "fallback"), ("gated", "gated"), ("newline", "fin\nance"), ("twice", "content")):
        c.train(f"domain_name_{tag}", "domain names", "/items/domain@names",
                lambda f, name=name: f["items/domain"].attrs.__setitem__("names", ["content", "finance", name]), 3,
                "dataset /items/domain: attribute names" + ("(: domain 2 cannot be a domain name| holds 'content' twice)"),
                also_inspect=tag == "slash")
    c.train("domain_names_missing", "domain names", "/items/domain@names",
            lambda f: f["items/domain"].attrs.__delitem__("names"), 3, "dataset /items/domain: has no attribute 'names'")
    c.train("domain_names_empty", "domain names", "/items/domain@names",
            lambda f: f["items/domain"].attrs.__setitem__("names", np.array([], dtype=h5py.string_dtype())), 3,
            "attribute names is empty")
    # Labels: 0/1 only, one per user.
    for tag, row, value in (("two_early", EARLY, 2), ("minus1_late", -2, -1), ("half_early", EARLY, 0.5),
                            ("nan_late", -2, np.nan), ("inf_early", EARLY, np.inf)):
        c.train(f"labels_value_{tag}", "label not 0/1", "/labels/value",
                set_row("/labels/value", row, value, None if tag in ("two_early", "minus1_late") else np.float32), 3,
                r"/labels/value row \d+: -?(\d|nan|inf|0\.5)\w* must be 0 or 1")
    def labels_twice(f):
        u = f["labels/user"][()]
        u[-2] = u[EARLY]
        replace(f, "labels/user", u)
    c.train("labels_user_twice", "duplicate", "/labels/user", labels_twice, 3,
            r"/labels/user rows \d+ and \d+ both label user \d+")
    # External ids: integers or strings, one per row, unique.
    for ds, n in IDS.items():
        k = ds.strip("/").replace("/", "_")
        c.train(f"ids_{k}_float", "ids", ds, lambda f, ds=ds: replace(f, ds, np.arange(f[ds].shape[0], dtype=np.float64)), 3,
                "dataset " + esc(ds) + r": has the wrong type \(float64\): store ids as integers", also_inspect=False)
        c.train(f"ids_{k}_compound", "ids", ds, lambda f, ds=ds: replace(
            f, ds, np.array([(k, k) for k in range(f[ds].shape[0])], dtype=[("a", "i8"), ("b", "i8")])), 3,
            "dataset " + esc(ds) + ": has the wrong type")
        c.train(f"ids_{k}_2d", "ids", ds, lambda f, ds=ds: replace(f, ds, np.stack([f[ds][()]] * 2, 1)), 3,
                "dataset " + esc(ds) + ": must be 1-D")
        c.train(f"ids_{k}_row_short", "ids", ds, lambda f, ds=ds: replace(f, ds, f[ds][:-1]), 3,
                "dataset " + esc(ds) + r": has \d+ rows but n_\w+ is")
        c.train(f"ids_{k}_row_extra", "ids", ds, lambda f, ds=ds: replace(f, ds, np.concatenate([f[ds][()], f[ds][:1]])), 3,
                "dataset " + esc(ds) + r": has \d+ rows but n_\w+ is")
        c.train(f"ids_{k}_int_twice", "duplicate", ds, lambda f, ds=ds, n=n: replace(
            f, ds, np.concatenate([[7, 8], np.arange(n - 3) + 100, [7]]).astype(np.int64)), 3,
            "dataset " + esc(ds) + r": rows 0 and \d+ hold the same id 7")
        c.train(f"ids_{k}_wide_twice", "duplicate", ds, lambda f, ds=ds, n=n: replace(
            f, ds, np.concatenate([[2**40 + 5], np.arange(n - 2) + 100, [2**40 + 5]]).astype(np.int64)), 3,
            "dataset " + esc(ds) + r": rows 0 and \d+ hold the same id 1099511627781")
        c.train(f"ids_{k}_string_twice", "duplicate", ds, lambda f, ds=ds, n=n: replace(
            f, ds, np.array([b"id-%d" % (k % (n - 1)) for k in range(n)], dtype="S8")), 3,
            "dataset " + esc(ds) + r": rows 0 and \d+ hold the same id 'id-0'")
        c.train(f"ids_{k}_vlen_twice", "duplicate", ds, lambda f, ds=ds, n=n: replace(
            f, ds, np.array(["x%d" % (k // 2) for k in range(n)], dtype=h5py.string_dtype())), 3,
            "dataset " + esc(ds) + r": rows 0 and 1 hold the same id 'x0'")
        c.train(f"ids_{k}_empty_string", "ids", ds, lambda f, ds=ds, n=n: replace(
            f, ds, np.array([b"id-%d" % k if k != n - 2 else b"" for k in range(n)], dtype="S8")), 3,
            "dataset " + esc(ds) + r": row \d+ is an empty string")
    # Combinations an input cannot serve.
    c.train("split_time_without_time", "option against input", "--split time",
            lambda f: f.__delitem__("ratings/time") or f.__delitem__("test"), 2,
            r"--split time holds out each user's latest ratings, but .* has no /ratings/time", extra=["--split", "time"])
    c.train("factors_too_many_names", "output capacity", "--factors", lambda f: None, 2,
            r"--factors 4096 with 3 user features: the output's /risk/coefficients attribute feature_names",
            extra=["--factors", "4096"])


def control_cases(c):
    """Valid inputs that must train: validation must not refuse them."""
    def ok(name, target, edit, extra=(), base="base.h5", **checks):
        path = c.variant(name, edit, base)
        c.add(name, "valid", target, ["train", "--input", path, "--output", "{case}/out.h5", *TRAIN, *extra], 0,
              written=["out.h5"], **checks)
    ok("valid_base", "everything", lambda f: None)
    ok("valid_implicit", "implicit", lambda f: None, base="implicit.h5")
    ok("valid_wide_unique_ids", "/users/id", lambda f: replace(f, "users/id", 2**40 + np.arange(N_USERS, dtype=np.int64)))
    ok("valid_uint64_ids", "/items/id", lambda f: replace(f, "items/id", 2**64 - 1 - np.arange(N_ITEMS, dtype=np.uint64)))
    # Variable-length string ids, which parallel HDF5 cannot write, reach the output fixed-length.
    ok("valid_vlen_ids", "/items/id", lambda f: replace(f, "items/id", np.array(["it%d" % k for k in range(N_ITEMS)],
                                                                               dtype=h5py.string_dtype())),
       expect_ids={"/items/id": ["it%d" % k for k in range(N_ITEMS)]})
    ok("valid_int16_indices", "/ratings/user", lambda f: replace(f, "ratings/user", f["ratings/user"][()].astype(np.int16)))
    ok("valid_domain_without_items", "/items/domain",
       lambda f: replace(f, "items/domain", (np.arange(N_ITEMS) % 2).astype(np.int32)))  # no insurance item
    ok("valid_some_items_without_domain", "/items/domain", set_row("/items/domain", EARLY, -1))
    ok("valid_no_side_tables", "/", lambda f: [f.__delitem__(g) for g in ("items", "users", "labels")])
    ok("valid_empty_labels", "/labels",
       lambda f: [replace(f, "labels/" + n, f["labels/" + n][:0]) for n in ("user", "value")])
    ok("valid_features_without_names", "/users/features", lambda f: f["users/features"].attrs.__delitem__("names"))
    ok("valid_split_time", "--split time", lambda f: f.__delitem__("test"), extra=["--split", "time"])


# ---------------------------------------------------------------------------------------------
# Checkpoints: copies of real ones with one thing broken; a resume must refuse them before any work.

def checkpoint_cases(c):
    def resume(name, cls, target, edit, code, pattern, source="ck_als.h5", algorithm="als"):
        path = os.path.join(c.dir, name + ".ck.h5")
        shutil.copyfile(os.path.join(c.data, source), path)
        if edit is not None:
            if isinstance(edit, bytes):
                open(path, "wb").write(edit)
            else:
                with h5py.File(path, "r+") as f:
                    edit(f)
        c.add(name, cls, target, ["train", "--input", "{data}/base.h5", "--output", "{case}/out.h5", *TRAIN,
                                  "--algorithm", algorithm, "--checkpoint", "{case}/ck.h5", "--resume"], code,
              pattern, setup=[["copy", "{data}/cases/" + name + ".ck.h5", "{case}/ck.h5"]])
    damaged = r"--checkpoint .*ck\.h5: {}.*the checkpoint is damaged: remove it"
    for a, value in (("iteration", -1), ("iteration", 0), ("iteration", 10**9), ("iteration", 2.5), ("since_best", -3),
                     ("best", np.nan), ("best", np.inf), ("first_loss", np.inf), ("spent", np.nan), ("global_mean", np.nan),
                     ("width", 3), ("width", 6)):
        tag = f"{a}_{value}".replace(".", "p").replace("-", "minus")
        pat = (r"attribute iteration on / should be an integer" if a == "iteration" and isinstance(value, float)
               else damaged.format("first_loss = ") if a in ("first_loss", "spent", "global_mean")
               else damaged.format(esc(a)))
        resume(f"ck_attr_{tag}", "checkpoint attribute", "checkpoint@" + a,
               lambda f, a=a, value=value: f.attrs.__setitem__(a, value), 3, pat)
    for a in ("iteration", "width", "options", "input_fingerprint", "global_mean"):
        resume(f"ck_attr_{a}_missing", "checkpoint attribute", "checkpoint@" + a,
               lambda f, a=a: f.attrs.__delitem__(a), 3, damaged.format("root attribute " + a + " is missing"))
    for ds in ("/users", "/items"):
        k = ds.strip("/")
        for tag, edit in (("row_short", lambda f, ds=ds: replace(f, ds, f[ds][:-1])),
                          ("row_extra", lambda f, ds=ds: replace(f, ds, np.vstack([f[ds][()], f[ds][:1]]))),
                          ("column_extra", lambda f, ds=ds: replace(f, ds, np.hstack([f[ds][()], f[ds][:, :1]]))),
                          ("1d", lambda f, ds=ds: replace(f, ds, f[ds][:, 0])),
                          ("strings", lambda f, ds=ds: replace(f, ds, np.array([b"x"] * f[ds].shape[0]))),
                          ("missing", lambda f, ds=ds: f.__delitem__(ds))):
            resume(f"ck_{k}_{tag}", "checkpoint shape", ds, edit, 3, damaged.format("dataset " + esc(ds)))
        for tag, row, value in (("nan_early", EARLY, np.nan), ("inf_late", -2, np.inf)):
            def edit(f, ds=ds, row=row, value=value):
                m = f[ds][()]
                m[row if row >= 0 else len(m) + row, 0] = value
                replace(f, ds, m)
            resume(f"ck_{k}_{tag}", "checkpoint values", ds, edit, 3, damaged.format("dataset " + esc(ds) + r" row \d+ column 0"))
    for ds in ("/user_state", "/item_state"):
        k = ds.strip("/")
        resume(f"ck_sgd_{k}_missing", "checkpoint shape", ds, lambda f, ds=ds: f.__delitem__(ds), 3,
               damaged.format(r"datasets /user_state and /item_state"), source="ck_sgd.h5", algorithm="sgd")
        resume(f"ck_sgd_{k}_negative", "checkpoint values", ds, set_row(ds, -2, -1.0), 3,
               damaged.format("dataset " + esc(ds) + r" row \d+: -1 is negative"), source="ck_sgd.h5", algorithm="sgd")
        resume(f"ck_sgd_{k}_row_short", "checkpoint shape", ds, lambda f, ds=ds: replace(f, ds, f[ds][:-1]), 3,
               damaged.format("dataset " + esc(ds)), source="ck_sgd.h5", algorithm="sgd")
    # BMF's chain: rows of the factor width.
    for ds in ("/user_state", "/item_state"):
        k = ds.strip("/")
        resume(f"ck_bmf_{k}_missing", "checkpoint shape", ds, lambda f, ds=ds: f.__delitem__(ds), 3,
               damaged.format(r"datasets /user_state and /item_state"), source="ck_bmf.h5", algorithm="bmf")
        resume(f"ck_bmf_{k}_1d", "checkpoint shape", ds, lambda f, ds=ds: replace(f, ds, f[ds][:, 0]), 3,
               damaged.format("dataset " + esc(ds)), source="ck_bmf.h5", algorithm="bmf")
        resume(f"ck_bmf_{k}_nan", "checkpoint values", ds, set_row(ds, -2, np.nan), 3,
               damaged.format("dataset " + esc(ds) + r" row \d+.* is not finite"), source="ck_bmf.h5", algorithm="bmf")
    resume("ck_history_length", "checkpoint history", "/history", lambda f: replace(f, "history/loss", f["history/loss"][:-1]),
           3, damaged.format("dataset /history/loss"))
    resume("ck_history_columns_missing", "checkpoint history", "/history",
           lambda f: f["history"].attrs.__delitem__("columns"), 3, damaged.format("/history or its attribute columns"))
    resume("ck_history_column_twice", "checkpoint history", "/history",
           lambda f: f["history"].attrs.__setitem__("columns", ["loss", "loss"]), 3, damaged.format("/history attribute columns holds 'loss'"))
    resume("ck_history_column_absent", "checkpoint history", "/history",
           lambda f: f["history"].attrs.__setitem__("columns", ["loss", "nothere"]), 3, damaged.format("dataset /history/nothere is missing"))
    # Not this run's checkpoint: refused as a usage error naming what differs.
    resume("ck_other_options", "checkpoint identity", "checkpoint@options",
           lambda f: f.attrs.__setitem__("options", f.attrs["options"].replace("seed = 42", "seed = 7")), 2,
           r"--resume: checkpoint .* was written with other options: seed = 7 in the checkpoint, 42 now")
    resume("ck_other_input", "checkpoint identity", "checkpoint@input_fingerprint",
           lambda f: f.attrs.__setitem__("input_fingerprint", "n_users=1"), 2, r"was written for other input data")
    resume("ck_newer_version", "checkpoint identity", "checkpoint@format_version",
           lambda f: f.attrs.__setitem__("format_version", 2), 2, r"format_version 2 is newer than this crossmf reads")
    resume("ck_an_output", "checkpoint identity", "checkpoint@format", None, 2,
           r"--checkpoint .*ck\.h5 exists and is a crossmf-output file, not a checkpoint", source="prev.h5")
    resume("ck_not_hdf5", "checkpoint identity", "checkpoint", b"not a checkpoint\n", 2,
           r"--checkpoint .*ck\.h5 exists and is not an HDF5 file")
    with open(os.path.join(c.data, "ck_als.h5"), "rb") as f:
        whole = f.read()
    resume("ck_truncated", "checkpoint shape", "checkpoint", whole[: len(whole) // 2], 3,
           r"--checkpoint .*ck\.h5 exists but cannot be read \(.*truncated.*the checkpoint is damaged: remove it")


# ---------------------------------------------------------------------------------------------
# Options of every subcommand: each bad value refused with exit 2 naming the option.

BAD_NUMBER = ["abc", ""]
OPTIONS = {
    "generate": {
        "output": [""], "users": ["0", "3000000000"], "items": ["2147483648", "x"], "ratings": ["-5", "1e3"],
        "events": ["{case}/events.csv", "{case}"],  # explicit feedback (the base's); a folder
        "test-ratings": ["-1"], "true-factors": ["0", "1025"], "feedback": ["bogus"], "noise": ["nan", "-0.1"],
        "popularity": ["4"], "domains": ["", "a,a", "fin/ance", "all"], "domain-shares": ["1,-1,0", "0,0,0", "1,1"],
        "user-features": ["-1"], "item-features": ["2000"], "labelled": ["1.5", "nan"], "stars": ["maybe"],
        "compress": ["2"], "seed": ["-1", "18446744073709551616"], "log-level": ["loud"],
    },
    "import": {
        "ratings": [""], "events": [], "event-weights": ["view", "view=-1"], "half-life": ["0", "nan"],
        "as-of": ["soon"], "test": [], "items": [], "users": [], "labels": [], "output": [""],
        "delimiter": ["|"], "header": ["maybe"], "feedback": ["bogus"], "duplicates": ["first"],
        "strict": ["maybe"], "show-bad": ["-1", "2000000"], "sort-rows": ["0", "2000000000"], "log-level": ["x"],
    },
    "train": {
        "input": [""], "output": [""], "algorithm": ["foo"], "feedback": ["both"], "factors": ["0", "4097", "1e3", ""],
        "iterations": ["0", "99999999999"], "burn-in": ["-2", "99999999"], "noise-precision": ["-0.5", "nan"], "rated-prior": ["all"],
        "rated-steps": ["0", "1001"], "lambda": ["-2", "nan", "AUTO"],
        "lambda-exponent": ["2.5", "nan"], "bias-lambda": ["-0.5", "inf"], "alpha": ["0", "inf", "auto5"], "confidence": ["square"],
        "epsilon": ["0", "nan"], "solver": ["lu"], "cg-steps": ["1001"], "biases": ["maybe"],
        "learning-rate": ["10", "nan"], "sync-every": ["0"], "sgd-sync": ["sum"], "implicit-loss": ["mse"],
        "negatives": ["1001"], "test-fraction": ["0.95", "nan"], "split": ["user"], "patience": ["-1"],
        "eval-users": ["-1"], "seed": ["-1", "x"], "top-n": ["0", "1000000000"], "segments": ["10001"],
        "risk-threshold": ["1.5"], "gating": ["hide"], "audience-size": ["2000000000"], "control-fraction": ["1"],
        "max-offers-per-user": ["-1", "many"],
        "init-from": [], "checkpoint": [], "checkpoint-every": ["-1"], "resume": ["maybe"], "threads": ["100000", "-1"],
        "log-level": ["verbose"],
    },
    "inspect": {"file": [""], "log-level": ["x"]},
    "score": {"model": [""], "input": [""], "output": [""], "users": [], "factors": ["0", "4097", "x"],
              "threads": ["-1", "100000"],
              "log-level": ["x"]},
    "lift": {"audiences": [""], "outcomes": [""], "output": [""], "csv": [], "delimiter": ["|"], "header": ["maybe"],
             "log-level": ["x"]},
}
# A valid command line of each subcommand, to which one bad option is added.
BASE_ARGS = {
    "generate": ["generate", "--output", "{case}/out.h5", "--users", "50", "--items", "30", "--ratings", "400"],
    "import": ["import", "--ratings", "{data}/ratings.csv", "--output", "{case}/out.h5"],
    "train": ["train", "--input", "{data}/base.h5", "--output", "{case}/out.h5", *TRAIN],
    "inspect": ["inspect", "{data}/base.h5"],
    "score": ["score", "--model", "{data}/prev.h5", "--input", "{data}/base.h5", "--output", "{case}/out.h5"],
    "lift": ["lift", "--audiences", "{data}/prev.h5", "--outcomes", "{data}/ratings.csv", "--output", "{case}/out.h5"],
}


def option_cases(c, help_options):
    for sub, table in OPTIONS.items():
        missing = set(help_options[sub]) - set(table) - {"config"}
        assert not missing, f"options of crossmf {sub} without fuzz values: {sorted(missing)}"
        for opt, values in table.items():
            for k, value in enumerate(values):
                args = [a for a in BASE_ARGS[sub]]
                if f"--{opt}" in args:  # replace the value the base command gives
                    at = args.index(f"--{opt}")
                    del args[at:at + 2]
                c.add(f"option_{sub}_{opt}_{k}", "option value", f"{sub} --{opt}", args + [f"--{opt}", value], 2,
                      rf"(--{opt}\b|option '--{opt}'|'--{opt}')")
        c.add(f"option_{sub}_unknown", "option name", f"{sub} --bogus", BASE_ARGS[sub] + ["--bogus", "1"], 2,
              r"unrecognised option '--bogus'")
        c.add(f"option_{sub}_config_folder", "config file", f"{sub} --config", BASE_ARGS[sub] + ["--config", "{case}"], 2,
              r"--config .* is a folder")
        c.add(f"option_{sub}_config_missing", "config file", f"{sub} --config",
              BASE_ARGS[sub] + ["--config", "{case}/nothere.ini"], 2, r"--config .*nothere\.ini: cannot open the file")
        c.add(f"option_{sub}_config_unknown_key", "config file", f"{sub} --config",
              BASE_ARGS[sub] + ["--config", "{case}/bad.ini"], 2, r"--config .*bad\.ini: unrecognised option 'bogus-key'",
              setup=[["write", "{case}/bad.ini", "bogus-key = 1\n"]])
        c.add(f"option_{sub}_config_binary", "config file", f"{sub} --config",
              BASE_ARGS[sub] + ["--config", "{case}/bin.ini"], 2, r"--config .*bin\.ini",
              setup=[["write", "{case}/bin.ini", "\x00\x01\x02 = =\n[[\n"]])
    c.add("option_none", "option name", "crossmf", [], 2, r"no subcommand given; give one of")
    c.add("option_subcommand_unknown", "option name", "crossmf", ["fly"], 2, r"unknown subcommand 'fly'")
    c.add("option_train_input_missing", "option name", "train --input", ["train", "--output", "{case}/out.h5"], 2,
          r"--input is required")
    c.add("option_train_resume_without_checkpoint", "option combination", "train --resume",
          BASE_ARGS["train"] + ["--resume"], 2, r"--checkpoint-every and --resume need --checkpoint")
    c.add("option_env_omp_threads", "environment", "OMP_NUM_THREADS",
          ["train", "--input", "{data}/base.h5", "--output", "{case}/out.h5", "--factors", "4", "--iterations", "2"], 2,
          r"environment variable OMP_NUM_THREADS='100000' is not a thread count", env={"OMP_NUM_THREADS": "100000"})
    # Files an option names that are not there.
    c.add("option_import_ratings_missing_file", "input file", "import --ratings",
          ["import", "--ratings", "{case}/nothere.csv", "--output", "{case}/out.h5"], 4, r"nothere\.csv: cannot open")
    c.add("option_inspect_missing_file", "input file", "inspect FILE", ["inspect", "{case}/nothere.h5"], 4,
          r"nothere\.h5: cannot open for reading")
    c.add("option_train_input_not_hdf5", "input file", "train --input",
          ["train", "--input", "{data}/ratings.csv", "--output", "{case}/out.h5", *TRAIN], 3,
          r"ratings\.csv: not an HDF5 file \(or truncated\); give the path of an HDF5 file in the crossmf input schema")


# ---------------------------------------------------------------------------------------------
# Paths: no combination of options may destroy a file it names.

def path_cases(c):
    train = lambda *a: ["train", *a, *TRAIN]
    inp = "{data}/base.h5"
    same = r"name the same file"
    c.add("path_output_is_input", "same file", "--output", train("--input", "{case}/in.h5", "--output", "{case}/in.h5"), 2,
          r"--input .*in\.h5 and --output .*in\.h5 " + same, setup=[["copy", inp, "{case}/in.h5"]])
    c.add("path_output_is_input_symlink", "same file", "--output",
          train("--input", "{case}/in.h5", "--output", "{case}/link.h5"), 2, same + r" \(through a link\)",
          setup=[["copy", inp, "{case}/in.h5"], ["symlink", "in.h5", "{case}/link.h5"]])
    c.add("path_output_is_input_hardlink", "same file", "--output",
          train("--input", "{case}/in.h5", "--output", "{case}/hard.h5"), 2, same + r" \(through a link\)",
          setup=[["copy", inp, "{case}/in.h5"], ["hardlink", "{case}/in.h5", "{case}/hard.h5"]])
    c.add("path_output_is_input_dotdot", "same file", "--output",
          train("--input", "{case}/in.h5", "--output", "{case}/sub/../in.h5"), 2, same,
          setup=[["copy", inp, "{case}/in.h5"], ["mkdir", "{case}/sub"]])
    c.add("path_checkpoint_is_input", "same file", "--checkpoint",
          train("--input", "{case}/in.h5", "--output", "{case}/out.h5", "--checkpoint", "{case}/in.h5", "--checkpoint-every", "1"),
          2, r"--input .*in\.h5 and --checkpoint .*in\.h5 " + same, setup=[["copy", inp, "{case}/in.h5"]])
    c.add("path_checkpoint_is_output", "same file", "--checkpoint",
          train("--input", inp, "--output", "{case}/out.h5", "--checkpoint", "{case}/out.h5"), 2,
          r"--output .*out\.h5 and --checkpoint .*out\.h5 " + same)
    c.add("path_checkpoint_is_output_symlink", "same file", "--checkpoint",
          train("--input", inp, "--output", "{case}/out.h5", "--checkpoint", "{case}/ck-link.h5"), 2, same,
          setup=[["symlink", "out.h5", "{case}/ck-link.h5"]])
    c.add("path_checkpoint_is_output_dangling", "same file", "--checkpoint",
          train("--input", inp, "--output", "{case}/new.h5", "--checkpoint", "{case}/ck-link.h5"), 2, same,
          setup=[["symlink", "new.h5", "{case}/ck-link.h5"]])
    c.add("path_output_is_config", "same file", "--output",
          train("--input", inp, "--output", "{case}/run.ini", "--config", "{case}/run.ini"), 2,
          r"--config .*run\.ini and --output .*run\.ini " + same, setup=[["write", "{case}/run.ini", "factors = 4\n"]])
    c.add("path_checkpoint_is_config", "same file", "--checkpoint",
          train("--input", inp, "--output", "{case}/out.h5", "--config", "{case}/run.ini", "--checkpoint", "{case}/run.ini"), 2,
          same, setup=[["write", "{case}/run.ini", "factors = 4\n"]])
    c.add("path_generate_output_is_config", "same file", "generate --output",
          ["generate", "--output", "{case}/g.ini", "--config", "{case}/g.ini"], 2, same,
          setup=[["write", "{case}/g.ini", "users = 50\nitems = 30\nratings = 400\n"]])
    for opt in ("ratings", "items", "labels"):
        c.add(f"path_import_output_is_{opt}", "same file", "import --output",
              ["import", "--ratings", "{case}/r.csv", f"--{opt}" if opt != "ratings" else "--test", "{case}/r.csv",
               "--output", "{case}/r.csv"] if opt != "ratings" else ["import", "--ratings", "{case}/r.csv", "--output", "{case}/r.csv"],
              2, r"--ratings .*r\.csv and --output .*r\.csv " + same,
              setup=[["copy", "{data}/ratings.csv", "{case}/r.csv"]])
    for dev in ("/dev/null", "/dev/full"):
        for opt in ("output", "checkpoint"):
            extra = ["--output", dev] if opt == "output" else ["--output", "{case}/out.h5", "--checkpoint", dev]
            c.add(f"path_{opt}_{dev.strip('/').replace('/', '_')}", "not a regular file", f"--{opt}",
                  train("--input", inp, *extra), 2, rf"--{opt} {dev} is a device or other special file")
    c.add("path_generate_output_dev_null", "not a regular file", "generate --output",
          ["generate", "--output", "/dev/null", "--users", "50", "--items", "30", "--ratings", "400"], 2,
          r"--output /dev/null is a device")
    # generate --events (implicit feedback): refused like --output, before anything is written.
    gen_events = lambda *a: ["generate", "--users", "50", "--items", "30", "--ratings", "400", "--feedback", "implicit", *a]
    c.add("path_generate_events_is_output", "same file", "generate --events",
          gen_events("--output", "{case}/g.h5", "--events", "{case}/g.h5"), 2,
          r"--output .*g\.h5 and --events .*g\.h5 " + same)
    c.add("path_generate_events_dev_null", "not a regular file", "generate --events",
          gen_events("--output", "{case}/out.h5", "--events", "/dev/null"), 2, r"--events /dev/null is a device")
    c.add("path_generate_events_folder", "not a regular file", "generate --events",
          gen_events("--output", "{case}/out.h5", "--events", "{case}"), 2, r"--events .* is a folder, not a regular file")
    c.add("path_generate_events_folder_missing", "folder missing", "generate --events",
          gen_events("--output", "{case}/out.h5", "--events", "{case}/nodir/e.csv"), 4,
          r"nodir/e\.csv: folder .*nodir does not exist; create it first")
    c.add("path_import_output_dev_null", "not a regular file", "import --output",
          ["import", "--ratings", "{data}/ratings.csv", "--output", "/dev/null"], 2, r"--output /dev/null is a device")
    c.add("path_output_fifo", "not a regular file", "--output", train("--input", inp, "--output", "{case}/pipe"), 2,
          r"--output .*pipe is a device or other special file", setup=[["mkfifo", "{case}/pipe"]])
    c.add("path_output_folder", "not a regular file", "--output", train("--input", inp, "--output", "{case}/dir"), 2,
          r"--output .*dir is a folder, not a regular file", setup=[["mkdir", "{case}/dir"]])
    c.add("path_output_symlink_to_folder", "not a regular file", "--output",
          train("--input", inp, "--output", "{case}/to-dir.h5"), 2, r"is a folder, not a regular file",
          setup=[["mkdir", "{case}/dir"], ["symlink", "dir", "{case}/to-dir.h5"]])
    # --init-from: an earlier output (its refusals of real outputs: tests/cli/init_from_test.sh).
    for name, value, code, said, setup in (
            ("missing", "{case}/nothere.h5", 4, r"nothere\.h5: cannot open for reading", []),
            ("folder", "{case}", 4, r"is a folder, not a file; give the path of a crossmf output \(--init-from\)", []),
            ("dev_null", "/dev/null", 4, r"/dev/null: is a pipe, device or other special file; .*\(--init-from\)", []),
            ("text", "{case}/m.h5", 3, r"m\.h5: not an HDF5 file .*\(--init-from\)", [["write", "{case}/m.h5", "a model\n"]]),
            ("an_input", inp, 2, r"--init-from .* is not a crossmf output", [])):
        c.add(f"path_init_from_{name}", "not a crossmf output", "--init-from",
              train("--input", inp, "--output", "{case}/out.h5", "--init-from", value), code, said, setup=setup)
    # score --model: a trained output (its refusals of real outputs: tests/cli/score_test.sh).
    score = lambda *a: ["score", "--input", inp, "--output", "{case}/out.h5", *a]
    for name, value, code, said, setup in (
            ("missing", "{case}/nothere.h5", 4, r"nothere\.h5: cannot open for reading", []),
            ("folder", "{case}", 4, r"is a folder, not a file; give the path of a crossmf output \(--model\)", []),
            ("dev_null", "/dev/null", 4, r"/dev/null: is a pipe, device or other special file; .*\(--model\)", []),
            ("text", "{case}/m.h5", 3, r"m\.h5: not an HDF5 file .*\(--model\)", [["write", "{case}/m.h5", "a model\n"]]),
            ("an_input", inp, 2, r"--model .* is not a crossmf output", [])):
        c.add(f"path_score_model_{name}", "not a crossmf output", "score --model", score("--model", value), code, said,
              setup=setup)
    for name, value, code, said in (("missing", "{case}/nothere.txt", 2, r"--users .*nothere\.txt: cannot open the file"),
                                    ("folder", "{case}", 2, r"--users .* is a folder, pipe or device"),
                                    ("dev_null", "/dev/null", 2, r"--users /dev/null is a folder, pipe or device")):
        c.add(f"path_score_users_{name}", "not a list of ids", "score --users",
              score("--model", "{data}/prev.h5", "--users", value), code, said)
    c.add("path_score_output_is_model", "same file", "score --output",
          ["score", "--model", "{case}/m.h5", "--input", inp, "--output", "{case}/m.h5"], 2, r"name the same file",
          setup=[["copy", "{data}/prev.h5", "{case}/m.h5"]])
    c.add("path_checkpoint_folder", "not a regular file", "--checkpoint",
          train("--input", inp, "--output", "{case}/out.h5", "--checkpoint", "{case}"), 2, r"--checkpoint .* is a folder")
    c.add("path_output_name_too_long", "name too long", "--output", train("--input", inp, "--output", "{case}/" + "o" * 300 + ".h5"),
          2, r"--output .*: the file name has 303 characters, more than its folder allows \(255\)")
    c.add("path_checkpoint_name_too_long", "name too long", "--checkpoint",
          train("--input", inp, "--output", "{case}/out.h5", "--checkpoint", "{case}/" + "c" * 260), 2,
          r"--checkpoint .*: the file name has 260 characters")
    c.add("path_output_path_too_long", "name too long", "--output",
          train("--input", inp, "--output", "{case}/" + "/".join(["d" * 200] * 21) + "/out.h5"), 2,
          r"--output has \d+ characters, more than a path may have")
    c.add("path_output_folder_missing", "folder missing", "--output", train("--input", inp, "--output", "{case}/nodir/out.h5"),
          4, r"nodir/out\.h5: folder .*nodir does not exist; create it first")
    c.add("path_checkpoint_folder_missing", "folder missing", "--checkpoint",
          train("--input", inp, "--output", "{case}/out.h5", "--checkpoint", "{case}/nodir/ck.h5"), 4,
          r"nodir/ck\.h5: folder .*nodir does not exist; create it first")
    c.add("path_input_fifo", "input file", "--input", train("--input", "{case}/pipe.h5", "--output", "{case}/out.h5"), 4,
          r"pipe\.h5: is a pipe, device or other special file", setup=[["mkfifo", "{case}/pipe.h5"]])
    c.add("path_config_fifo", "config file", "--config",
          train("--input", inp, "--output", "{case}/out.h5", "--config", "{case}/pipe.ini"), 2,
          r"--config .*pipe\.ini is a pipe, device or other special file", setup=[["mkfifo", "{case}/pipe.ini"]])
    c.add("path_import_ratings_fifo_no_writer", "input file", "import --ratings",
          ["import", "--ratings", "{case}/pipe.csv", "--output", "{case}/out.h5"], 3, r"pipe\.csv: no valid rows",
          setup=[["mkfifo", "{case}/pipe.csv"]])
    c.add("path_input_is_folder", "input file", "--input", train("--input", "{case}", "--output", "{case}/out.h5"), 4,
          r": is a folder, not a file")
    c.add("path_checkpoint_is_other_hdf5", "checkpoint identity", "--checkpoint",
          train("--input", inp, "--output", "{case}/out.h5", "--checkpoint", "{case}/other.h5", "--checkpoint-every", "1"), 2,
          r"--checkpoint .*other\.h5 exists and is a crossmf-input file, not a checkpoint",
          setup=[["copy", inp, "{case}/other.h5"]])
    # An output through a symbolic link is written where the link points; the link stays.
    c.add("path_output_symlink_to_file", "valid", "--output", train("--input", inp, "--output", "{case}/link.h5"), 0,
          setup=[["symlink", "out.h5", "{case}/link.h5"]], written=["out.h5"])
    # Temporary files left by earlier runs: removed when their owner provably ended on this host,
    # reported otherwise.
    c.add("path_stale_temp_dead_owner", "stale temporary", "--output", train("--input", inp, "--output", "{case}/out.h5"), 0,
          setup=[["stale", "{case}/.out.h5.tmp.{deadpid}@{host}"]], written=["out.h5", ".out.h5.tmp.{deadpid}@{host}"],
          gone=["{case}/.out.h5.tmp.{deadpid}@{host}"])
    c.add("path_stale_temp_other_host", "stale temporary", "--output", train("--input", inp, "--output", "{case}/out.h5"), 0,
          setup=[["stale", "{case}/.out.h5.tmp.4242@other-node.example"]], written=["out.h5"])
    c.add("path_stale_temp_old_format", "stale temporary", "--output", train("--input", inp, "--output", "{case}/out.h5"), 0,
          setup=[["stale", "{case}/.out.h5.tmp.4242"]], written=["out.h5"])


# ---------------------------------------------------------------------------------------------
# Signals at every phase, to mpirun and to the ranks.

SIGNAL_COMMON = ["--output", "{case}/out.h5", "--threads", "1", "--patience", "0", "--checkpoint", "{case}/ck.h5",
                 "--checkpoint-every", "1", "--log-level", "debug"]
# Reading, partitioning and training: 300 short iterations (a few seconds); scoring and writing:
# 50,000 users and items, where scoring takes seconds at the AVX-512 kernels.
LONG_TRAIN = ["train", "--input", "{data}/mid.h5", "--factors", "8", "--iterations", "300", *SIGNAL_COMMON]
LONG_SCORE = ["train", "--input", "{data}/wide.h5", "--factors", "64", "--iterations", "2", *SIGNAL_COMMON]
# Log lines of rank 0 at which a phase has begun; the stop is taken at the phase's next stop point.
PHASES = {"read": (r"\] \[info\] input .*: \d+ users", LONG_TRAIN), "partition": (r"\] \[info\] partition: ", LONG_TRAIN),
          # The search trains 15 iterations before its first candidate is scored: seconds on wide.h5 at k 64.
          "tune": (r"\] \[info\] tuning ", LONG_SCORE + ["--algorithm", "als", "--lambda", "auto"]),
          "train": (r"iter +2/", LONG_TRAIN), "score": (r"\] \[info\] risk: ", LONG_SCORE),
          "write": (r"\] \[info\] recommendations: ", LONG_SCORE)}


def signal_cases(c):
    for phase, (after, args) in PHASES.items():
        for sig, to in (("TERM", "mpirun"), ("INT", "mpirun"), ("USR1", "mpirun"), ("TERM", "ranks"), ("INT", "ranks"),
                        ("USR1", "ranks"), ("HUP", "ranks")):
            # mpirun passes SIGTERM and SIGINT on a second later, when the write is over.
            if phase == "write" and to == "mpirun" and sig != "USR1":
                continue
            c.add(f"signal_{sig}_{to}_{phase}", "signal", f"SIG{sig} to {to} while {phase}", args, 143, r"stopped",
                  signal={"sig": sig, "to": to, "after": after}, written=["ck.h5"])
    c.add("signal_TERM_mpirun_sgd", "signal", "SIGTERM to mpirun while training (SGD)",
          LONG_TRAIN + ["--algorithm", "sgd"], 143, r"stopped",
          signal={"sig": "TERM", "to": "mpirun", "after": r"iter +2/"}, written=["ck.h5"])
    # mpirun gone under the ranks: Open MPI ends them itself (exit 195, not ours to choose); what
    # is checked is that nothing is left behind and nothing is destroyed.
    # A temporary checkpoint being written at that moment may be left; the next run on the same
    # output (here: --resume) removes it, its owner having provably ended on this host.
    resume = [a for a in LONG_TRAIN if a != "debug"] + ["--resume"]
    resume[resume.index("--log-level") + 1] = "warn"
    c.add("signal_TERM_mpirun_twice", "launcher gone", "SIGTERM twice to mpirun while training", LONG_TRAIN, None, "",
          signal={"sig": "TERM", "to": "mpirun", "after": r"iter +2/", "twice": True}, written=["ck.h5", "out.h5"],
          then=with_options(resume, ["--iterations", "5"]))
    c.add("signal_KILL_mpirun", "launcher gone", "SIGKILL to mpirun while training", LONG_TRAIN, None, "",
          signal={"sig": "KILL", "to": "mpirun", "after": r"iter +2/"}, written=["ck.h5", "out.h5"],
          then=with_options(resume, ["--iterations", "5"]))
    c.add("signal_TERM_ranks_generate", "signal", "SIGTERM to the ranks while generating",
          ["generate", "--output", "{case}/out.h5", "--users", "400000", "--items", "2000", "--ratings", "4000000"], 143,
          r"stopped by SIGTERM while", signal={"sig": "TERM", "to": "ranks", "after": r"generate: "})
    c.add("signal_USR1_mpirun_import", "signal", "SIGUSR1 to mpirun while importing",
          ["import", "--ratings", "{data}/big.csv", "--output", "{case}/out.h5", "--sort-rows", "200000"], 143,
          r"stopped by SIGUSR1 while", signal={"sig": "USR1", "to": "mpirun", "after": None})


# ---------------------------------------------------------------------------------------------
# Import: text that must not be taken for what it is not.

def import_cases(c):
    d = c.dir

    def text(name, content):
        with open(os.path.join(d, name), "w", newline="") as f:
            f.write(content)
        return "{data}/cases/" + name
    ok = text("quoted_newline.csv", 'user,item,value\n"Smith,\n John",i1,4\nu2,i1,3\nu2,i2,5\nu3,i2,2\n')
    # The fragment after the break (' John"') must not become a user: the check is in fuzz_run.
    c.add("import_quoted_newline", "text", "quoted field across lines",
          ["import", "--ratings", ok, "--delimiter", ",", "--output", "{case}/out.h5"], 0, written=["out.h5"],
          expect_ids={"/users/id": ["u2", "u3"]})
    c.add("import_quoted_newline_strict", "text", "quoted field across lines",
          ["import", "--ratings", ok, "--delimiter", ",", "--output", "{case}/out.h5", "--strict"], 3,
          r"quoted_newline\.csv:2: unterminated quoted field \(a quoted field cannot span lines")
    for name, content, pat in (("empty.csv", "", r"empty\.csv: no valid rows"),
                               ("one_column.csv", "u1\nu2\n", r"one_column\.csv: (cannot tell the delimiter|1 columns)"),
                               ("seven_columns.csv", "a,b,1,4,5,6,7\n", r"seven_columns\.csv: 7 columns"),
                               ("all_bad_values.csv", "u,i,x\nu,j,y\n", r"all_bad_values\.csv: no valid rows")):
        c.add("import_" + name.split(".")[0], "text", name, ["import", "--ratings", text(name, content), "--output", "{case}/out.h5"],
              3, pat)
    # Events (--events): an unknown event, a bad time or amount are named by file and line.
    weights = ["--event-weights", "view=1,buy=5"]
    for name, content, extra, code, pat in (
            ("events_ok.csv", "u1,i1,view,100,\nu2,i1,buy,200,2\n", ["--half-life", "1"], 0, ""),
            ("events_unknown.csv", "u1,i1,view,100\nu2,i1,click,200\n", [], 3, r"events_unknown\.csv:2: event 'click'"),
            ("events_bad_time.csv", "u1,i1,view,100\nu2,i1,view,soon\n", ["--half-life", "1"], 3,
             r"events_bad_time\.csv:2: time 'soon'"),
            ("events_bad_amount.csv", "u1,i1,view,100,1\nu2,i1,buy,200,-1\n", [], 3, r"events_bad_amount\.csv:2: amount -1"),
            ("events_no_time.csv", "u1,i1,view\nu2,i1,buy\n", ["--half-life", "1"], 3, r"events_no_time\.csv: no time column"),
            ("events_all_zero.csv", "u1,i1,view,100,0\n", [], 3, r"events_all_zero\.csv: every \(user, item\) pair"),
            ("events_row_overflow.csv", "u1,i1,buy,100,1e38\n", [], 3, r"events_row_overflow\.csv:1: strength 5e\+38"),
            ("events_sum_overflow.csv", "u1,i1,view,100,3e38\nu1,i1,view,200,3e38\n", [], 3,
             r"events_sum_overflow\.csv: the strengths of the \(user, item\) pair whose last row is line 2")):
        c.add("import_" + name.split(".")[0], "events", name,
              ["import", "--events", text(name, content), *weights, *extra, "--output", "{case}/out.h5"], code, pat,
              written=["out.h5"] if code == 0 else None, expect_ids={"/users/id": ["u1", "u2"]} if code == 0 else None)
    binary = os.path.join(d, "binary.csv")
    open(binary, "wb").write(bytes(range(256)) * 4)
    c.add("import_binary", "text", "binary.csv", ["import", "--ratings", "{data}/cases/binary.csv", "--output", "{case}/out.h5"],
          3, r"binary\.csv")


def write_texts(data):
    with open(os.path.join(data, "ratings.csv"), "w") as f:
        f.write("user,item,value\n")
        for u in range(30):
            for i in range(u % 5, 20, 3):
                f.write(f"u{u},i{i},{1 + (u + i) % 5}\n")
    with open(os.path.join(data, "big.csv"), "w") as f:
        rng = np.random.default_rng(4)
        u, i = rng.integers(0, 200000, 1_500_000), rng.integers(0, 5000, 1_500_000)
        f.write("".join(f"{a},{b},3\n" for a, b in zip(u.tolist(), i.tolist())))


# ---------------------------------------------------------------------------------------------
# The examples of issue 17, one case each (tests/cli/robust_examples_test.sh).

def example_cases(c):
    everything = Cases(c.data)  # the class cases, to pick from by name
    input_cases(everything)
    checkpoint_cases(everything)
    path_cases(everything)
    signal_cases(everything)
    import_cases(everything)
    control_cases(everything)
    option_cases(everything, OPTION_NAMES)
    by_name = {k["name"]: k for k in everything.cases}
    picks = {
        # Hangs
        "labels_user_outside": "index_labels_user_n_late", "labels_value_2": "labels_value_two_early",
        "labels_value_minus1": "labels_value_minus1_late", "labels_value_half": "labels_value_half_early",
        "labels_value_nan": "labels_value_nan_late", "labels_value_inf": "labels_value_inf_early",
        "users_features_nan": "finite_users_features_nan_early", "users_features_inf": "finite_users_features_inf_late",
        "resume_users_row_short": "ck_users_row_short", "resume_items_row_short": "ck_items_row_short",
        # Crashes
        "labels_user_2d": "shape_labels_user_2d", "labels_value_2d": "shape_labels_value_2d",
        "inspect_labels_user_2d": "inspect_shape_labels_user_2d", "inspect_labels_value_2d": "inspect_shape_labels_value_2d",
        "checkpoint_extra_column": "ck_users_column_extra", "threads_100000": "option_train_threads_1",
        # Files destroyed
        "checkpoint_is_input": "path_checkpoint_is_input", "checkpoint_is_output": "path_checkpoint_is_output",
        "output_dev_null": "path_output_dev_null", "output_dev_full": "path_output_dev_full",
        # Signals
        "sigterm_mpirun_als": "signal_TERM_mpirun_train", "sigterm_mpirun_sgd": "signal_TERM_mpirun_sgd",
        "sigterm_mpirun_after_training": "signal_TERM_mpirun_score", "sigterm_mpirun_twice": "signal_TERM_mpirun_twice",
        "sigusr1_mpirun": "signal_USR1_mpirun_train", "sigterm_ranks": "signal_TERM_ranks_train",
        # Wrong code or message
        "output_name_300": "path_output_name_too_long", "domain_all_minus1": "domain_all_none",
        "domain_names_twice": "domain_name_twice", "users_features_no_columns": "shape_users_features_no_columns",
        "items_features_no_columns": "shape_items_features_no_columns", "factors_4096_with_labels": "factors_too_many_names",
        "user_index_past_2pow32": "index_ratings_user_2pow32_late",
        # Accepted silently
        "ratings_item_past_2pow32": "index_ratings_item_2pow32_late", "test_user_past_2pow32": "index_test_user_2pow32_late",
        "labels_user_past_2pow32": "index_labels_user_2pow32_late", "users_id_twice": "ids_users_id_int_twice",
        "items_id_twice": "ids_items_id_string_twice", "ids_float": "ids_users_id_float", "ids_compound": "ids_items_id_compound",
        "ids_2d": "ids_users_id_2d", "ids_empty_string": "ids_items_id_empty_string", "ids_wrong_length": "ids_users_id_row_short",
        "domain_name_empty": "domain_name_empty", "domain_name_slash": "domain_name_slash",
        "names_wrong_length": "names_users_features_short", "labels_twice_for_a_user": "labels_user_twice",
        "labels_value_without_user": "missing_labels_user", "split_time_without_time": "split_time_without_time",
        "config_folder": "option_train_config_folder", "checkpoint_nan": "ck_users_nan_early", "checkpoint_inf": "ck_items_inf_late",
        "checkpoint_negative_iteration": "ck_attr_iteration_minus1", "checkpoint_extra_row": "ck_users_row_extra",
        # Messages
        "checkpoint_message_not_input_schema": "ck_users_missing", "import_quoted_newline": "import_quoted_newline",
    }
    for example, name in picks.items():
        case = dict(by_name[name])
        case["name"] = "example_" + example
        case["class"] = "issue 17 example"
        c.cases.append(case)
    # An id past 2^32 whose low 32 bits name a user who rated the same item: read narrowed, it
    # was reported as that user's duplicate rating.
    def wrapped_duplicate(f):
        u, i = f["ratings/user"][()].astype(np.int64), f["ratings/item"][()]
        u[-2], i[-2] = 2**32 + u[EARLY], i[EARLY]
        replace(f, "ratings/user", u)
        replace(f, "ratings/item", i)
    path = c.variant("example_wrapped_duplicate", wrapped_duplicate)
    c.add("example_user_past_2pow32_not_a_duplicate", "issue 17 example", "/ratings/user",
          ["train", "--input", path, "--output", "{case}/out.h5", *TRAIN], 3,
          r"/ratings/user row \d+: user 42949\d+ is outside \[0, n_users=60\)")
    c.add("example_config_bom", "issue 17 example", "--config with a UTF-8 BOM",
          ["train", "--input", "{data}/base.h5", "--output", "{case}/out.h5", "--config", "{case}/bom.ini"], 0,
          setup=[["write", "{case}/bom.ini", "\ufefffactors = 4\niterations = 2\nthreads = 1\n"]], written=["out.h5"])
    c.add("example_checkpoint_is_output_failing_run", "issue 17 example", "--checkpoint = --output, then a failure",
          ["train", "--input", "{data}/cases/labels_value_two_early.h5", "--output", "{case}/out.h5", *TRAIN,
           "--checkpoint", "{case}/out.h5", "--checkpoint-every", "1"], 2, r"name the same file")


OPTION_NAMES = {}


def main():
    mode = sys.argv[1]
    if mode == "train-args":
        print(" ".join(TRAIN))
        return
    data = sys.argv[2]
    if mode == "base":
        write_base(data)
        write_texts(data)
        return
    out, examples = sys.argv[3], "--examples" in sys.argv
    OPTION_NAMES.update(json.loads(os.environ["CROSSMF_OPTIONS"]))
    c = Cases(data)
    if examples:
        example_cases(c)
    else:
        input_cases(c)
        control_cases(c)
        checkpoint_cases(c)
        option_cases(c, OPTION_NAMES)
        path_cases(c)
        signal_cases(c)
        import_cases(c)
    # Ranks: within each class, 2, 3, 1, 2, ...; a class of one case runs on 2 and on 3 ranks.
    by_class = {}
    for case in c.cases:
        by_class.setdefault(case["class"], []).append(case)
    final = []
    for cls, cases in by_class.items():
        if len(cases) == 1:
            twin = dict(cases[0])
            twin["name"] += "_np3"
            cases = cases + [twin]
        # The corpus ran on 2 ranks: its examples run on 2 and 3, where a rank can wait.
        cycle = [2, 3] if cls == "issue 17 example" else [2, 3, 1]
        for k, case in enumerate(cases):
            case["np"] = case.get("np") or cycle[k % len(cycle)]
            final.append(case)
    for case in final:
        case["fix_verb"] = FIX_VERB
    with open(out, "w") as f:
        json.dump(final, f, indent=1)
    print(f"{len(final)} cases in {len(by_class)} classes")


if __name__ == "__main__":
    main()
