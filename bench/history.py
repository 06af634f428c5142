#!/usr/bin/python3
"""Prints one crossmf output's per-iteration history, averaged over iterations 2.. (the first
pays for warm-up), as `name value` lines, plus the final held-out metrics.

usage: history.py OUTPUT.h5
"""
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    h = f["metrics/history"]
    for name in h:
        v = h[name][()]
        print(f"{name} {np.mean(v[1:] if len(v) > 1 else v):.6g}")
    for name, value in f["metrics"].attrs.items():
        print(f"final_{name} {value}")
