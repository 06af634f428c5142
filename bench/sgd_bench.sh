#!/usr/bin/env bash
# Distributed SGD (issue 4) on the MovieLens-20M-shaped explicit matrix, k = 64. Prints:
#  - rating updates per second per core in the training loop;
#  - the time for SGD and for ALS to reach the same held-out RMSE (the best RMSE both reach);
#  - the whole run, read to written output;
#  - bytes per item-factor allreduce and the share of epoch time spent communicating, 2 and 4 ranks;
#  - if /var/tmp/libmf/mf-train exists (LIBMF, built by hand: bench/README.md says how), LIBMF's
#    read-train-write on the same training ratings and epochs, with its seconds per iteration.
# usage: bash bench/sgd_bench.sh        (shares data with bench/als_bench.sh)
source "$(dirname "$0")/common.sh"
threads=${THREADS:-2}
dataset "$DATA/ml20m-explicit.h5" --users 138493 --items 26744 --ratings 20000263 --feedback explicit --popularity 1.0 --seed 20
in="$DATA/ml20m-explicit.h5"

start=$(date +%s.%N)
run 1 train --input "$in" --output "$DATA/sgd.h5" --algorithm sgd --factors 64 --iterations 20 --patience 0 \
  --threads "$threads" --log-level info 2> "$DATA/sgd.log"
whole=$(echo "$(date +%s.%N) - $start" | bc)
run 1 train --input "$in" --output "$DATA/als.h5" --algorithm als --factors 64 --iterations 10 --patience 0 \
  --threads "$threads" --log-level info 2> "$DATA/als.log"
"$PY" - "$DATA" "$whole" <<'PY'
import sys, h5py, numpy as np
d, whole = sys.argv[1], float(sys.argv[2])
sgd, als = h5py.File(f"{d}/sgd.h5")["metrics/history"], h5py.File(f"{d}/als.h5")["metrics/history"]
ups = sgd["updates_per_second_per_core"][()]
print(f"sgd: {np.median(ups) / 1e6:.1f} M rating updates per second per core (median of {len(ups)} epochs, k=64)")
target = max(np.min(sgd["rmse"][()]), np.min(als["rmse"][()]))
def time_to(h):
    t = np.cumsum(h["seconds"][()])
    hit = np.nonzero(h["rmse"][()] <= target)[0]
    return (t[hit[0]], hit[0] + 1) if len(hit) else (float("nan"), -1)
for name, h in (("sgd", sgd), ("als", als)):
    t, it = time_to(h)
    print(f"{name}: held-out RMSE {target:.4f} reached after {it} iterations, {t:.1f} s of training "
          f"(best {np.min(h['rmse'][()]):.4f})")
print(f"sgd whole run (read, partition, 20 epochs, evaluate, outputs, write): {whole:.1f} s")
PY
for np in 2 4; do
  run "$np" train --input "$in" --output "$DATA/sgd$np.h5" --algorithm sgd --factors 64 --iterations 3 --patience 0 \
    --threads 1 --log-level info 2> "$DATA/sgd$np.log"
  "$PY" - "$DATA/sgd$np.h5" "$DATA/sgd$np.log" "$np" <<'PY'
import re, sys, h5py, numpy as np
h = h5py.File(sys.argv[1])["metrics/history"]
log = open(sys.argv[2]).read()
m = re.search(r"compute ([0-9.]+)s \+ communication ([0-9.]+)s", log)
comp, comm = float(m.group(1)), float(m.group(2))
per_epoch = np.mean(h["bytes_sent"][()]) / int(sys.argv[3])
print(f"sgd {sys.argv[3]} ranks: {per_epoch / 1e6:.1f} MB sent per rank per epoch (item factors + AdaGrad sums, "
      f"one allreduce per --sync-every updates); communication {100 * comm / (comp + comm):.1f}% of compute+communication")
PY
done

LIBMF=${LIBMF:-/var/tmp/libmf/mf-train}
[ -x "$LIBMF" ] || { echo "libmf: $LIBMF not found, peer step skipped"; exit 0; }
# The same held-out split as crossmf's (splitmix64 of the seed and the pair's original ids, as in
# src/model/partition.cc); the count is checked against crossmf's log below.
mkdir -p "$DATA/sgd/libmf"
if [ ! -f "$DATA/sgd/libmf/train.txt" ]; then
  "$PY" - "$in" "$DATA/sgd/libmf" <<'PY'
import sys, h5py, numpy as np
r, out = h5py.File(sys.argv[1])["ratings"], sys.argv[2]
u, i, v = r["user"][()].astype(np.uint64), r["item"][()].astype(np.uint64), r["value"][()]
def splitmix64(x):
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9e3779b97f4a7c15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xbf58476d1ce4e5b9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94d049bb133111eb)
        return x ^ (x >> np.uint64(31))
test = (splitmix64(np.uint64(42) ^ ((u << np.uint64(32)) | i)) >> np.uint64(11)).astype(float) * 2.0**-53 < 0.1
for name, sel in (("train", ~test), ("test", test)):
    np.savetxt(f"{out}/{name}.txt", np.column_stack([u[sel], i[sel], v[sel]]), fmt="%d %d %g")
PY
fi
# LIBMF's defaults except lambda (crossmf's 0.05); -p adds a held-out RMSE per iteration.
"$PY" - "$LIBMF" "$DATA" "$threads" <<'PY'
import re, subprocess, sys, time
mf, d, threads = sys.argv[1], sys.argv[2], sys.argv[3]
nnz = sum(1 for _ in open(f"{d}/sgd/libmf/train.txt"))
ours = int(re.search(r"partition: (\d+) training", open(f"{d}/sgd.log").read()).group(1))
assert nnz == ours, f"LIBMF training ratings {nnz} != crossmf's {ours}"
start = time.time()
p = subprocess.Popen([mf, "-k", "64", "-t", "20", "-s", threads, "-l", "0.05", "-p", f"{d}/sgd/libmf/test.txt",
                      f"{d}/sgd/libmf/train.txt", f"{d}/sgd/libmf/model.txt"], stdout=subprocess.PIPE, text=True)
stamps, rmse = [], []
for line in p.stdout:
    f = line.split()
    if len(f) == 4 and f[0].isdigit():
        stamps.append(time.time()); rmse.append(float(f[2]))
p.wait()
whole = time.time() - start
per_iter = sorted(b - a for a, b in zip(stamps, stamps[1:]))[len(stamps) // 2 - 1]
print(f"libmf: {nnz / per_iter / int(threads) / 1e6:.1f} M rating updates per second per core "
      f"(median {per_iter:.2f} s per iteration, k=64, {threads} threads); held-out RMSE {rmse[-1]:.4f} after 20")
print(f"libmf whole run (read text, 20 iterations, write the model as text): {whole:.1f} s")
PY
