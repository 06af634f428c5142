#!/usr/bin/env bash
# The kernel levels (src/kernels/) end to end, under real mpirun:
#  - every level this CPU runs trains explicit ALS, implicit ALS (CG) and SGD on planted data;
#    the held-out metrics of every level agree with the baseline's to 1e-5 relative, and each
#    output's `kernels` attribute and the first log line name the level that ran;
#  - one level twice gives identical datasets;
#  - CROSSMF_ISA naming no level, or one this CPU lacks, is exit 2 on every rank with a message
#    naming CROSSMF_ISA, and the previous output is untouched;
#  - under qemu-user emulating CPUs without AVX-512 (Haswell) and without AVX at all (Nehalem),
#    `auto` picks v3 and the baseline, and a whole job runs: an AVX or AVX-512 instruction
#    anywhere outside the chosen kernels would kill it with SIGILL.
source "$(dirname "$0")/lib.sh"
run() { timeout 300 mpirun --oversubscribe --bind-to none -np "$@"; }
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The levels of this build that this CPU runs, from `crossmf --version`.
runs_here=($("$CROSSMF" --version | sed -n 's/^kernel levels in this build (CROSSMF_ISA):\(.*\)/\1/p' |
  sed 's/ [a-z0-9]* (not on this CPU)//g'))
echo "levels this CPU runs: ${runs_here[*]}"

"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/exp.h5" --users 400 --items 300 --rank 6 --noise 0.3 --test-fraction 0.1
"$PY" "$CROSSMF_TESTS/tools/planted.py" "$work/imp.h5" --implicit --users 500 --items 300 --rank 4 --density 0.05 --test-fraction 0.2
for l in "${runs_here[@]}"; do
  CROSSMF_ISA=$l run 2 "$CROSSMF" train --input "$work/exp.h5" --output "$work/als-$l.h5" --factors 16 --iterations 8 \
    --patience 0 --log-level info 2> "$work/als-$l.log"
  CROSSMF_ISA=$l run 3 "$CROSSMF" train --input "$work/imp.h5" --output "$work/cg-$l.h5" --factors 6 --alpha 2 \
    --iterations 8 --patience 0 --log-level warn
  CROSSMF_ISA=$l run 2 "$CROSSMF" train --input "$work/exp.h5" --output "$work/sgd-$l.h5" --algorithm sgd --factors 16 \
    --iterations 8 --patience 0 --log-level warn
  head -1 "$work/als-$l.log" | grep -q "kernels x86-64.*$([[ $l == baseline ]] && echo "SSE2" || echo "$l")" ||
    bad "$l: the first log line names the kernels: $(head -1 "$work/als-$l.log")"
done
first=${runs_here[0]}
CROSSMF_ISA=$first run 2 "$CROSSMF" train --input "$work/exp.h5" --output "$work/als-again.h5" --factors 16 --iterations 8 \
  --patience 0 --log-level warn

"$PY" - "$work" "${runs_here[@]}" <<'PY' || fails=$((fails + 1))
import os, sys, h5py, numpy as np
w, levels = sys.argv[1], sys.argv[2:]
sys.path.insert(0, os.path.join(os.environ["CROSSMF_TESTS"], "tools"))
from checklib import check, finish
def rel(a, b): return abs(a - b) / max(abs(b), 1e-300)
title = {"v4": "x86-64-v4", "v3": "x86-64-v3", "baseline": "x86-64 ", "native": "native"}
check("baseline" in levels or "native" in levels, f"a level every CPU runs is here: {levels}")
ref = "baseline" if "baseline" in levels else levels[-1]
for job, metrics in [("als", ["rmse", "mae"]), ("cg", ["precision_at_k", "ndcg_at_k", "auc"]), ("sgd", ["rmse", "mae"])]:
    base = dict(h5py.File(f"{w}/{job}-{ref}.h5")["metrics"].attrs)
    for l in levels:
        with h5py.File(f"{w}/{job}-{l}.h5") as f:
            m = dict(f["metrics"].attrs)
            check(f.attrs["kernels"].startswith(title[l]), f"{job} {l}: output attribute kernels = {f.attrs['kernels']!r}")
        for name in metrics:
            check(rel(m[name], base[name]) < 1e-5,
                  f"{job} {l}: held-out {name} {m[name]:.9g} equals {ref}'s {base[name]:.9g} to 1e-5 relative")
with h5py.File(f"{w}/als-{levels[0]}.h5") as a, h5py.File(f"{w}/als-again.h5") as b:
    differ = []
    a.visititems(lambda n, o: differ.append(n) if isinstance(o, h5py.Dataset) and "seconds" not in n and "gflops" not in n
                 and not np.array_equal(o[()], b[n][()], equal_nan=o.dtype.kind == "f") else None)
    check(not differ, f"{levels[0]} twice: identical datasets (differ: {differ})")
finish()
PY

# CROSSMF_ISA errors: exit 2 on every rank, the message once, the previous output untouched.
cp "$work/als-$first.h5" "$work/previous.h5"
expect_usage() {  # $1 the CROSSMF_ISA value, $2 text the message must hold
  local rc=0
  CROSSMF_ISA=$1 timeout 60 mpirun --oversubscribe --bind-to none -np 2 "$CROSSMF" train --input "$work/exp.h5" \
    --output "$work/previous.h5" --iterations 2 > "$work/out.txt" 2> "$work/err.txt" || rc=$?
  [[ $rc == 2 ]] || bad "CROSSMF_ISA=$1: exit $rc, want 2"
  [[ $(grep -c "CROSSMF_ISA=$1" "$work/err.txt") == 1 ]] || bad "CROSSMF_ISA=$1: one message naming it: $(cat "$work/err.txt")"
  grep -q "$2" "$work/err.txt" || bad "CROSSMF_ISA=$1: the message says '$2': $(cat "$work/err.txt")"
  cmp -s "$work/previous.h5" "$work/als-$first.h5" || bad "CROSSMF_ISA=$1: the previous output changed"
}
expect_usage avx9 "choose one of: auto"

# Emulated CPUs (qemu-user, installed by tools/install-deps.sh on x86-64).
if [[ $(uname -m) == x86_64 ]] && command -v qemu-x86_64 > /dev/null; then
  emulate() {  # $1 CPU model, then the crossmf arguments; qemu's notes on features it lacks are dropped
    local cpu=$1 rc=0
    shift
    timeout 600 qemu-x86_64 -cpu "$cpu" "$CROSSMF" "$@" 2> "$work/qemu.txt" || rc=$?
    grep -v "^qemu-x86_64: warning" "$work/qemu.txt" >&2 || true
    return $rc
  }
  for cpu_level in Haswell:v3 Nehalem:baseline; do
    cpu=${cpu_level%%:*} level=${cpu_level#*:}
    # auto named, so that a CROSSMF_ISA cap in the test's environment does not stand in for it
    CROSSMF_ISA=auto emulate "$cpu" --version > "$work/version.txt" || bad "$cpu: crossmf --version failed"
    grep -q "kernels in use: $(awk -v l="$level" 'BEGIN{print l=="v3" ? "x86-64-v3" : "x86-64 (SSE2)"}')" "$work/version.txt" ||
      bad "$cpu: auto picks $level: $(cat "$work/version.txt")"
    for job in "--algorithm als" "--algorithm sgd" "--feedback implicit"; do
      input=$work/exp.h5
      [[ $job == *implicit* ]] && input=$work/imp.h5
      CROSSMF_ISA=auto emulate "$cpu" train --input "$input" --output "$work/emulated.h5" $job --factors 8 --iterations 2 --threads 2 \
        --log-level error || bad "$cpu ($level): train $job failed under emulation (an instruction this CPU lacks?)"
    done
    rc=0
    CROSSMF_ISA=v4 emulate "$cpu" train --input "$work/exp.h5" --output "$work/emulated.h5" 2> "$work/err.txt" || rc=$?
    [[ $rc == 2 ]] && grep -q "CROSSMF_ISA=v4: this CPU cannot run these kernels" "$work/err.txt" ||
      bad "$cpu: CROSSMF_ISA=v4 is exit 2 with a message (got $rc: $(cat "$work/err.txt"))"
  done
else
  echo "qemu-x86_64 not installed: emulated CPUs not checked"
fi
[[ $fails == 0 ]] || { echo "$fails failure(s)"; exit 1; }
echo "levels test passed"
