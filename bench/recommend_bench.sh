#!/usr/bin/env bash
# Top-N scoring (issue 5) on the MovieLens-20M-shaped explicit matrix (138,493 users, 26,744
# items, 3 domains), k = 64, 1 rank x $THREADS threads. Prints, from one run of `crossmf train`
# (one ALS iteration: only the factors' values matter, not their quality):
#  - this machine's dense GEMM rate (bench/gemm_rate.cc), measured seconds before;
#  - recommendation scoring seconds and GFLOP/s (2 m n k per user-item product, as logged by
#    `crossmf train`), and the ratio to the GEMM rate;
#  - output write MB and MB/s.
# usage: bash bench/recommend_bench.sh   (shares data with bench/als_bench.sh; scratch output in
#        $BENCH_DATA/scoring)
source "$(dirname "$0")/common.sh"
threads=${THREADS:-2}
dataset "$DATA/ml20m-explicit.h5" --users 138493 --items 26744 --ratings 20000263 --feedback explicit --popularity 1.0 --seed 20
mkdir -p "$DATA/scoring"
log="$DATA/scoring/train.log"
gemm=$("$BUILD/gemm_rate" "$threads" | awk '{print $2}')
run 1 train --input "$DATA/ml20m-explicit.h5" --output "$DATA/scoring/out.h5" --algorithm als --factors 64 --iterations 1 \
  --patience 0 --threads "$threads" --log-level info 2> "$log"
grep -o "recommendations: .* GFLOP/s scoring" "$log"
grep -o "wrote [0-9.]* MB in .*MB/s)" "$log"
secs=$(grep -o "lists, [0-9.]*s" "$log" | grep -o "[0-9.]*")
rate=$(grep -o "[0-9.]* GFLOP/s scoring" "$log" | awk '{print $1}')
awk -v s="$secs" -v r="$rate" -v g="$gemm" -v t="$threads" 'BEGIN {
  printf "gemm_gflops %.1f (%d threads)\nscoring %.2f s  %.1f GFLOP/s = %.1f%% of GEMM (target >= 50%%)\n", g, t, s, r, 100 * r / g }'
