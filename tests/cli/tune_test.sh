#!/usr/bin/env bash
# --lambda auto and --alpha auto (the validation-split search), end to end under real mpirun, on
# planted data made by tests/tools/planted.py:
#  - explicit ALS, noisy planted ratings: the chosen lambda's held-out RMSE (the held-out set is
#    never seen by the search) is within 2% of the best of a grid of fixed lambdas run separately,
#    and far better than the grid's ends;
#  - the search runs the same candidates, scores and choice on 1 and 3 ranks;
#  - the output's stored config names the chosen value, and training from that config alone
#    gives the same factors bit for bit;
#  - implicit ALS searches lambda and alpha by default; --alpha auto with a fixed lambda searches alpha alone;
#  - the search does not depend on --iterations (a resumed run may change it): the same choice;
#  - auto where nothing would use it, and a validation split too small, are clear errors.
source "$(dirname "$0")/lib.sh"
run() { timeout 120 mpirun --oversubscribe --bind-to none -np "$@"; }

"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/exp.h5" --users 600 --items 300 --rank 4 --density 0.1 --noise 0.5 \
  --test-fraction 0.1
common=(--algorithm als --factors 8 --iterations 15 --patience 0 --threads 1 --log-level warn)
for np in 1 3; do
  run "$np" "$CROSSMF" train --input "$work/exp.h5" --output "$work/auto$np.h5" "${common[@]}" --lambda auto
done
for l in 0.00078125 0.003125 0.0125 0.05 0.2 0.8 3.2; do  # the default 0.05 x 4^j
  run 1 "$CROSSMF" train --input "$work/exp.h5" --output "$work/fixed-$l.h5" "${common[@]}" --lambda "$l"
done
# The stored config alone (the output's name aside) trains the chosen model again.
"$PY" -c 'import h5py, sys; print(h5py.File(sys.argv[1]).attrs["config"])' "$work/auto1.h5" > "$work/auto1.ini"
run 1 "$CROSSMF" train --config "$work/auto1.ini" --output "$work/again.h5" --log-level warn

"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/imp.h5" --implicit --users 600 --items 300 --rank 4 --density 0.05 \
  --test-fraction 0.2
for np in 1 3; do
  run "$np" "$CROSSMF" train --input "$work/imp.h5" --output "$work/imp$np.h5" --factors 6 --iterations 10 --patience 0 \
    --log-level warn
done
run 2 "$CROSSMF" train --input "$work/imp.h5" --output "$work/alpha.h5" --factors 6 --iterations 10 --patience 0 \
  --lambda 0.05 --alpha auto --log-level warn
# The search does not depend on --iterations, which a resumed run may change: 5 iterations, then
# resumed with 10, make the choice of imp1.h5 (10) both times.
run 1 "$CROSSMF" train --input "$work/imp.h5" --output "$work/half.h5" --factors 6 --iterations 5 --patience 0 \
  --checkpoint "$work/ck.h5" --log-level warn
run 1 "$CROSSMF" train --input "$work/imp.h5" --output "$work/resumed.h5" --factors 6 --iterations 10 --patience 0 \
  --checkpoint "$work/ck.h5" --resume --log-level warn

"$PY" - "$work" <<'PY'
import glob, os, sys, h5py, numpy as np
w = sys.argv[1]
sys.path.insert(0, os.path.join(os.environ["CROSSMF_TESTS"], "tools"))
from checklib import check, finish

def rmse(p): return h5py.File(p)["metrics"].attrs["rmse"]
def table(p):
    with h5py.File(p) as f:
        return {k: f["metrics/tuning"][k][()] for k in f["metrics/tuning"]}, dict(f["model"].attrs)

grid = {float(p.split("fixed-")[1][:-3]): rmse(p) for p in glob.glob(f"{w}/fixed-*.h5")}
best = min(grid.values())
t1, m1 = table(f"{w}/auto1.h5")
t3, m3 = table(f"{w}/auto3.h5")
a1 = rmse(f"{w}/auto1.h5")
print("grid of fixed lambdas, held-out rmse:", {k: round(v, 4) for k, v in sorted(grid.items())})
print("auto: lambda", m1["lambda"], "held-out rmse", round(a1, 4), "candidates", list(t1["lambda"]))
check(a1 <= best * 1.02, f"auto's held-out rmse {a1:.4f} within 2% of the best fixed lambda's {best:.4f}")
check(a1 < 0.9 * min(grid[0.00078125], grid[3.2]),
      f"auto {a1:.4f} far better than the grid's ends ({grid[0.00078125]:.4f}, {grid[3.2]:.4f})")
check(t1["lambda"][0] == 0.05 and len(t1["lambda"]) >= 3, "the search starts at the default 0.05 and tries both ways")
# A candidate replaces the best only by gaining 0.1% on it.
chosen = t1["validation_rmse"][list(t1["lambda"]).index(m1["lambda"])]
check(chosen <= t1["validation_rmse"].min() * 1.001,
      f"/model lambda {m1['lambda']} has the lowest validation rmse to 0.1% ({chosen:.5f}, min {t1['validation_rmse'].min():.5f})")
check(np.array_equal(t1["lambda"], t3["lambda"]) and m1["lambda"] == m3["lambda"],
      f"1 and 3 ranks try the same candidates and choose the same ({m3['lambda']})")
check(np.allclose(t1["validation_rmse"], t3["validation_rmse"], rtol=1e-5, atol=0),
      "validation scores equal on 1 and 3 ranks to 1e-5")
with h5py.File(f"{w}/auto1.h5") as a, h5py.File(f"{w}/again.h5") as b:
    config = a.attrs["config"]
    check(f"lambda = {m1['lambda']:g}" in config or f"lambda = {m1['lambda']!r}" in config,
          "the stored config names the chosen lambda")
    check("metrics/tuning" not in b, "trained from the stored config: no search")
    same = all(np.array_equal(a[d][()], b[d][()]) for d in ["model/user_factors", "model/item_factors", "model/item_bias"])
    check(same, "trained from the stored config: the same factors bit for bit")

i1, n1 = table(f"{w}/imp1.h5")
i3, n3 = table(f"{w}/imp3.h5")
check(len(set(i1["lambda"])) >= 3 and i1["lambda"][0] == 0.01, "implicit ALS: lambda searched by default from 0.01")
check(len(set(i1["alpha"])) >= 2 and i1["alpha"][0] == 3, "implicit ALS: alpha searched by default from 3")
check(n1["lambda"] == n3["lambda"] and n1["alpha"] == n3["alpha"] and np.array_equal(i1["lambda"], i3["lambda"])
      and np.array_equal(i1["alpha"], i3["alpha"]),
      f"implicit: the same candidates and choice ({n1['lambda']}) on 1 and 3 ranks")
pick = [j for j in range(len(i1["lambda"])) if i1["lambda"][j] == n1["lambda"] and i1["alpha"][j] == n1["alpha"]]
check(len(pick) == 1 and i1["validation_ndcg_at_k"][pick[0]] >= i1["validation_ndcg_at_k"].max() * 0.999,
      "implicit: the choice has the best validation ndcg to 0.1%")
for name in ["half", "resumed"]:
    t, m = table(f"{w}/{name}.h5")
    # (scores to 1e-9: the evaluation's per-thread sums may differ in their last bits between runs)
    check(all(np.array_equal(t[c], i1[c]) for c in ["lambda", "alpha"])
          and np.allclose(t["validation_ndcg_at_k"], i1["validation_ndcg_at_k"], rtol=1e-9, atol=0)
          and (m["lambda"], m["alpha"]) == (n1["lambda"], n1["alpha"]),
          f"{name} (--iterations 5, then --resume with 10): the same candidates, scores and choice as 10 straight")
al, am = table(f"{w}/alpha.h5")
check(np.all(al["lambda"] == 0.05) and len(set(al["alpha"])) >= 3 and am["alpha"] in set(al["alpha"]),
      f"--alpha auto with --lambda 0.05: alpha searched ({sorted(set(al['alpha']))}), lambda kept")
finish()
PY

# Auto where nothing would use it, and a validation split that cannot be carved: exit code and
# message, nothing written.
printf '1,1,5\n2,2,3\n1,2,4\n' > "$work/tiny.csv"  # 3 ratings: a 10% split of them is empty
run 1 "$CROSSMF" import --ratings "$work/tiny.csv" --output "$work/tiny.h5" --log-level warn
run 1 "$CROSSMF" import --ratings "$work/tiny.csv" --feedback implicit --output "$work/tinyimp.h5" --log-level warn
expect() {  # code, message, then the train options
  local code=$1 msg=$2; shift 2
  local got=0
  run 2 "$CROSSMF" train --output "$work/bad.h5" --log-level warn "$@" > "$work/bad.log" 2>&1 || got=$?
  if [ "$got" != "$code" ] || ! grep -qF -- "$msg" "$work/bad.log" || [ -e "$work/bad.h5" ]; then
    echo "FAIL $* -> exit $got (want $code, '$msg'), output $([ -e "$work/bad.h5" ] && echo written || echo absent):"
    cat "$work/bad.log"
    exit 1
  fi
  echo "ok   $* -> exit $code: $msg"
}
expect 2 "bmf draws its regularisation from the data" --input "$work/exp.h5" --lambda auto
expect 2 "bmf draws its regularisation from the data" --input "$work/exp.h5" --lambda auto --algorithm bmf
expect 2 "--alpha auto tunes the confidence of implicit feedback" --input "$work/exp.h5" --algorithm als --alpha auto
expect 2 "--alpha auto tunes implicit als" --input "$work/imp.h5" --algorithm sgd --alpha auto
expect 2 "--lambda 'lots' is not a number" --input "$work/exp.h5" --lambda lots
expect 3 "tiny.h5: --lambda/--alpha auto: a validation split of 10% of 3 training ratings is empty" --input "$work/tiny.h5" --algorithm als --lambda auto --factors 2
# By default an implicit run on too little data keeps the default lambda, with a warning.
run 2 "$CROSSMF" train --input "$work/tinyimp.h5" --output "$work/tinyimp-out.h5" --factors 2 --log-level warn \
  > "$work/tinyimp.log" 2>&1
grep -q "lambda 0.01 and alpha 3 kept" "$work/tinyimp.log" && echo "ok   implicit default on tiny data: lambda kept, warned" ||
  { echo "FAIL implicit default on tiny data"; cat "$work/tinyimp.log"; exit 1; }
