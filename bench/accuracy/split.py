#!/usr/bin/python3
"""Reads a public rating file and writes a seeded random 90/10 split by rating, as text that
`crossmf import` and LIBMF read (`user item value` lines, external ids):

  train.txt, test.txt          explicit ratings; test pairs whose user or item has no training
                               rating are dropped (no method can place them)
  train_pos.txt, test_pos.txt  implicit: the ratings >= 4 of the same split, value 1; test
                               positives of users or items with no training positive dropped

Repeated (user, item) pairs keep the last row. Formats: movielens-100k (u.data, tab),
movielens-1m (`::`), ciao (rating_with_timestamp.tsv, header, rating in the 4th column; the
published file's 34 ratings of 0 are dropped), filmtrust (ratings.txt: `user item rating`, 0.5 to 4
stars). --min-item-ratings N keeps only the items with
at least N ratings before the split (the usual k-core preprocessing; EASE needs a dense item x
item inverse).

usage: split.py FORMAT FILE OUT_FOLDER [--seed 1] [--test-fraction 0.1] [--min-item-ratings 0]
"""
import argparse
import os

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("format", choices=["movielens-100k", "movielens-1m", "ciao", "filmtrust"])
p.add_argument("file")
p.add_argument("out")
p.add_argument("--seed", type=int, default=1)
p.add_argument("--test-fraction", type=float, default=0.1)
p.add_argument("--min-item-ratings", type=int, default=0)
a = p.parse_args()

if a.format == "movielens-100k":
    raw = np.loadtxt(a.file, dtype=np.int64, usecols=(0, 1, 2))
elif a.format == "movielens-1m":
    raw = np.array([line.split("::")[:3] for line in open(a.file)], dtype=np.int64)
elif a.format == "filmtrust":
    raw = np.loadtxt(a.file, usecols=(0, 1, 2))
else:
    raw = np.loadtxt(a.file, dtype=np.int64, skiprows=1, usecols=(0, 1, 3))
    raw = raw[raw[:, 2] > 0]
u, i, r = raw[:, 0].astype(np.int64), raw[:, 1].astype(np.int64), raw[:, 2].astype(float)
# The last row of each (user, item) pair.
order = np.lexsort((np.arange(len(u)), i, u))
last = np.ones(len(u), bool)
last[order[:-1]] = (u[order[:-1]] != u[order[1:]]) | (i[order[:-1]] != i[order[1:]])
u, i, r = u[last], i[last], r[last]
items, counts = np.unique(i, return_counts=True)
kept = np.isin(i, items[counts >= a.min_item_ratings])
u, i, r = u[kept], i[kept], r[kept]

rng = np.random.RandomState(a.seed)
test = rng.rand(len(u)) < a.test_fraction
os.makedirs(a.out, exist_ok=True)


def write(name, sel, values):
    np.savetxt(os.path.join(a.out, name), np.column_stack([u[sel], i[sel], values[sel]]), fmt="%d %d %g")


known = np.isin(u, u[~test]) & np.isin(i, i[~test])
write("train.txt", ~test, r)
write("test.txt", test & known, r)
pos = r >= 4
ones = np.ones(len(u))
known_pos = np.isin(u, u[~test & pos]) & np.isin(i, i[~test & pos])
write("train_pos.txt", ~test & pos, ones)
write("test_pos.txt", test & pos & known_pos, ones)
print(f"{a.file}: {len(u)} ratings, {len(np.unique(u))} users, {len(np.unique(i))} items; "
      f"train {np.sum(~test)}, test {np.sum(test & known)}; positives train {np.sum(~test & pos)}, "
      f"test {np.sum(test & pos & known_pos)}")
