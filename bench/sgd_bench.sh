#!/usr/bin/env bash
# Distributed SGD (issue 4) on the MovieLens-20M-shaped explicit matrix, k = 64, 20 epochs. Prints:
#  - the whole run, read to written output, 1 rank x 2 threads, and its per-phase table;
#  - if /var/tmp/libmf/mf-train exists (LIBMF, built by hand: bench/README.md says how), LIBMF's
#    read-train-write on the same training ratings and epochs, run right after crossmf's, twice
#    in turn, with its updates per second per core;
#  - rating updates per second per core in crossmf's training loop;
#  - the time for SGD and for ALS to reach the same held-out RMSE (the best RMSE both reach);
#  - held-out RMSE per epoch with 1, 2 and 4 ranks (1 thread per rank past 1 rank), the finals
#    against 1 rank; bytes per item-factor allreduce and the share of epoch time in collectives.
# usage: bash bench/sgd_bench.sh
source "$(dirname "$0")/common.sh"
threads=${THREADS:-2}
# The ratings stored plain (--compress false): train reads them at disk speed, as LIBMF reads
# its text; deflated, each rank inflates its slice on one core (bench/scale.md).
in="$DATA/ml20m-explicit-plain.h5"
dataset "$in" --users 138493 --items 26744 --ratings 20000263 --feedback explicit --popularity 1.0 --seed 20 --compress false
sgd=(train --input "$in" --algorithm sgd --factors 64 --iterations 20 --patience 0 --log-level info)
LIBMF=${LIBMF:-/var/tmp/libmf/mf-train}

# LIBMF reads crossmf's own training and held-out split (the same seed and rule as
# src/model/partition.cc: splitmix64 of the seed and the pair's original ids) as text; the
# count is checked against crossmf's log below.
if [ -x "$LIBMF" ] && [ ! -f "$DATA/sgd/libmf/train.txt" ]; then
  mkdir -p "$DATA/sgd/libmf"
  "$PY" bench/split_text.py "$in" "$DATA/sgd/libmf"
fi

# 1. Whole runs side by side: crossmf (read, partition, 20 epochs with held-out RMSE each,
#    evaluation, risk, recommendations, profiles, similar items, audiences, write), then LIBMF
#    (read text, 20 iterations with held-out RMSE each, write the model as text); twice in turn.
for round in 1 2; do
  start=$(date +%s.%N)
  run 1 "${sgd[@]}" --output "$DATA/sgd.h5" --threads "$threads" 2> "$DATA/sgd.log"
  whole=$(echo "$(date +%s.%N) - $start" | bc)
  grep -E "phase |recommendations:" "$DATA/sgd.log" | sed 's/^.*\] //' > "$DATA/sgd-phases.txt"
  if [ "$round" = 1 ]; then cat "$DATA/sgd-phases.txt"; fi
  "$PY" - "$DATA/sgd.h5" "$whole" "$round" <<'PY'
import sys, h5py, numpy as np
h = h5py.File(sys.argv[1])["metrics/history"]
ups = h["updates_per_second_per_core"][()]
print(f"round {sys.argv[3]}: crossmf whole run {float(sys.argv[2]):.1f} s; {np.median(ups) / 1e6:.1f} M rating updates "
      f"per second per core (median of {len(ups)} epochs, k=64); held-out RMSE {h['rmse'][-1]:.4f} after {len(ups)}")
PY
  [ -x "$LIBMF" ] || { echo "libmf: $LIBMF not found, peer step skipped"; continue; }
  # LIBMF's defaults except lambda (crossmf's 0.05); -p adds a held-out RMSE per iteration.
  "$PY" - "$LIBMF" "$DATA" "$threads" "$round" <<'PY'
import re, subprocess, sys, time
mf, d, threads, round_ = sys.argv[1:5]
nnz = sum(1 for _ in open(f"{d}/sgd/libmf/train.txt"))
ours = int(re.search(r"partition: (\d+) training", open(f"{d}/sgd.log").read()).group(1))
assert nnz == ours, f"LIBMF training ratings {nnz} != crossmf's {ours}"
start = time.time()
p = subprocess.Popen([mf, "-k", "64", "-t", "20", "-s", threads, "-l2", "0.05", "-p", f"{d}/sgd/libmf/test.txt",
                      f"{d}/sgd/libmf/train.txt", f"{d}/sgd/libmf/model.txt"], stdout=subprocess.PIPE, text=True)
stamps, rmse = [], []
for line in p.stdout:
    f = line.split()
    if len(f) == 4 and f[0].isdigit():
        stamps.append(time.time()); rmse.append(float(f[2]))
p.wait()
whole = time.time() - start
per_iter = sorted(b - a for a, b in zip(stamps, stamps[1:]))[len(stamps) // 2 - 1]
print(f"round {round_}: libmf whole run {whole:.1f} s (read text {stamps[0] - start:.1f} s); "
      f"{nnz / per_iter / int(threads) / 1e6:.1f} M rating updates per second per core (median {per_iter:.2f} s per "
      f"iteration, k=64, {threads} threads); held-out RMSE {rmse[-1]:.4f} after 20")
PY
done

# 2. Time to the same held-out RMSE, SGD (the last whole run) against ALS.
run 1 train --input "$in" --output "$DATA/als.h5" --algorithm als --factors 64 --iterations 10 --patience 0 \
  --threads "$threads" --log-level info 2> "$DATA/als.log"
"$PY" - "$DATA" <<'PY'
import sys, h5py, numpy as np
d = sys.argv[1]
sgd, als = h5py.File(f"{d}/sgd.h5")["metrics/history"], h5py.File(f"{d}/als.h5")["metrics/history"]
target = max(np.min(sgd["rmse"][()]), np.min(als["rmse"][()]))
for name, h in (("sgd", sgd), ("als", als)):
    t = np.cumsum(h["seconds"][()])
    hit = np.nonzero(h["rmse"][()] <= target)[0]
    t, it = (t[hit[0]], hit[0] + 1) if len(hit) else (float("nan"), -1)
    print(f"{name}: held-out RMSE {target:.4f} reached after {it} iterations, {t:.1f} s of training "
          f"(best {np.min(h['rmse'][()]):.4f})")
PY

# 3. 1, 2 and 4 ranks on the same data and epochs (model averaging every --sync-every = 1 M
#    local updates). 4 ranks share the 2 cores: their epoch seconds, not their RMSE, suffer.
for np in 2 4; do
  OMP_WAIT_POLICY=PASSIVE run "$np" "${sgd[@]}" --output "$DATA/sgd$np.h5" --threads 1 2> "$DATA/sgd$np.log"
done
"$PY" - "$DATA" <<'PY'
import re, sys, h5py, numpy as np
d = sys.argv[1]
h = {p: h5py.File(f"{d}/{name}.h5")["metrics/history"] for p, name in ((1, "sgd"), (2, "sgd2"), (4, "sgd4"))}
rmse = {p: h[p]["rmse"][()] for p in h}
print("held-out RMSE per epoch:\nepoch  1 rank  2 ranks  4 ranks")
for e in range(len(rmse[1])):
    print(f"{e + 1:5d}  {rmse[1][e]:.4f}  {rmse[2][e]:.4f}   {rmse[4][e]:.4f}")
for p in (2, 4):
    log = open(f"{d}/sgd{p}.log").read()
    syncs, mb = re.search(r"sgd: (\d+) item-factor allreduces per epoch, ([0-9.]+) MB each", log).groups()
    share = np.sum(h[p]["comm_seconds"][()]) / np.sum(h[p]["seconds"][()])
    print(f"{p} ranks: final {rmse[p][-1]:.4f} = {100 * (rmse[p][-1] / rmse[1][-1] - 1):+.2f}% against 1 rank; "
          f"{syncs} allreduces per epoch of {mb} MB each; {100 * share:.1f}% of epoch time in collectives "
          f"(median epoch {np.median(h[p]['seconds'][()]):.2f} s)")
PY
