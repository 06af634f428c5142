#!/usr/bin/env bash
# Peak memory and speed of `crossmf import` on a large generated ratings text with string ids.
#   bench/import_memory.sh [ROWS [USERS [ITEMS [FOLDER]]]]    default 100000000 1000000 50000 /tmp/crossmf-bench
#   IDS=int bench/import_memory.sh ...                         plain integer ids instead of "u17", "i3"
# Needs about 45 bytes of disk per row in FOLDER (text, spilled runs, output); everything it
# writes there is deleted at the end. Prints the import's log and /usr/bin/time's figures.
set -euo pipefail
rows=${1:-100000000}
users=${2:-1000000}
items=${3:-50000}
dir=${4:-/tmp/crossmf-bench}
root=$(cd "$(dirname "$0")/.." && pwd)
crossmf=${CROSSMF:-$root/build/crossmf}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

mkdir -p "$dir"
trap 'rm -f "$dir/gen" "$dir/ratings.csv" "$dir/out.h5" "$dir/time.log" "$dir"/.out.h5.*; rmdir "$dir" 2>/dev/null || true' EXIT
g++ -O2 -std=c++20 -o "$dir/gen" "$root/bench/ratings_text_gen.cc"
start=$(date +%s.%N)
"$dir/gen" "$rows" "$users" "$items" ${IDS:+"$IDS"} >"$dir/ratings.csv"
echo "generated $rows rows, $(du -h "$dir/ratings.csv" | cut -f1) in $(echo "$(date +%s.%N) - $start" | bc) s"

# A single process (MPI singleton): /usr/bin/time then measures the importing process itself.
/usr/bin/time -v "$crossmf" import --ratings "$dir/ratings.csv" --output "$dir/out.h5" 2>"$dir/time.log" || {
  cat "$dir/time.log"; exit 1; }
grep -v '^\s' "$dir/time.log"
grep -E 'Maximum resident set size|Elapsed \(wall clock\)|User time|System time' "$dir/time.log"
ls -l "$dir/out.h5"
rss_kb=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$dir/time.log")
wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$dir/time.log" | awk -F: '{s = 0; for (k = 1; k <= NF; ++k) s = s * 60 + $k; print s}')
echo "peak RSS $(echo "scale=2; $rss_kb / 1048576" | bc) GiB, wall ${wall} s, $(echo "$rows / $wall" | bc) rows/s"
rm -f "$dir/time.log"
