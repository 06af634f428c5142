#!/usr/bin/env bash
# The kernel levels (issue 16), on the MovieLens-20M-shaped matrices (138,493 users, 26,744 items,
# 20 M ratings), k = 64, 1 rank x $THREADS threads. Per level of the default build (CROSSMF_ISA =
# v4, v3, baseline; those this CPU runs), and for the -DCROSSMF_NATIVE=ON build, each measured in
# turn, $ROUNDS rounds, so that both builds see the same machine:
#  - Eigen's GEMM compiled for the level (bench/gemm_rate.cc);
#  - explicit ALS: seconds per iteration (median of iterations 2..), and GFLOP/s counting
#    2 nnz k^2 + (m + n) k^3 / 3 per iteration, as a share of the level's GEMM rate;
#  - implicit ALS (CG): seconds per iteration;
#  - SGD: rating updates per second per core (median epoch);
#  - top-N scoring of every user in 4 lists (from the explicit run): GFLOP/s.
# With LIBMF built with its AVX option at $LIBMF_AVX (bench/README.md says how), its updates per
# second per core on the same training ratings, in each round.
# Each round prints a row per build and level; the end, the median of every figure over the
# rounds and the default build's v4 against the native build.
# usage: bash bench/levels_bench.sh   (ROUNDS=3 THREADS=2 LEVELS="v4 v3 baseline")
source "$(dirname "$0")/common.sh"
build_native
threads=${THREADS:-2}
rounds=${ROUNDS:-3}
levels=${LEVELS:-"v4 v3 baseline"}
LIBMF_AVX=${LIBMF_AVX:-/var/tmp/libmf-avx/mf-train}
dataset "$DATA/ml20m-explicit.h5" --users 138493 --items 26744 --ratings 20000263 --feedback explicit --popularity 1.0 --seed 20
dataset "$DATA/ml20m-implicit.h5" --users 138493 --items 26744 --ratings 20000263 --feedback implicit --popularity 1.0 --seed 21
out="$DATA/levels"
mkdir -p "$out"
rows="$out/rows.tsv"
: > "$rows"

# One measurement of one build at one level: prints a table row.
measure() {  # $1 label, $2 build folder, $3 CROSSMF_ISA
  local label=$1 build=$2 isa=$3
  hold_cpu
  local gemm
  gemm=$(CROSSMF_ISA=$isa "$build/gemm_rate" "$threads" | awk '{print $2}')
  CROSSMF_ISA=$isa mpirun --bind-to none -np 1 "$build/crossmf" train --input "$DATA/ml20m-explicit.h5" \
    --output "$out/als.h5" --algorithm als --factors 64 --iterations 6 --patience 0 --threads "$threads" --log-level info 2> "$out/als.log"
  CROSSMF_ISA=$isa mpirun --bind-to none -np 1 "$build/crossmf" train --input "$DATA/ml20m-implicit.h5" \
    --output "$out/cg.h5" --factors 64 --lambda 0.01 --alpha 3 --iterations 6 --patience 0 --threads "$threads" --log-level info 2> "$out/cg.log"
  CROSSMF_ISA=$isa mpirun --bind-to none -np 1 "$build/crossmf" train --input "$DATA/ml20m-explicit.h5" \
    --output "$out/sgd.h5" --algorithm sgd --factors 64 --iterations 4 --patience 0 --threads "$threads" \
    --log-level info 2> "$out/sgd.log"
  release_cpu
  "$PY" - "$out" "$label" "$gemm" "$rows" <<'PY'
import re, sys, h5py, numpy as np
out, label, gemm, rows = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
def hist(name): return h5py.File(f"{out}/{name}.h5")["metrics/history"]
als, cg, sgd = hist("als"), hist("cg"), hist("sgd")
log = open(f"{out}/als.log").read()
nnz = int(re.search(r"partition: (\d+) training", log).group(1))
m, n, k = 138493, 26744, 64
flops = 2 * nnz * k * k + (m + n) * k ** 3 / 3
s_als, s_cg = np.median(als["seconds"][1:]), np.median(cg["seconds"][1:])
ups = np.median(sgd["updates_per_second_per_core"][()])
topn = float(re.search(r"([0-9.]+) GFLOP/s scoring", log).group(1))
kern = re.search(r"kernels (.*)$", log.splitlines()[0]).group(1)
rmse = h5py.File(f"{out}/als.h5")["metrics"].attrs["rmse"]
ndcg = h5py.File(f"{out}/cg.h5")["metrics"].attrs["ndcg_at_k"]
print(f"{label:<22} {kern:<24} gemm {gemm:6.1f}  als {s_als:6.3f} s = {flops / s_als * 1e-9:6.1f} GFLOP/s "
      f"({100 * flops / s_als * 1e-9 / gemm:4.1f}% of gemm)  cg {s_cg:6.3f} s  sgd {ups / 1e6:5.1f} M/s/core  "
      f"top-N {topn:6.1f} GFLOP/s  [rmse {rmse:.6f} ndcg {ndcg:.6f}]")
with open(rows, "a") as f:
    print(label, kern, gemm, s_als, flops / s_als * 1e-9, s_cg, ups, topn, rmse, ndcg, sep="\t", file=f)
PY
}

# LIBMF (its AVX build) on the training ratings of crossmf's split.
libmf() {
  [ -x "$LIBMF_AVX" ] || { echo "libmf (AVX): $LIBMF_AVX not found, skipped"; return; }
  if [ ! -f "$DATA/sgd/libmf/train.txt" ]; then
    mkdir -p "$DATA/sgd/libmf"
    "$PY" bench/split_text.py "$DATA/ml20m-explicit.h5" "$DATA/sgd/libmf"
  fi
  hold_cpu
  "$PY" - "$LIBMF_AVX" "$DATA" "$threads" <<'PY'
import subprocess, sys, time
mf, d, threads = sys.argv[1:4]
nnz = sum(1 for _ in open(f"{d}/sgd/libmf/train.txt"))
p = subprocess.Popen([mf, "-k", "64", "-t", "6", "-s", threads, "-l2", "0.05", "-p", f"{d}/sgd/libmf/test.txt",
                      f"{d}/sgd/libmf/train.txt", f"{d}/levels/libmf-model.txt"], stdout=subprocess.PIPE, text=True)
stamps = []
for line in p.stdout:
    f = line.split()
    if len(f) == 4 and f[0].isdigit():
        stamps.append(time.time())
p.wait()
per_iter = sorted(b - a for a, b in zip(stamps, stamps[1:]))[len(stamps) // 2 - 1]
ups = nnz / per_iter / int(threads)
print(f"{'libmf (AVX build)':<22} {'':<24} sgd {ups / 1e6:5.1f} M/s/core (median of {len(stamps) - 1} iterations)")
with open(f"{d}/levels/rows.tsv", "a") as f:
    print("libmf (AVX build)", "", "nan", "nan", "nan", "nan", ups, "nan", "nan", "nan", sep="\t", file=f)
PY
  release_cpu
}

for round in $(seq "$rounds"); do
  echo "round $round"
  for level in $levels; do
    measure "default, CROSSMF_ISA=$level" "$BUILD" "$level"
    [ "$level" = "$(echo $levels | awk '{print $1}')" ] && measure "native" "$NATIVE_BUILD" auto
  done
  libmf
done

# Medians over the rounds, and the ratios the issue asks for.
"$PY" - "$rows" <<'PY'
import sys
import numpy as np
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
labels = list(dict.fromkeys(r[0] for r in rows))
med = {}
print("\nmedians over the rounds:")
print(f"{'':<30} {'gemm':>7} {'als s/it':>9} {'als GF/s':>9} {'% gemm':>7} {'cg s/it':>8} {'sgd M/s/core':>13} {'top-N GF/s':>11}")
for l in labels:
    v = np.array([[float(x) for x in r[2:8]] for r in rows if r[0] == l])
    m = med[l] = np.median(v, axis=0)
    print(f"{l:<30} {m[0]:7.1f} {m[1]:9.3f} {m[2]:9.1f} {100 * m[2] / m[0]:7.1f} {m[3]:8.3f} {m[4] / 1e6:13.1f} {m[5]:11.1f}")
d, n = med.get("default, CROSSMF_ISA=v4"), med.get("native")
if d is not None and n is not None:
    print(f"default (v4) against native: explicit ALS {n[1] / d[1]:.3f}x native's speed, implicit ALS (CG) "
          f"{n[3] / d[3]:.3f}x, SGD {d[4] / n[4]:.3f}x, top-N {d[5] / n[5]:.3f}x (1.0 = as fast; >= 0.9 is the target)")
v3, lib = med.get("default, CROSSMF_ISA=v3"), med.get("libmf (AVX build)")
if v3 is not None:
    print(f"CROSSMF_ISA=v3: explicit ALS at {100 * v3[2] / v3[0]:.1f}% of the AVX2 GEMM rate (target >= 50%)"
          + (f"; SGD {v3[4] / lib[4]:.2f}x LIBMF's AVX build per core (target >= 1)" if lib is not None else ""))
PY