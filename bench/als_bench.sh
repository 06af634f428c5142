#!/usr/bin/env bash
# ALS against this machine's arithmetic limit (issue 3). Prints:
#  - this machine's dense GEMM rate (bench/gemm_rate.cc) in the same run;
#  - on a MovieLens-20M-shaped synthetic matrix (138,493 users, 26,744 items, 20,000,263 ratings,
#    power-law popularity), k = 64: seconds per iteration (explicit, implicit CG), achieved
#    GFLOP/s of the normal-equation build and solves, and the ratio to the GEMM rate;
#  - on a MovieLens-1M-shaped implicit matrix (6,040 x 3,706, 517k positives): seconds per iteration;
#  - bytes sent per iteration with 2 and 4 ranks against the (m + n) k model;
#  - peak memory per rank.
# usage: bash bench/als_bench.sh        (data cached in $BENCH_DATA, default /var/tmp/crossmf-bench;
#        PARTS="ml20m ml1m traffic" selects parts)
source "$(dirname "$0")/common.sh"
parts=${PARTS:-"ml20m ml1m traffic"}
threads=${THREADS:-2}
gemm=$("$BUILD/gemm_rate" "$threads" | awk '{print $2}')
echo "gemm_gflops $gemm  ($threads threads)"

dataset "$DATA/ml20m-explicit.h5" --users 138493 --items 26744 --ratings 20000263 --feedback explicit --popularity 1.0 --seed 20
dataset "$DATA/ml20m-implicit.h5" --users 138493 --items 26744 --ratings 20000263 --feedback implicit --popularity 1.0 --seed 21
dataset "$DATA/ml1m-implicit.h5" --users 6040 --items 3706 --ratings 517000 --feedback implicit --popularity 1.0 --seed 22

report() {  # $1 label, $2 output, $3 log
  local label=$1
  "$PY" bench/history.py "$2" > "$DATA/hist.txt"
  local secs gflop rate arith peak
  secs=$(awk '$1=="seconds"{print $2}' "$DATA/hist.txt")
  gflop=$(awk '$1=="gflop"{print $2}' "$DATA/hist.txt")
  rate=$(awk '$1=="solve_gflops"{print $2}' "$DATA/hist.txt")
  arith=$(awk '$1=="arithmetic_gflops"{print $2}' "$DATA/hist.txt")
  peak=$(grep -o "peak memory per rank: max [0-9.]* MB" "$3" | awk '{print $6}')
  # "solves": the flops over the whole time in the solves (gathers included); "arithmetic": over
  # the core-seconds inside the normal equations, Cholesky and CG steps alone, times the cores.
  awk -v l="$label" -v s="$secs" -v f="$gflop" -v r="$rate" -v a="$arith" -v g="$gemm" -v p="$peak" 'BEGIN {
    printf "%-28s %7.3f s/iter  %7.1f GFLOP/iter  solves %6.1f GFLOP/s = %4.1f%% of GEMM  arithmetic alone %6.1f GFLOP/s = %4.1f%% of GEMM  bound 2*flops/GEMM = %6.3f s  peak %s MB/rank\n",
           l, s, f, r, 100 * r / g, a, 100 * a / g, 2 * f / g, p }'
  grep "^final_" "$DATA/hist.txt" | tr '\n' ' '; echo
}

common=(--algorithm als --factors 64 --patience 0 --threads "$threads" --log-level info)
[[ $parts == *ml20m* ]] && { run 1 train --input "$DATA/ml20m-explicit.h5" --output "$DATA/out.h5" "${common[@]}" --iterations 4 2> "$DATA/log.txt"
report "ml20m explicit, 1 rank" "$DATA/out.h5" "$DATA/log.txt"; }
# Implicit with fixed lambda and alpha: the speed of training, not of choosing them.
[[ $parts == *ml20m* ]] && { run 1 train --input "$DATA/ml20m-implicit.h5" --output "$DATA/out.h5" "${common[@]}" --lambda 0.01 --alpha 3 --iterations 4 2> "$DATA/log.txt"
report "ml20m implicit CG, 1 rank" "$DATA/out.h5" "$DATA/log.txt"; }
[[ $parts == *ml1m* ]] && { run 1 train --input "$DATA/ml1m-implicit.h5" --output "$DATA/out.h5" "${common[@]}" --lambda 0.01 --alpha 3 --iterations 6 2> "$DATA/log.txt"
report "ml1m implicit CG, 1 rank" "$DATA/out.h5" "$DATA/log.txt"; }

# Traffic: measured bytes per iteration against the model. Per iteration a rank sends the user
# rows its item owners need (at most m k floats in all) and its item block to every other rank
# (n k (P - 1) floats in all), plus a k x k Gram matrix per half for implicit.
[[ $parts == *traffic* ]] && for np in 2 4; do
  run "$np" train --input "$DATA/ml20m-explicit.h5" --output "$DATA/out.h5" --algorithm als --factors 64 --iterations 2 --patience 0 \
    --threads 1 --log-level info 2> "$DATA/log.txt"
  "$PY" bench/history.py "$DATA/out.h5" > "$DATA/hist.txt"
  bytes=$(awk '$1=="bytes_sent"{print $2}' "$DATA/hist.txt")
  peak=$(grep -o "peak memory per rank: max [0-9.]* MB" "$DATA/log.txt" | awk '{print $6}')
  awk -v b="$bytes" -v p="$np" -v m=138493 -v n=26744 -v k=65 -v pk="$peak" 'BEGIN {
    model = (m * (p - 1) + n * (p - 1)) * k * 4
    printf "explicit, %d ranks: %.1f MB sent per iteration; model upper bound (m (P-1) + n (P-1)) (k+1) 4 B = %.1f MB; peak %s MB/rank\n", p, b / 1e6, model / 1e6, pk }'
done
