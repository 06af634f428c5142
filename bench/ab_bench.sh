#!/usr/bin/env bash
# Two crossmf binaries side by side (a change that must not cost speed, e.g. a refactor): on the
# MovieLens-20M-shaped explicit and implicit inputs of the other benches, explicit ALS, implicit
# ALS (lambda and alpha fixed) and explicit SGD, 3 iterations each, the binaries alternated
# ROUNDS times (default 2), 1 rank x 2 threads. Prints each run's mean seconds per iteration
# (iterations 2-3) and the median ratio NEW / REF per case.
# usage: bash bench/ab_bench.sh REF_BINARY NEW_BINARY
source "$(dirname "$0")/common.sh"
ref=$1 new=$2 rounds=${ROUNDS:-2}
explicit="$DATA/ml20m-explicit.h5" implicit="$DATA/ml20m-implicit.h5"
dataset "$explicit" --users 138493 --items 26744 --ratings 20000263 --feedback explicit --popularity 1.0 --seed 20
dataset "$implicit" --users 138493 --items 26744 --ratings 20000263 --feedback implicit --popularity 1.0 --seed 20
declare -A cases=(
  [als-explicit]="--input $explicit --algorithm als"
  [als-implicit]="--input $implicit --algorithm als --lambda 0.01 --alpha 3"
  [sgd-explicit]="--input $explicit --algorithm sgd")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for name in als-explicit als-implicit sgd-explicit; do
  for round in $(seq "$rounds"); do
    for side in ref new; do
      bin=$ref; [ "$side" = new ] && bin=$new
      hold_cpu
      # shellcheck disable=SC2086
      mpirun --bind-to none -np 1 "$bin" train ${cases[$name]} --output "$out/o.h5" --iterations 3 --patience 0 \
        --threads 2 --log-level warn 2>/dev/null
      release_cpu
      "$PY" -c "import h5py,sys; s=h5py.File(sys.argv[1],'r')['metrics/history/seconds'][()]; print(s[1:].mean())" \
        "$out/o.h5" >>"$out/$name-$side"
    done
  done
  "$PY" - "$out/$name-ref" "$out/$name-new" "$name" <<'PY'
import sys, numpy as np
r, n = (np.loadtxt(p, ndmin=1) for p in sys.argv[1:3])
print(f"{sys.argv[3]:<13} s/iteration ref {' '.join(f'{x:.3f}' for x in r)}  new {' '.join(f'{x:.3f}' for x in n)}"
      f"  new/ref {np.median(n / r):.3f}")
PY
done
