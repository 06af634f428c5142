"""Independent oracle for tests/cli/import_test.sh: writes small text inputs, and recomputes
from the text what `crossmf import` must have written (ids in first-seen order, duplicates
folded by policy, malformed rows skipped), then compares it with the HDF5 file through h5py.

  import_check.py make DIR                   write the inputs
  import_check.py bad-lines FILE [options]   expected malformed line numbers, one per line
  import_check.py first-dup FILE [options]   "A B": the lines of the first repeated pair
  import_check.py check OUT.h5 [options]     compare; exit 1 with the difference
"""
import argparse
import csv
import math
import random
import sys

import h5py
import numpy as np


# ---------------------------------------------------------------- inputs

def make(folder):
    rng = random.Random(7)
    users = [f"user-{rng.randrange(10**6):06d}" for _ in range(25)]
    items = [f"it{k}" for k in range(20)]
    lines = ["user,item,rating,timestamp"]
    t = 1_600_000_000
    for n in range(400):
        t += rng.randrange(1, 100)
        lines.append(f"{rng.choice(users)},{rng.choice(items)},{rng.choice([1, 2, 3, 3.5, 4, 5])},{t}")
        if n % 37 == 5:  # an exact repeat of a pair, later in the file
            u, i = lines[-1].split(",")[:2]
            lines.append(f"{u},{i},{rng.choice([1, 2, 5])},{t + 1}")
        if n == 100:
            lines.append('"quoted user","it,3",4.5,1600000500')  # quotes around a delimiter
        if n == 200:
            lines.append("")  # blank: skipped, not malformed
    bad = [",it1,3,5", "user-x,,3,5", "user-x,it1,abc,5", "user-x,it1,nan,5", "user-x,it1,inf,5",
           "user-x,it1,3", "user-x,it1,3,4,5", "user-x,it1,3,12.5", '"user-x,it1,3,5']
    for k, row in enumerate(bad):
        lines.insert(20 + 30 * k, row)
    write(folder, "ratings.csv", lines)

    # Held-out set: known pairs, unknown ids, one duplicate, no header.
    test = [f"{rng.choice(users)},{rng.choice(items)},{rng.choice([1, 4])},{t + k}" for k in range(30)]
    test += ["stranger,it1,3,1", "user-zzz,it2,4,2", f"{users[0]},no-such-item,2,3", test[0]]
    write(folder, "test.csv", test)

    # MovieLens: integer ids, "::", no header.
    ml = [f"{rng.randrange(1, 30)}::{rng.randrange(1, 50)}::{rng.randrange(1, 6)}::{978300000 + k}" for k in range(200)]
    ml.insert(50, "7::x::3::978300000")  # fine: the item id is text
    ml.insert(60, "7::8::3")
    write(folder, "ratings.dat", ml)

    # TSV with a header and no time column.
    write(folder, "ratings.tsv", ["uid\tiid\tscore"] +
          [f"{rng.choice(users)}\t{rng.choice(items)}\t{rng.randrange(1, 11) / 2}" for _ in range(100)])

    # Implicit: user, item, count; plus one with only two columns.
    write(folder, "clicks.csv", [f"{rng.randrange(100, 140)},{rng.randrange(5000, 5030)},{rng.randrange(1, 9)}"
                                 for _ in range(300)] + ["101,5001,0", "102,5002,-3"])
    write(folder, "views.csv", [f"{rng.choice(users)},{rng.choice(items)}" for _ in range(150)])

    # Items: domains in first-seen order, two features, a new item, a repeated item, a bad row.
    domains = ["content", "finance", "insurance"]
    rows = ["item,domain,price,term"]
    for k, item in enumerate(items[:15]):
        rows.append(f"{item},{domains[(k * 7) % 3]},{rng.randrange(100) / 4},{rng.randrange(3)}")
    rows += ["brand-new-item,insurance,9.5,2", f"{items[2]},finance,1.25,1", "it19,content,cheap,1"]
    write(folder, "items.csv", rows)

    # Users: semicolon-separated, a header with names, a new user, a repeated user.
    rows = ["user;minutes;purchases;tenure"]
    for u in users[:20]:
        rows.append(f"{u};{rng.randrange(1000) / 10};{rng.randrange(20)};{rng.randrange(60)}")
    rows += ["cold-user;1;2;3", f"{users[1]};5.5;6;7"]
    write(folder, "users.csv", rows)

    rows = [f"{u},{rng.randrange(2)}" for u in users[:18]]
    rows += ["cold-user,1", "unknown-user,0", f"{users[0]},{1 - int(rows[0][-1])}", f"{users[3]},2"]
    write(folder, "labels.csv", rows)


def write(folder, name, lines):
    with open(f"{folder}/{name}", "w") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------- reading text as documented

def split(text, delim):
    if delim == ",":
        return next(csv.reader([text], strict=True))
    return text.split(delim)


def data_rows(path, delim, header):
    """(line number, fields or None if it cannot be split) of the data rows; column count."""
    with open(path, newline="") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out, ncol = [], None
    for no, text in enumerate(lines, 1):
        text = text.rstrip("\r")
        if text.strip() == "":
            continue
        try:
            fields = [x.strip() for x in split(text, delim)]
        except csv.Error:
            fields = None
        if ncol is None:
            ncol = len(fields)
            if header:
                continue
        out.append((no, fields if fields is not None and len(fields) == ncol else None))
    return out, ncol


def number(s):
    try:
        v = float(s)
    except ValueError:
        return None
    return v if math.isfinite(v) and abs(v) <= 3.4028234663852886e38 else None


def integer(s):
    try:
        return int(s)
    except ValueError:
        return None


def rating_rows(path, a):
    """(line, user, item, value, time) of valid rows, and the malformed line numbers."""
    rows, bad = [], []
    for no, f in data_rows(path, a.delim, a.header)[0]:
        ok = f is not None and f[0] != "" and f[1] != ""
        value = 1.0 if ok and len(f) == 2 else (number(f[2]) if ok else None)
        time = (integer(f[3]) if len(f) == 4 else 0) if ok else None
        ok = ok and value is not None and time is not None and (a.feedback == "explicit" or value > 0)
        if ok:
            rows.append((no, f[0], f[1], value, time))
        else:
            bad.append(no)
    return rows, bad


def fold(rows, policy):
    """{(user, item): (value, time)} and the first repeated pair's lines."""
    acc, first, dup = {}, {}, None
    for no, u, i, v, t in rows:
        k = (u, i)
        if k in acc:
            dup = dup or (first[k], no)
            s, c, last, _ = acc[k]
            acc[k] = (s + v, c + 1, v, t)
        else:
            first[k] = no
            acc[k] = (v, 1, v, t)
    pick = {"last": lambda s, c, last: last, "sum": lambda s, c, last: s, "mean": lambda s, c, last: s / c}
    return {k: (pick[policy](s, c, last), t) for k, (s, c, last, t) in acc.items()}, dup


def first_seen(rows, index):
    order = {}
    for r in rows:
        order.setdefault(r[index], len(order))
    return order


# ---------------------------------------------------------------- comparing

def ids(ds):
    v = ds[()]
    if ds.dtype.kind in "iu":
        return [str(x) for x in v.tolist()]
    return [x.decode() if isinstance(x, bytes) else x for x in v.tolist()]


def expect(cond, what):
    if not cond:
        sys.exit(f"import_check: {what}")


def check_group(f, group, expected, users, items, has_time):
    u, i, v = f[f"{group}/user"][()], f[f"{group}/item"][()], f[f"{group}/value"][()]
    expect(len(u) == len(expected), f"{group}: {len(u)} ratings, expected {len(expected)}")
    expect((f"{group}/time" in f) == has_time, f"{group}/time present: {f'{group}/time' in f}, expected {has_time}")
    keys = list(zip(u.tolist(), i.tolist()))
    expect(keys == sorted(keys), f"{group}: not sorted by (user, item)")
    t = f[f"{group}/time"][()] if has_time else np.zeros(len(u), dtype=np.int64)
    for k in range(len(u)):
        pair = (users[u[k]], items[i[k]])
        expect(pair in expected, f"{group}: unexpected pair {pair}")
        ev, et = expected[pair]
        expect(abs(v[k] - ev) <= 1e-5 * max(1, abs(ev)), f"{group}: {pair} value {v[k]}, expected {ev}")
        expect(not has_time or t[k] == et, f"{group}: {pair} time {t[k]}, expected {et}")


def check(a):
    f = h5py.File(a.output, "r")
    expect(f.attrs["format"] in (b"crossmf-input", "crossmf-input"), "format attribute")
    expect(int(f.attrs["format_version"]) == 1, "format_version")
    rows, _ = rating_rows(a.ratings, a)
    expected, _ = fold(rows, a.policy)
    user_order, item_order = first_seen(rows, 1), first_seen(rows, 2)
    ncol = data_rows(a.ratings, a.delim, a.header)[1]

    # Side tables may add ids after the ratings' ones, in their own first-seen order.
    item_rows = user_rows = label_rows = []
    if a.items:
        item_rows = valid_side(a.items, a, 2)
        for no, fields in item_rows:
            item_order.setdefault(fields[0], len(item_order))
    if a.users:
        user_rows = valid_side(a.users, a, 1)
        for no, fields in user_rows:
            user_order.setdefault(fields[0], len(user_order))
    users, items = list(user_order), list(item_order)
    got_users, got_items = ids(f["users/id"]), ids(f["items/id"])
    expect(got_users == users, f"users/id {got_users[:5]}..., expected {users[:5]}...")
    expect(got_items == items, f"items/id {got_items[:5]}..., expected {items[:5]}...")
    all_int = all(s.lstrip("-").isdigit() and str(int(s)) == s for s in users)
    expect((f["users/id"].dtype.kind == "i") == all_int, f"users/id dtype {f['users/id'].dtype}")
    at = f["ratings"].attrs
    expect(int(at["n_users"]) == len(users) and int(at["n_items"]) == len(items),
           f"n_users {at['n_users']}, n_items {at['n_items']}, expected {len(users)}, {len(items)}")
    fb = at["feedback"]
    expect((fb.decode() if isinstance(fb, bytes) else fb) == a.feedback, "feedback attribute")
    check_group(f, "ratings", expected, users, items, ncol == 4)

    if a.test:
        trows, _ = rating_rows(a.test, argparse.Namespace(**{**vars(a), "header": False}))
        rating_users, rating_items = {r[1] for r in rows}, {r[2] for r in rows}
        known = [r for r in trows if r[1] in rating_users and r[2] in rating_items]
        texpected, _ = fold(known, a.policy)
        check_group(f, "test", texpected, users, items, data_rows(a.test, a.delim, False)[1] == 4)
        expect(len(trows) - len(known) == a.test_dropped, f"test: {len(trows) - len(known)} dropped rows "
               f"in the oracle, the test expects {a.test_dropped}")
    else:
        expect("test" not in f, "unexpected /test")

    if a.items:
        names = read_header(a.items, a.delim_items or a.delim)
        domains, domain = {}, [-1] * len(items)
        feats = np.zeros((len(items), len(names) - 2), dtype=np.float32)
        for no, fields in item_rows:
            k = item_order[fields[0]]
            domain[k] = domains.setdefault(fields[1], len(domains))
            feats[k] = [float(x) for x in fields[2:]]
        expect(f["items/domain"][()].tolist() == domain, f"items/domain {f['items/domain'][()].tolist()}, expected {domain}")
        expect([s.decode() if isinstance(s, bytes) else s for s in f["items/domain"].attrs["names"]] == list(domains),
               "items/domain names")
        expect(np.allclose(f["items/features"][()], feats), "items/features")
        expect([s.decode() if isinstance(s, bytes) else s for s in f["items/features"].attrs["names"]] == names[2:],
               "items/features names")
    if a.users:
        names = read_header(a.users, a.delim_users or a.delim)
        feats = np.zeros((len(users), len(names) - 1), dtype=np.float32)
        for no, fields in user_rows:
            feats[user_order[fields[0]]] = [float(x) for x in fields[1:]]
        expect(np.allclose(f["users/features"][()], feats), "users/features")
        expect([s.decode() if isinstance(s, bytes) else s for s in f["users/features"].attrs["names"]] == names[1:],
               "users/features names")
    if a.labels:
        labels = {}
        for no, fields in data_rows(a.labels, a.delim, False)[0]:
            if fields and fields[0] in user_order and number(fields[1]) in (0.0, 1.0):
                labels[user_order[fields[0]]] = int(float(fields[1]))  # dict keeps first-insertion order
        expect(f["labels/user"][()].tolist() == list(labels), f"labels/user {f['labels/user'][()].tolist()}")
        expect(f["labels/value"][()].tolist() == list(labels.values()), "labels/value")
    print(f"import_check: {a.output} matches ({len(expected)} ratings, {len(users)} users, {len(items)} items)")


def read_header(path, delim):
    with open(path) as f:
        return [x.strip() for x in split(f.readline().rstrip("\n"), delim)]


def valid_side(path, a, first_feature):
    delim = (a.delim_items if first_feature == 2 else a.delim_users) or a.delim
    out = []
    for no, fields in data_rows(path, delim, True)[0]:
        if fields and fields[0] and (first_feature == 1 or fields[1]) and \
                all(number(x) is not None for x in fields[first_feature:]):
            out.append((no, fields))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what")
    p.add_argument("path")
    p.add_argument("--ratings")
    p.add_argument("--delim", default=",")
    p.add_argument("--delim-items")
    p.add_argument("--delim-users")
    p.add_argument("--header", action="store_true")
    p.add_argument("--feedback", default="explicit")
    p.add_argument("--policy", default="last")
    p.add_argument("--test")
    p.add_argument("--test-dropped", type=int, default=0)
    p.add_argument("--items")
    p.add_argument("--users")
    p.add_argument("--labels")
    a = p.parse_args()
    if a.what == "make":
        make(a.path)
    elif a.what == "bad-lines":
        print("\n".join(str(n) for n in rating_rows(a.path, a)[1]))
    elif a.what == "first-dup":
        dup = fold(rating_rows(a.path, a)[0], "last")[1]
        print(f"{dup[0]} {dup[1]}")
    elif a.what == "check":
        a.output = a.path
        check(a)


if __name__ == "__main__":
    main()
