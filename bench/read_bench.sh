#!/usr/bin/env bash
# The ratings read (bench/read_rate.cc: the first step of train, alone) against this disk's
# sequential read, dd of the same file right before it, both O_DIRECT with the page cache
# dropped. This virtual disk's speed changes from minute to minute (0.5 to 1.4 GB/s seen), so
# each pair is measured back to back, twice per rank count.
# usage: bash bench/read_bench.sh INPUT.h5 [ranks...]   (default ranks: 1 2 4)
source "$(dirname "$0")/common.sh"
input=$1; shift
cores=$(nproc)
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo "warning: cannot drop the page cache; reads may come from memory" >&2; }
# Memory as warm before each read (bench/fresh_memory_rate.cc: on this VM the host backs memory
# on its first touch, about 1 GB/s, and a later process often finds freed memory cold again).
touch_gb=$(( $(stat -c %s "$input") / 1000000000 + 1 ))
for rep in 1 2; do
  for np in ${@:-1 2 4}; do
    "$BUILD/fresh_memory_rate" "$touch_gb" "$cores" > /dev/null
    drop_caches
    disk=$(dd if="$input" of=/dev/null bs=16M iflag=direct 2>&1 | tail -1 | awk '{print $(NF-1) * ($NF == "GB/s" ? 1000 : 1)}')
    drop_caches
    got=$(OMP_WAIT_POLICY=PASSIVE mpirun --bind-to none --oversubscribe -np "$np" "$BUILD/read_rate" "$input" \
      $(( cores / np > 0 ? cores / np : 1 )) | awk '{print $2}')
    awk -v np="$np" -v a="$got" -v b="$disk" 'BEGIN {printf "%d ranks: read %d MB/s, dd just before %d MB/s: %.0f%%\n", np, a, b, 100 * a / b}'
  done
done
