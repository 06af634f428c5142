#!/usr/bin/python3
"""Compares two HDF5 files bit for bit: the same groups and datasets, each dataset with the same
HDF5 type, shape and bytes, every object (and the root) with the same attributes of the same type
and bytes. Layout (chunks, filters) is not content and is only noted.

usage: same_h5.py A.h5 B.h5 [--ignore-attr NAME]... [--skip DATASET]... [--skip-under GROUP]...
Prints "same" or one line per difference (at most --max); exit 0 when same, 1 when not.
"""
import argparse
import sys

import h5py
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("a")
p.add_argument("b")
p.add_argument("--ignore-attr", action="append", default=[], help="attribute name ignored wherever it is")
p.add_argument("--skip", action="append", default=[], help="dataset path (no leading /) whose values are not compared")
p.add_argument("--skip-under", action="append", default=[],
               help="group (no leading /) whose datasets' values and objects' attributes are not compared")
p.add_argument("--new-option", action="append", default=[],
               help="an option B has and A has not: its 'NAME = value' line is left out of B's text attributes")
p.add_argument("--max", type=int, default=20, help="differences printed")
args = p.parse_args()


def objects(f):
    found = {"/": f}
    f.visititems(lambda name, obj: found.__setitem__(name, obj))
    return found


def raw(value):
    """Bytes of a value as h5py reads it; variable-length strings compared as their text."""
    value = np.asarray(value)
    if value.dtype.kind == "O":
        return repr([v if isinstance(v, bytes) else str(v).encode() for v in value.ravel()]).encode()
    return value.tobytes()


def first_difference(x, y):
    """How many elements differ in their bytes, and the first of them."""
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype.kind == "O" or x.size == 0:
        return ""
    bx = x.reshape(-1).view(np.uint8).reshape(x.size, -1)
    by = y.reshape(-1).view(np.uint8).reshape(y.size, -1)
    diff = np.flatnonzero((bx != by).any(axis=1))
    if len(diff) == 0:
        return ""
    i = diff[0]
    return f" ({len(diff)} of {x.size} elements; first at flat index {i}: {x.reshape(-1)[i]!r} vs {y.reshape(-1)[i]!r})"


def compare_attrs(name, oa, ob, out):
    na = {k for k in oa.attrs.keys() if k not in args.ignore_attr}
    nb = {k for k in ob.attrs.keys() if k not in args.ignore_attr}
    for k in sorted(na ^ nb):
        out.append(f"attribute {name}@{k}: only in {'A' if k in na else 'B'}")
    for k in sorted(na & nb):
        ta, tb = oa.attrs.get_id(k).get_type(), ob.attrs.get_id(k).get_type()
        if ta != tb:
            out.append(f"attribute {name}@{k}: HDF5 type differs")
            continue
        va, vb = oa.attrs[k], ob.attrs[k]
        if args.new_option and isinstance(vb, (str, bytes)):
            text = vb.decode() if isinstance(vb, bytes) else vb
            kept = "".join(l for l in text.splitlines(True) if not any(l.startswith(o + " = ") for o in args.new_option))
            vb = kept.encode() if isinstance(vb, bytes) else kept
            if raw(va) == raw(vb):
                continue
        if np.shape(va) != np.shape(vb) or raw(va) != raw(vb):
            la, lb = str(va).splitlines(), str(vb).splitlines()
            i = next((j for j, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
            where = f" (line {i + 1})" if len(la) > 1 or len(lb) > 1 else ""
            out.append(f"attribute {name}@{k}{where}: {(la + [''])[i][:60]!r} vs {(lb + [''])[i][:60]!r}")


def main():
    fa, fb = h5py.File(args.a, "r"), h5py.File(args.b, "r")
    oa, ob = objects(fa), objects(fb)
    diffs, notes = [], []
    for name in sorted(set(oa) ^ set(ob)):
        diffs.append(f"{name}: only in {'A' if name in oa else 'B'}")
    for name in sorted(set(oa) & set(ob)):
        a, b = oa[name], ob[name]
        skipped = any(name == g or name.startswith(g.rstrip("/") + "/") for g in args.skip_under)
        if not skipped:
            compare_attrs(name, a, b, diffs)
        if isinstance(a, h5py.Dataset) != isinstance(b, h5py.Dataset):
            diffs.append(f"{name}: a dataset in one file, a group in the other")
            continue
        if not isinstance(a, h5py.Dataset):
            continue
        if a.id.get_type() != b.id.get_type():
            diffs.append(f"{name}: HDF5 type differs ({a.dtype} vs {b.dtype})")
            continue
        if a.shape != b.shape:
            diffs.append(f"{name}: shape {a.shape} vs {b.shape}")
            continue
        if (a.chunks, a.compression, a.compression_opts, a.shuffle) != (b.chunks, b.compression, b.compression_opts, b.shuffle):
            notes.append(f"note: {name}: layout differs (chunks {a.chunks} vs {b.chunks}, filter {a.compression} vs {b.compression})")
        if skipped or name in args.skip:
            continue
        va, vb = a[()], b[()]
        if raw(va) != raw(vb):
            diffs.append(f"{name}: values differ{first_difference(va, vb)}")
    for line in notes[: args.max]:
        print(line)
    if diffs:
        for line in diffs[: args.max]:
            print(line)
        if len(diffs) > args.max:
            print(f"... {len(diffs) - args.max} more")
        return 1
    print("same")
    return 0


sys.exit(main())
