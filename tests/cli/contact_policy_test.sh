#!/usr/bin/env bash
# The contact policy (--max-offers-per-user N), checked against the problem it solves by
# tests/tools/contact_check.py (independent of crossmf: numpy from the output's factors, and an
# exact linear program with scipy):
#  - on planted explicit data with risk gating, on 1, 2 and 3 ranks, on generated data with more
#    products than a user's list of candidates, and on implicit data with no risk model: at most A users per product and N products per user, only eligible users,
#    never a product the user rated, and a total affinity >= 95% of the exact optimum;
#  - crossmf score takes the cap from the model and honours it on the users it folds in;
#  - N = 0 (the default) writes the audiences it always did (check_outputs.py's brute force),
#    the same datasets as with no option given;
#  - a negative N is a usage error.
source "$(dirname "$0")/lib.sh"
run() { timeout 120 mpirun --oversubscribe --bind-to none -np "$@"; }
check() { "$PY" "$CROSSMF_TESTS/tools/contact_check.py" "$@"; }

# 400 users, 24 finance and insurance products of 8 places: contested on both sides.
"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/in.h5" --users 400 --items 60 --rank 4 --domains --features 3 \
  --labels 0.7 --cold-users 3 --test-fraction 0.1 --ids-chunk 64
opts=(--factors 4 --iterations 10 --patience 0 --risk-threshold 0.4 --log-level warn)
for np in 1 2 3; do
  run "$np" "$CROSSMF" train --input "$work/in.h5" --output "$work/out$np.h5" "${opts[@]}" --audience-size 8 \
    --max-offers-per-user 2
  check "$work/in.h5" "$work/out$np.h5" --optimum 0.95
done
run 2 "$CROSSMF" train --input "$work/in.h5" --output "$work/one.h5" "${opts[@]}" --audience-size 30 \
  --max-offers-per-user 1
check "$work/in.h5" "$work/one.h5" --optimum 0.95

echo "== 90 products, more than a user's list of 64: lists made again as prices rise"
run 2 "$CROSSMF" generate --output "$work/gen.h5" --users 1500 --items 300 --ratings 30000 --seed 5 --log-level warn
run 3 "$CROSSMF" train --input "$work/gen.h5" --output "$work/gen-out.h5" --factors 8 --iterations 5 --log-level warn \
  --audience-size 5 --max-offers-per-user 2
check "$work/gen.h5" "$work/gen-out.h5" --optimum 0.95

echo "== implicit, no risk model"
"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/imp.h5" --users 300 --items 50 --rank 4 --domains --implicit
run 3 "$CROSSMF" train --input "$work/imp.h5" --output "$work/imp-out.h5" --factors 4 --iterations 5 \
  --lambda 0.05 --alpha 3 --log-level warn --audience-size 12 --max-offers-per-user 3
check "$work/imp.h5" "$work/imp-out.h5" --optimum 0.95

echo "== score: the model's cap"
run 2 "$CROSSMF" score --model "$work/out2.h5" --input "$work/in.h5" --output "$work/scored.h5" --log-level warn
check "$work/in.h5" "$work/scored.h5" --optimum 0.95

echo "== N = 0: the audiences as before"
run 2 "$CROSSMF" train --input "$work/in.h5" --output "$work/zero.h5" "${opts[@]}" --audience-size 8 \
  --max-offers-per-user 0
run 2 "$CROSSMF" train --input "$work/in.h5" --output "$work/plain.h5" "${opts[@]}" --audience-size 8
"$PY" "$CROSSMF_TESTS/tools/check_outputs.py" "$work/in.h5" "$work/zero.h5"
"$PY" - "$work/zero.h5" "$work/plain.h5" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert a["audiences"].attrs["max_offers_per_user"] == 0
for d in a["audiences"]:
    for leaf in ("items", "users", "scores", "control"):
        x, y = a[f"audiences/{d}/{leaf}"][()], b[f"audiences/{d}/{leaf}"][()]
        assert np.array_equal(x, y, equal_nan=leaf == "scores"), (d, leaf)
print("ok   --max-offers-per-user 0 writes the audiences of no option")
PY

echo "== errors"
set +e
run 1 "$CROSSMF" train --input "$work/in.h5" --output "$work/bad.h5" --max-offers-per-user -1 >"$work/log" 2>&1
code=$?
set -e
[ "$code" = 2 ] || { cat "$work/log"; echo "FAILED: exit $code for --max-offers-per-user -1, want 2"; exit 1; }
grep -q "max-offers-per-user" "$work/log" || { cat "$work/log"; echo "FAILED: the message does not name the option"; exit 1; }
[ ! -e "$work/bad.h5" ] || { echo "FAILED: an output was written"; exit 1; }
echo "all contact policy checks passed"
