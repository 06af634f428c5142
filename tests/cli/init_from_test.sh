#!/usr/bin/env bash
# train --init-from: day 2's input holds day 1's users and items in another order, with new
# ones mixed in (tests/tools/day_two.py). On 1, 2 and 3 ranks, each known user and item starts
# from day 1's factors and bias of the same external id (checked after one SGD epoch at a
# negligible learning rate, so the start shows through), and the new ones from the usual start.
# One warm ALS iteration fits day 2 better than one cold one. Errors: an input without ids, a
# model of another k, a file that is not an output, no id in common: exit 2, nothing written.
source "$(dirname "$0")/lib.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
run() { local np=$1; shift; timeout 120 mpirun --oversubscribe --bind-to none -np "$np" "$CROSSMF" "$@"; }
fail() { echo "FAILED: $*"; exit 1; }

run 2 generate --output "$work/g.h5" --users 600 --items 200 --ratings 12000 --seed 5 >/dev/null 2>&1
$PY "$CROSSMF_TESTS/tools/day_two.py" "$work/g.h5" "$work"
run 2 train --input "$work/day1.h5" --output "$work/day1-out.h5" --algorithm als --iterations 8 --patience 0 \
  >"$work/log" 2>&1 || { cat "$work/log"; fail "day 1"; }

for np in 1 2 3; do
  run "$np" train --input "$work/day2.h5" --output "$work/warm$np.h5" --init-from "$work/day1-out.h5" \
    --algorithm sgd --learning-rate 1e-7 --iterations 1 >"$work/log" 2>&1 || { cat "$work/log"; fail "np $np"; }
  grep -q "init-from .*: 540 of 600 users and 175 of 200 items start from its factors" "$work/log" ||
    { cat "$work/log"; fail "np $np: the log does not count 540 users and 175 items found"; }
  $PY - "$work/day1-out.h5" "$work/warm$np.h5" <<'PY' || fail "np $np: factors"
import sys, h5py, numpy as np
then, now = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for side in ("user", "item"):
    ids_then, ids_now = then[f"{side}s/id"][()], now[f"{side}s/id"][()]
    at = {int(x): r for r, x in enumerate(ids_then)}
    rows = np.array([at.get(int(x), -1) for x in ids_now])
    known = rows >= 0
    for part in ("factors", "bias"):
        a, b = then[f"model/{side}_{part}"][()], now[f"model/{side}_{part}"][()]
        # One epoch at learning rate 1e-7 moves a value by far less than 1e-4.
        err = np.abs(b[known] - a[rows[known]]).max()
        assert err < 1e-4, (side, part, err)
    # The new ones did not come from any row of day 1.
    a, b = then[f"model/{side}_factors"][()], now[f"model/{side}_factors"][()]
    gap = np.abs(b[~known][:, None, :] - a[None, :, :]).max(axis=2).min()
    assert gap > 1e-3, (side, "a new row equals a day-1 row", gap)
print("ok")
PY
done

rmse() { $PY -c "import h5py,sys; print(h5py.File(sys.argv[1],'r')['metrics'].attrs['rmse'])" "$1"; }
run 2 train --input "$work/day2.h5" --output "$work/cold.h5" --algorithm als --iterations 1 >/dev/null 2>&1
run 2 train --input "$work/day2.h5" --output "$work/warm.h5" --algorithm als --iterations 1 --init-from "$work/day1-out.h5" >/dev/null 2>&1
$PY -c "import sys; w, c = map(float, sys.argv[1:]); assert w < 0.9 * c, (w, c)" "$(rmse "$work/warm.h5")" "$(rmse "$work/cold.h5")" ||
  fail "one warm ALS iteration is not clearly better than one cold one"

refused() {  # EXPECTED_TEXT ARGS...: exit 2, the text on stderr, no output
  local want=$1; shift
  set +e; run 2 train --output "$work/refused.h5" "$@" >"$work/log" 2>&1; local code=$?; set -e
  [ "$code" = 2 ] || { cat "$work/log"; fail "exit $code, not 2, for: $*"; }
  grep -qF -- "$want" "$work/log" || { cat "$work/log"; fail "no '$want' for: $*"; }
  [ ! -e "$work/refused.h5" ] || fail "an output was written for: $*"
}
$PY - "$work" <<'PY'
import sys, h5py
w = sys.argv[1]
with h5py.File(f"{w}/day2.h5", "r") as f, h5py.File(f"{w}/noids.h5", "w") as g:
    for k, v in f.attrs.items(): g.attrs[k] = v
    f.copy("ratings", g)
with h5py.File(f"{w}/day2.h5", "r") as f, h5py.File(f"{w}/strangers.h5", "w") as g:
    for k, v in f.attrs.items(): g.attrs[k] = v
    f.copy("ratings", g)
    g["users/id"], g["items/id"] = f["users/id"][()] + 7_000_000_000, f["items/id"][()] + 7_000_000_000
PY
refused "has no /users/id" --input "$work/noids.h5" --init-from "$work/day1-out.h5"
refused "has 64 factors but this run trains 8; give --factors 64" --input "$work/day2.h5" --init-from "$work/day1-out.h5" --factors 8
refused "is not a crossmf output" --input "$work/day2.h5" --init-from "$work/day1.h5"
refused "shares no user and no item id" --input "$work/strangers.h5" --init-from "$work/day1-out.h5" --algorithm als --iterations 1
echo "init-from: ids matched on 1-3 ranks, warm start better than cold, four refusals"
