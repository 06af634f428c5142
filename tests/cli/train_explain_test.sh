#!/usr/bin/env bash
# train's explanations checked against numpy (tests/tools/check_explain.py) on planted data with
# domains, behavioural features and labels, on 1, 2 and 3 ranks: each user's risk reason codes
# from the stored coefficients and standardisation, and each segment's size, activity, risk,
# domain lift and label from the per-user datasets. Without labels: no reasons, segment risk NaN.
source "$(dirname "$0")/lib.sh"
run() { timeout 120 mpirun --oversubscribe --bind-to none -np "$@"; }

"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/in.h5" --users 600 --items 120 --rank 4 --domains --features 3 \
  --labels 0.7 --cold-users 4 --test-fraction 0.1
opts=(--factors 4 --iterations 10 --patience 0 --audience-size 25 --risk-threshold 0.4 --log-level warn)
for np in 1 2 3; do
  run "$np" "$CROSSMF" train --input "$work/in.h5" --output "$work/out$np.h5" "${opts[@]}"
  "$PY" "$CROSSMF_TESTS/tools/check_explain.py" "$work/in.h5" "$work/out$np.h5"
done
"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/nolabels.h5" --users 300 --items 90 --rank 4 --domains --features 2
run 2 "$CROSSMF" train --input "$work/nolabels.h5" --output "$work/nolabels-out.h5" "${opts[@]}"
"$PY" "$CROSSMF_TESTS/tools/check_explain.py" "$work/nolabels.h5" "$work/nolabels-out.h5" --no-risk
