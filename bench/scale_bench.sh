#!/usr/bin/env bash
# Scale (issue 7): a 300-million-rating implicit platform trained with 1, 2 and 4 ranks, and
# the performance model of bench/scale.md checked against it. Prints:
#  - this disk's sequential bandwidth (dd: a write flushed to disk, an O_DIRECT write, an O_DIRECT
#    read after dropping the page cache), the dense GEMM rate and the first touch of fresh memory,
#    measured in the same run;
#  - per phase (read, partition, train per iteration, evaluate, score, write) and per rank count:
#    seconds, MB sent per rank and peak memory per rank, from crossmf's closing table;
#  - two calibration runs with a third of the ratings (more than this machine's 480 MB L3 holds),
#    from which the model's per-unit costs come,
#    and the model's prediction next to every measurement (bench/scale_model.py);
#  - the same 2-rank job over TCP (--mca btl tcp,self): nothing depends on shared memory.
# Caches are dropped before each run, so reads come from the disk.
# usage: bash bench/scale_bench.sh   (about 40 minutes; RANKS="1 2 4" ITERATIONS=3 to change;
#        SHRINK=100 divides users and ratings by 100 for a quick check of the pipeline)
source "$(dirname "$0")/common.sh"
ranks=${RANKS:-"1 2 4"}
iterations=${ITERATIONS:-3}
shrink=${SHRINK:-1}
cores=$(nproc)
users=$((1000000 / shrink)) ratings=$((300000000 / shrink))
big="$DATA/scale-$ratings-raw.h5"
small="$DATA/scale-$((ratings / 3))-raw.h5"
# Uncompressed ratings, so that reading is bound by the disk, not by inflating on one core per
# rank. Two calibration platforms with a third of the ratings: B has the same users and items
# (the same working set), A a third of the users too (the same ratings per user).
small_a="$DATA/scale-$((ratings / 3))-a-raw.h5"
dataset "$big" --users "$users" --items 20000 --ratings "$ratings" --feedback implicit --popularity 1.0 --seed 7 --compress false
dataset "$small" --users "$users" --items 20000 --ratings "$((ratings / 3))" --feedback implicit --popularity 1.0 --seed 8 --compress false
dataset "$small_a" --users "$((users / 3))" --items 20000 --ratings "$((ratings / 3))" --feedback implicit --popularity 1.0 --seed 9 --compress false

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo "warning: cannot drop the page cache; reads may come from memory" >&2; }
# dd's summary line: $1 x 16 MiB of zeros written into a new $DATA/dd.tmp and flushed to disk
# (further arguments go to dd), or a file read with O_DIRECT.
dd_write() { local count=$1; shift; rm -f "$DATA/dd.tmp"; dd if=/dev/zero of="$DATA/dd.tmp" bs=16M count="$count" conv=fdatasync "$@" 2>&1 | tail -1; }
dd_read() { dd if="$1" of=/dev/null bs=16M iflag=direct 2>&1 | tail -1; }
out="$DATA/scale-runs"
mkdir -p "$out"
rm -f "$out"/*.log

# This machine's limits, in the same run (the disk again right before each training run).
hold_cpu
# First, the first touch of fresh memory, cold (train says why every run starts after one).
"$BUILD/fresh_memory_rate" 12 "$cores" | tee "$out/fresh-memory-first.txt"
dd_write 256 | tee "$out/dd-write.txt"
# The job writes its output with O_DIRECT (io/direct_io.h) into a new file, so the disk is
# written that way too.
dd_write 256 oflag=direct | tee "$out/dd-write-direct.txt"
drop_caches
# The job reads its ratings with O_DIRECT (io/direct_io.h), so the disk is read that way too.
dd_read "$DATA/dd.tmp" | tee "$out/dd-read.txt"
rm -f "$DATA/dd.tmp"
"$BUILD/gemm_rate" "$cores" | tee "$out/gemm.txt"
mpirun --bind-to none -np 2 "$BUILD/mpi_bandwidth" | tee "$out/mpi-shm.txt"
mpirun --bind-to none -np 2 --mca btl tcp,self "$BUILD/mpi_bandwidth" | tee "$out/mpi-tcp.txt"

# The ratings read alone, each time right after a dd of the same file (bench/read_bench.sh).
bash bench/read_bench.sh "$big" $ranks | tee "$out/read-beside-dd.txt"
release_cpu

train() {  # $1 ranks, $2 input, $3 log, then extra mpirun options
  local np=$1 input=$2 log=$3; shift 3
  local threads=$(( cores / np > 0 ? cores / np : 1 ))
  hold_cpu
  # The disk right before the run (its speed drifts from minute to minute): a flushed write, an
  # O_DIRECT write and an O_DIRECT read of the input, which the model and the read/write
  # percentages use.
  { echo "disk-write: $(dd_write 64)"
    echo "disk-write-direct: $(dd_write 64 oflag=direct)"
    rm -f "$DATA/dd.tmp"; drop_caches
    echo "disk-read: $(dd_read "$input")"; } > "$log.disk"
  # The same memory and disk state before every run. On this VM the host backs memory on its
  # first touch at about 1 GB/s and a later process often finds freed memory cold again, so a
  # run after one that used as much memory found it warm and a run after a smaller one did
  # not (the 1-rank read of 3.6 GB took 3.2-3.7 s right after a touch of 10 GB, up to 5.5 s
  # without). And the job, like dd, writes a new file: replacing an earlier output frees its
  # blocks first, which on this disk (mounted with `discard`) took 0.11 s per 512 MB inside
  # the job's closing rename.
  "$BUILD/fresh_memory_rate" 12 "$cores" > /dev/null
  rm -f "$DATA/scale-out.h5"
  drop_caches
  OMP_WAIT_POLICY=PASSIVE mpirun --bind-to none -np "$np" "$@" "$CROSSMF" train --input "$input" \
    --output "$DATA/scale-out.h5" --algorithm als --factors 32 --lambda 0.01 --alpha 3 --iterations "$iterations" --patience 0 --threads "$threads" \
    --log-level info 2> "$log"
  grep -E "^.*(phase |ranks x|input |partition:|wrote .* MB|time: total|peak memory)" "$log" | sed 's/^\[[^]]*\] \[[^]]*\] //'
  ls -l "$input" "$DATA/scale-out.h5" | awk '{print "file", $5, $9}' >> "$log"
  cat "$log.disk" >> "$log" && rm -f "$log.disk"
  release_cpu
}

echo "== calibration A: $small_a, 1 rank"
train 1 "$small_a" "$out/calibration-a.log"
echo "== calibration B: $small, 1 rank"
train 1 "$small" "$out/calibration.log"
for np in $ranks; do
  echo "== $big, $np ranks"
  train "$np" "$big" "$out/ranks-$np.log"
done
echo "== $big, 2 ranks over TCP"
train 2 "$big" "$out/tcp-2.log" --mca btl tcp,self

# How fast this machine hands out fresh memory after the runs (fresh-memory-first.txt has the
# first touch, before them). Measured last, since touching memory warms it for whatever runs next.
hold_cpu
"$BUILD/fresh_memory_rate" 4 "$cores" | tee "$out/fresh-memory.txt"
release_cpu

"$PY" bench/scale_model.py "$out" $ranks
