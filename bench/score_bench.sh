#!/usr/bin/env bash
# crossmf score (issue 20): users scored per second per core at k = 64, fold-in (one exact user
# half-step against fixed items) plus top-N over all items, for 1 M users. The model is trained
# on 50,000 users of a MovieLens-20M-shaped catalogue (26,744 items); the scored input holds
# 1 M other users of the same items (generated ids match by index), 20 ratings each.
# usage: BENCH_LOCK=/tmp/crossmf-cpu.lock bash bench/score_bench.sh
source "$(dirname "$0")/common.sh"
mkdir -p "$DATA/score"
dataset "$DATA/score/trained.h5" --users 50000 --items 26744 --ratings 2000000 --seed 1
dataset "$DATA/score/million.h5" --users 1000000 --items 26744 --ratings 20000000 --seed 2
for algorithm in bmf als; do
  model="$DATA/score/model-$algorithm.h5"
  [ -f "$model" ] || { hold_cpu; run 1 train --input "$DATA/score/trained.h5" --output "$model" --algorithm "$algorithm" \
    --factors 64 --iterations 10 --log-level warn; release_cpu; }
  for layout in "1 2" "2 1"; do
    set -- $layout
    hold_cpu
    OMP_NUM_THREADS=$2 run "$1" score --model "$model" --input "$DATA/score/million.h5" --output "$DATA/score/scored.h5" \
      >"$DATA/score/log" 2>&1
    release_cpu
    "$PY" - "$DATA/score/log" "$algorithm" "$1" "$2" <<'PY'
import re, sys
log, algorithm, ranks, threads = open(sys.argv[1]).read(), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fold = float(re.search(r"fold-in: .*?: ([0-9.]+)s", log).group(1))
rec = float(re.search(r"recommendations: .*?, ([0-9.]+)s, ([0-9.]+) GFLOP/s", log).group(1))
gflops = float(re.search(r"recommendations: .*?, ([0-9.]+)s, ([0-9.]+) GFLOP/s", log).group(2))
total = float(re.search(r"time: total ([0-9.]+)s", log).group(1))
cores = ranks * threads
print(f"{algorithm} model, {ranks} rank(s) x {threads} thread(s): fold-in {fold:.2f}s, top-N over 26,744 items "
      f"{rec:.2f}s ({gflops:.0f} GFLOP/s); {1e6 / (fold + rec) / cores:,.0f} users/s/core "
      f"(fold-in alone {1e6 / fold / cores:,.0f}); whole job {total:.1f}s")
PY
  done
done
