#!/usr/bin/python3
"""Writes malformed crossmf input files, one per case, each a copy of a valid input (from
planted.py) with exactly one thing broken, for tests/cli/bad_input_test.sh.

usage: bad_input.py VALID.h5 OUTDIR

Writes OUTDIR/<case>.h5 for every case below, and prints as shell assignments the numbers the
test greps for: the broken rows (EARLY is read by rank 0, LATE by the last rank), n_items, and
the duplicated (user, item) pair.
"""
import os
import shutil
import sys

import h5py
import numpy as np

EARLY = 17  # a row in rank 0's slice


def late_row(f):
    return len(f["ratings/user"]) - 5  # a row in the last rank's slice


def replace(group, name, data):
    """Rewrites dataset `name` of `group` with new contents (other dtype or length)."""
    del group[name]
    group[name] = data


def set_row(name, row, value):
    def edit(f):
        f[name][row] = value
    return edit


def set_attr(obj, name, value):
    def edit(f):
        f[obj].attrs[name] = value
    return edit


def del_attr(obj, name):
    def edit(f):
        del f[obj].attrs[name]
    return edit


def implicit_with(row, value):
    def edit(f):
        f["ratings"].attrs["feedback"] = "implicit"
        f["ratings/value"][row] = value
    return edit


def shorten_user(f):
    replace(f["ratings"], "user", f["ratings/user"][:-1])


def float_users(f):
    replace(f["ratings"], "user", f["ratings/user"][:].astype(np.float64))


def user_beyond_32_bits(f):
    """64-bit ids (read through 64-bit staging), one of them past 2^32, which a 32-bit read would clip."""
    users = f["ratings/user"][:].astype(np.int64)
    users[late_row(f)] = 2**33 + 1
    replace(f["ratings"], "user", users)


def string_values(f):
    replace(f["ratings"], "value", np.array([b"%g" % v for v in f["ratings/value"][:]], dtype=object))


def empty(f):
    for name, dtype in (("user", np.int32), ("item", np.int32), ("value", np.float32)):
        replace(f["ratings"], name, np.zeros(0, dtype=dtype))


def below_max_user(f):
    f["ratings"].attrs["n_users"] = int(f["ratings/user"][:].max())


def duplicate_pair(f):
    late = late_row(f)
    for name in ("user", "item"):
        f["ratings/" + name][late] = f["ratings/" + name][EARLY]


def domain_out_of_names(f):
    n_items = int(f["ratings"].attrs["n_items"])
    d = f.create_dataset("items/domain", data=np.arange(n_items, dtype=np.int32) % 3)
    d.attrs["names"] = ["content", "finance", "insurance"]
    d[EARLY] = 3


def two_ratings(f):
    """Only two ratings: with 3 ranks one rank reads none and owns no user or item."""
    for name in ("user", "item", "value"):
        replace(f["ratings"], name, f["ratings/" + name][:2])
    f["ratings"].attrs["n_users"] = int(f["ratings/user"][:].max()) + 1
    f["ratings"].attrs["n_items"] = int(f["ratings/item"][:].max()) + 1


CASES = {
    "missing_value": lambda f: f["ratings"].__delitem__("value"),
    "missing_n_users": del_attr("ratings", "n_users"),
    "length_mismatch": shorten_user,
    "negative_user": set_row("ratings/user", EARLY, -1),
    "item_too_large": lambda f: set_row("ratings/item", late_row(f), int(f["ratings"].attrs["n_items"]))(f),
    "n_users_too_small": below_max_user,
    "nan_value": set_row("ratings/value", EARLY, np.nan),
    "inf_value": lambda f: set_row("ratings/value", late_row(f), np.inf)(f),
    "implicit_zero": implicit_with(EARLY, 0.0),
    "implicit_negative": lambda f: implicit_with(late_row(f), -1.0)(f),
    "float_users": float_users,
    "user_beyond_32_bits": user_beyond_32_bits,
    "string_values": string_values,
    "empty": empty,
    "n_users_huge": set_attr("ratings", "n_users", np.int64(2) ** 40),
    "n_users_zero": set_attr("ratings", "n_users", 0),
    "n_users_negative": set_attr("ratings", "n_users", -5),
    "n_users_array": lambda f: set_attr("ratings", "n_users", np.full(2, f["ratings"].attrs["n_users"]))(f),
    "feedback_bogus": set_attr("ratings", "feedback", "bogus"),
    "duplicates": duplicate_pair,
    "format_version_99": set_attr("/", "format_version", 99),
    "domain_out_of_names": domain_out_of_names,
    "two_ratings": two_ratings,
}


def main():
    valid, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for name, edit in CASES.items():
        path = os.path.join(out, name + ".h5")
        shutil.copyfile(valid, path)
        with h5py.File(path, "r+") as f:
            edit(f)
    with open(os.path.join(out, "not_hdf5.h5"), "w") as f:
        f.write("user,item,value\n1,2,4.5\n")
    with open(valid, "rb") as f:
        data = f.read()
    with open(os.path.join(out, "truncated.h5"), "wb") as f:
        f.write(data[: len(data) // 2])
    with h5py.File(valid, "r") as f:
        print(f"EARLY={EARLY}")
        print(f"LATE={late_row(f)}")
        print(f"N_ITEMS={int(f['ratings'].attrs['n_items'])}")
        print(f"DUP_USER={int(f['ratings/user'][EARLY])}")
        print(f"DUP_ITEM={int(f['ratings/item'][EARLY])}")


if __name__ == "__main__":
    main()
