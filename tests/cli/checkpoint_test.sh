#!/usr/bin/env bash
# Checkpoints, preemption and faults under real mpirun:
#  - SIGUSR1 to mpirun (a batch script's --signal=B:USR1) and SIGTERM to the ranks (srun, Slurm's
#    time limit) stop the job after the current iteration with exit 143 and a checkpoint;
#    the existing output is untouched; --resume completes it: ALS and BMF (its chain saved beside
#    the mean of the draws) identical to an uninterrupted run on the same ranks, SGD within 0.5%;
#  - --resume with other data or other options is refused with exit 2 naming what differs;
#  - kill -9 of one rank: mpirun returns non-zero within 30 s, no process remains, the earlier
#    output is byte-identical.
set -euo pipefail
: "${CROSSMF:?}" "${CROSSMF_TESTS:?}"
PY=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
cleanup() { pkill -9 -f "$work" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fails=0
check() { if eval "$1"; then echo "ok   $2"; else echo "FAIL $2"; fails=$((fails + 1)); fi; }
"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/in.h5" --users 3000 --items 800 --rank 4 --density 0.1 --noise 0.3 --test-fraction 0.1
"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/other.h5" --users 300 --items 80 --rank 4
args=(--oversubscribe --bind-to none -np 2 "$CROSSMF" train --input "$work/in.h5" --factors 16 --patience 0 --threads 1)
run() { timeout 300 mpirun "${args[@]}" "$@"; }

# Waits for the first checkpoint, then sends the signal: $1 = signal, $2 = "mpirun" or "ranks".
interrupt() {
  local sig=$1 target=$2 out=$3; shift 3
  rm -f "$work/ck.h5"
  # mpirun itself in the background (not a subshell), so the signal reaches it.
  mpirun "${args[@]}" --output "$out" --checkpoint "$work/ck.h5" --checkpoint-every 1 "$@" 2>"$work/stderr" & local pid=$!
  for _ in $(seq 600); do [ -f "$work/ck.h5" ] && break; sleep 0.05; done
  if [ "$target" = mpirun ]; then kill -"$sig" "$pid"; else pkill -"$sig" -P "$pid" -f "crossmf train"; fi
  local rc=0
  wait "$pid" || rc=$?
  echo "$rc"
}

for alg in als sgd bmf; do
  run --algorithm "$alg" --iterations 30 --output "$work/full-$alg.h5" --log-level warn
done
echo "previous output" > "$work/keep.h5"
cp "$work/keep.h5" "$work/keep.orig"

rc=$(interrupt USR1 mpirun "$work/keep.h5" --algorithm als --iterations 30 --log-level warn)
check '[ "$rc" = 143 ]' "SIGUSR1 to mpirun: exit 143 (got $rc)"
check 'grep -q "checkpoint .* written; run again with --resume" "$work/stderr"' "the message says a checkpoint was written and how to resume"
check 'cmp -s "$work/keep.h5" "$work/keep.orig"' "the existing output is untouched by the stopped run"
check '[ -z "$(ls -A "$work" | grep "\.tmp\.")" ]' "no temporary file is left"
run --algorithm als --iterations 30 --output "$work/resumed-als.h5" --checkpoint "$work/ck.h5" --resume --log-level info 2>"$work/stderr"
check 'grep -q "resumed from" "$work/stderr"' "--resume continues from the checkpoint"
check '"$PY" -c "import h5py,numpy as np,sys; a,b=h5py.File(sys.argv[1]),h5py.File(sys.argv[2]); sys.exit(0 if a[\"metrics\"].attrs[\"rmse\"]==b[\"metrics\"].attrs[\"rmse\"] and np.array_equal(a[\"model/user_factors\"][()],b[\"model/user_factors\"][()]) else 1)" "$work/full-als.h5" "$work/resumed-als.h5"' \
  "ALS: interrupted + resumed equals the uninterrupted run (same held-out RMSE and factors)"

rc=$(interrupt USR1 mpirun "$work/x.h5" --algorithm bmf --iterations 30 --log-level warn)
check '[ "$rc" = 143 ]' "BMF: SIGUSR1 to mpirun: exit 143 (got $rc)"
run --algorithm bmf --iterations 30 --output "$work/resumed-bmf.h5" --checkpoint "$work/ck.h5" --resume --log-level info 2>"$work/stderr"
check 'grep -q "resumed from .* after iteration [1-9]" "$work/stderr"' "BMF: --resume continues from a checkpoint inside the chain"
check '"$PY" -c "import h5py,numpy as np,sys; a,b=h5py.File(sys.argv[1]),h5py.File(sys.argv[2]); sys.exit(0 if a[\"metrics\"].attrs[\"rmse\"]==b[\"metrics\"].attrs[\"rmse\"] and np.array_equal(a[\"model/item_factors\"][()],b[\"model/item_factors\"][()]) else 1)" "$work/full-bmf.h5" "$work/resumed-bmf.h5"' \
  "BMF: interrupted + resumed equals the uninterrupted run (same draws, same mean)"

rc=$(interrupt TERM ranks "$work/x.h5" --algorithm sgd --iterations 30 --log-level warn)
check '[ "$rc" = 143 ]' "SIGTERM to the ranks: exit 143 after a checkpoint (got $rc)"
run --algorithm sgd --iterations 30 --output "$work/resumed-sgd.h5" --checkpoint "$work/ck.h5" --resume --log-level warn
check '"$PY" -c "import h5py,sys; a,b=h5py.File(sys.argv[1]),h5py.File(sys.argv[2]); x,y=a[\"metrics\"].attrs[\"rmse\"],b[\"metrics\"].attrs[\"rmse\"]; print(x,y); sys.exit(0 if abs(x-y)/x<0.005 else 1)" "$work/full-sgd.h5" "$work/resumed-sgd.h5"' \
  "SGD: interrupted + resumed within 0.5% of the uninterrupted held-out RMSE (identical in fact: the schedule is deterministic)"

rc=0; run --algorithm sgd --iterations 30 --seed 7 --output "$work/y.h5" --checkpoint "$work/ck.h5" --resume 2>"$work/stderr" || rc=$?
check '[ "$rc" = 2 ] && grep -q "seed = 42 in the checkpoint, 7 now" "$work/stderr"' "resume with other options: exit 2 naming the option (got $rc)"
rc=0; timeout 60 mpirun --oversubscribe -np 2 "$CROSSMF" train --input "$work/other.h5" --factors 16 --output "$work/y.h5" \
  --checkpoint "$work/ck.h5" --resume 2>"$work/stderr" || rc=$?
check '[ "$rc" = 2 ] && grep -q "other input data" "$work/stderr"' "resume with other data: exit 2 saying so (got $rc)"

# A rank killed with SIGKILL mid-iteration.
cp "$work/full-als.h5" "$work/before.h5"
mpirun "${args[@]}" --algorithm als --iterations 100000 --output "$work/full-als.h5" --log-level warn 2>/dev/null & pid=$!  # never ends by itself
sleep 1.5
start=$(date +%s)
pkill -KILL -n -P "$pid" -f "crossmf train" || true
rc=0; wait "$pid" || rc=$?
took=$(( $(date +%s) - start ))
sleep 1
check '[ "$rc" != 0 ] && [ "$took" -le 30 ]' "kill -9 of one rank: mpirun returns non-zero ($rc) within 30 s (took ${took}s)"
check '! pgrep -f "$work/in.h5" >/dev/null' "no crossmf process remains"
check 'cmp -s "$work/full-als.h5" "$work/before.h5"' "the earlier output is byte-identical"
echo "$fails failed"
[ "$fails" = 0 ]
