#!/usr/bin/python3
"""Writes crossmf's training and held-out split of an input file as text for LIBMF
(`user item rating` lines): the same rule and seed as src/model/partition.cc, splitmix64 of the
seed and the pair's original ids below --test-fraction.

usage: split_text.py INPUT.h5 FOLDER   (writes FOLDER/train.txt and FOLDER/test.txt)
"""
import sys

import h5py
import numpy as np

r, out = h5py.File(sys.argv[1])["ratings"], sys.argv[2]
u, i, v = r["user"][()].astype(np.uint64), r["item"][()].astype(np.uint64), r["value"][()]


def splitmix64(x):
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9e3779b97f4a7c15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xbf58476d1ce4e5b9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94d049bb133111eb)
        return x ^ (x >> np.uint64(31))


test = (splitmix64(np.uint64(42) ^ ((u << np.uint64(32)) | i)) >> np.uint64(11)).astype(float) * 2.0**-53 < 0.1
for name, sel in (("train", ~test), ("test", test)):
    np.savetxt(f"{out}/{name}.txt", np.column_stack([u[sel], i[sel], v[sel]]), fmt="%d %d %g")
