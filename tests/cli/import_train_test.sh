#!/usr/bin/env bash
# Text in, recommendations out: a CSV with string ids imported, trained on 3 ranks, and the
# output's ids map every row back to the original strings; an item missing from the items file
# (domain -1) is in no domain list.
source "$(dirname "$0")/lib.sh"
"$PY" - "$work" <<'PY'
import sys, numpy as np
w = sys.argv[1]
rng = np.random.default_rng(3)
users = [f"user-{c}{n}" for n in range(60) for c in "ab"]
items = [f"course:{n:03d}" for n in range(40)]
with open(f"{w}/ratings.csv", "w") as f:
    f.write("user,item,rating\n")
    for u in users:
        for i in rng.choice(len(items), 12, replace=False):
            f.write(f"{u},{items[i]},{rng.integers(1, 6)}\n")
with open(f"{w}/items.csv", "w") as f:
    f.write("item,domain\n")
    for n, i in enumerate(items[:-1]):  # the last item has no row: domain -1
        f.write(f"{i},{['content', 'finance', 'insurance'][n % 3]}\n")
PY
mpirun --oversubscribe -np 2 "$CROSSMF" import --ratings "$work/ratings.csv" --items "$work/items.csv" --output "$work/in.h5" --log-level warn
timeout 120 mpirun --oversubscribe --bind-to none -np 3 "$CROSSMF" train --input "$work/in.h5" --output "$work/out.h5" \
  --factors 4 --iterations 5 --top-n 5 --log-level warn
"$PY" - "$work" <<'PY'
import os, sys, h5py, numpy as np
w = sys.argv[1]
sys.path.insert(0, os.path.join(os.environ["CROSSMF_TESTS"], "tools"))
from checklib import check, finish
fi, fo = h5py.File(f"{w}/in.h5"), h5py.File(f"{w}/out.h5")
for name in ("users/id", "items/id"):
    check(np.array_equal(fi[name][()], fo[name][()]), f"/{name} copied row for row ({fo[name].dtype})")
ids = [x.decode() for x in fo["users/id"][()]]
check(ids[0] == "user-a0" and ids[1] == "user-b0", "first output rows map back to the first users of the CSV")
dom = fi["items/domain"][()]
lost = int(np.nonzero(dom == -1)[0][0]) if (dom == -1).any() else None
check(lost is not None, "the item without a row in items.csv has domain -1")
for d in ("content", "finance", "insurance"):
    check(not np.isin(fo[f"recommendations/{d}/items"][()], [lost]).any(), f"the domain-less item is in no {d} list")
finish()
PY
