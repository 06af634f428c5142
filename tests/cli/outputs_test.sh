#!/usr/bin/env bash
# What the platform acts on, checked by brute force (tests/tools/check_outputs.py) on planted
# data with domains, behavioural features and labels (tests/tools/planted.py):
# recommendations, gating, audiences, similar items and the risk model on 1, 2 and 3 ranks;
# the same outputs on every rank count; the input's ids, deflated in chunks that split unevenly
# over the ranks, copied whole; the 3-rank file opens in h5dump with every dataset of
# CONTRACT.md present.
source "$(dirname "$0")/lib.sh"
run() { timeout 120 mpirun --oversubscribe --bind-to none -np "$@"; }

"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/in.h5" --users 600 --items 120 --rank 4 --domains --features 3 \
  --labels 0.7 --cold-users 4 --test-fraction 0.1 --ids-chunk 64
opts=(--factors 4 --iterations 10 --patience 0 --audience-size 25 --risk-threshold 0.4 --log-level warn)
for np in 1 2 3; do
  run "$np" "$CROSSMF" train --input "$work/in.h5" --output "$work/out$np.h5" "${opts[@]}"
  "$PY" "$CROSSMF_TESTS/tools/check_outputs.py" "$work/in.h5" "$work/out$np.h5"
done
run 2 "$CROSSMF" train --input "$work/in.h5" --output "$work/flag.h5" "${opts[@]}" --gating flag
"$PY" "$CROSSMF_TESTS/tools/check_outputs.py" "$work/in.h5" "$work/flag.h5" --gating flag

# The risk model against the planted label model needs more labelled users.
"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/big.h5" --users 12000 --items 60 --rank 3 --density 0.2 \
  --features 2 --labels 0.9
run 2 "$CROSSMF" train --input "$work/big.h5" --output "$work/big-out.h5" --factors 3 --iterations 10 --log-level warn \
  --top-n 3 --segments 3
"$PY" - "$work" <<'PY'
import os, sys, subprocess, h5py, numpy as np
w = sys.argv[1]
sys.path.insert(0, os.path.join(os.environ["CROSSMF_TESTS"], "tools"))
from checklib import check, finish

# Same outputs (to float tolerance) on 1, 2 and 3 ranks.
ref = h5py.File(f"{w}/out1.h5")
for np_ in (2, 3):
    other = h5py.File(f"{w}/out{np_}.h5")
    diffs = []
    def cmp(name, obj):
        if not isinstance(obj, h5py.Dataset) or name.endswith("seconds") or "gflops" in name or "bytes_sent" in name:
            return
        a, b = obj[()], other[name][()]
        if a.dtype.kind == "f":
            if not np.allclose(a, b, rtol=1e-4, atol=1e-5, equal_nan=True): diffs.append(name)
        elif a.dtype.kind in "iu" and "recommendations" in name or "similar" in name or "audiences" in name:
            if np.mean(a != b) > 0.01: diffs.append(name)  # near-ties in float scores may swap
        elif a.dtype.kind in "iu" and not np.array_equal(a, b):
            if "segment" not in name or np.mean(a != b) > 0.01: diffs.append(name)
    ref.visititems(cmp)
    check(not diffs, f"{np_} ranks: every dataset equals the 1-rank output to float tolerance ({diffs})")

# The ids, copied whole chunk by chunk: 10 chunks of users and 2 of items over 1-3 ranks (on 3
# ranks one copies no item chunk).
fin = h5py.File(f"{w}/in.h5")
for np_ in (1, 2, 3):
    out = h5py.File(f"{w}/out{np_}.h5")
    for name in ("users/id", "items/id"):
        check(out[name].dtype == np.int64 and np.array_equal(out[name][()], fin[name][()]),
              f"{np_} ranks: {name} equals the input's")

# Every dataset of CONTRACT.md, and h5dump can read the 3-rank file.
f = h5py.File(f"{w}/out3.h5")
need = ["model/user_factors", "model/item_factors", "model/user_bias", "model/item_bias", "metrics/history/loss",
        "profiles/segment", "profiles/centroids", "profiles/activity", "profiles/domain_share",
        "recommendations/all/items", "recommendations/all/scores", "recommendations/finance/items",
        "recommendations/insurance/scores", "recommendations/content/items", "similar_items/items", "similar_items/scores",
        "risk/score", "risk/tier", "risk/coefficients", "audiences/finance/items", "audiences/finance/users",
        "audiences/finance/scores", "audiences/finance/control", "audiences/insurance/users", "items/domain"]
missing = [n for n in need if n not in f]
check(not missing, f"every CONTRACT.md dataset present ({missing} missing)")
root = dict(f.attrs)
check(all(a in root for a in ["format", "format_version", "crossmf_version", "created_utc", "n_ranks", "config", "input_fingerprint"])
      and root["format"] == "crossmf-output" and root["n_ranks"] == 3, "root attributes of CONTRACT.md, n_ranks = 3")
check(all(a in f["risk"].attrs for a in ["auc", "ks", "gini", "brier"]) and "feature_names" in f["risk/coefficients"].attrs,
      "risk group attributes auc, ks, gini, brier and coefficient names")
check(all(a in f["metrics"].attrs for a in ["rmse", "mae"]), "final held-out metrics rmse, mae")
dump = subprocess.run(["h5dump", "-H", f"{w}/out3.h5"], capture_output=True, text=True)
check(dump.returncode == 0 and "/audiences/finance/control" not in dump.stderr, "h5dump reads the 3-rank output")
dump = subprocess.run(["h5dump", "-d", "/recommendations/all/items", f"{w}/out3.h5"], capture_output=True, text=True)
check(dump.returncode == 0 and "DATA" in dump.stdout, "h5dump reads a dataset's data")
flag = h5py.File(f"{w}/flag.h5")
risky = flag["risk/score"][()] >= flag["risk"].attrs["threshold"]
check(np.array_equal(flag["recommendations/gated"][()].astype(bool), risky) and risky.any(),
      "--gating flag marks exactly the users at or above the threshold")
finish()
PY
"$PY" "$CROSSMF_TESTS/tools/check_outputs.py" "$work/big.h5" "$work/big-out.h5" --planted-auc
