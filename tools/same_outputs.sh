#!/usr/bin/env bash
# Proves that a change leaves crossmf's outputs bit-identical: runs a fixed list of scenarios with
# two binaries under mpirun on 1, 2 and 3 ranks and compares every file they write (HDF5 by
# tools/same_h5.py, dataset by dataset and attribute by attribute; `inspect` text by diff).
#
#   tools/same_outputs.sh REF_BINARY NEW_BINARY WORKDIR [SCENARIO...]
#
# Prints one line per scenario and rank count, exits 1 on any difference. Not compared: the
# `created_utc` attribute and the timing records below (they differ between two runs of one binary).
# Shared inputs are made once by REF_BINARY (and tests/tools/planted.py) in WORKDIR/inputs; each
# binary runs in WORKDIR/{ref,new}/SCENARIO-npN with the same relative paths, so the options stored
# in the files match. Environment: RANKS (default "1 2 3"); BENCH_LOCK, a lock file taken around
# each scenario (a shared machine); PYTHON (default /usr/bin/python3, with h5py); SKIP_COLUMNS, more
# history columns left out, for a change to them made on purpose; NEW_OPTIONS, options NEW_BINARY
# has and REF_BINARY has not, whose lines its stored config may hold (both said on the last line).
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
mkdir -p "$3/bin"
work=$(realpath "$3")
# Copies, so that a rebuild while this runs changes nothing.
ref=$work/bin/ref new=$work/bin/new
cp "$1" "$ref"
cp "$2" "$new"
shift 3
tools=$(cd "$(dirname "$0")" && pwd)
planted="$tools/../tests/tools/planted.py"
import_texts="$tools/../tests/cli/import_check.py"
PY=${PYTHON:-/usr/bin/python3}
ranks=${RANKS:-"1 2 3"}
export OMPI_MCA_rmaps_base_oversubscribe=1
# One thread per rank (--threads 0 resolves it from here): with more, sums over threads run in a
# varying order and the metrics vary in their last bits between two runs of one binary.
export OMP_NUM_THREADS=1
[ "$(id -u)" != 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# Records that measure time, not results: history columns (output and checkpoint), the tuning
# trials' seconds and the checkpoint's seconds spent. Checked by running one binary twice against itself.
timing_columns="seconds comm_seconds solve_gflops arithmetic_gflops updates_per_second_per_core"
same_h5_args=(--ignore-attr created_utc --ignore-attr spent --skip metrics/tuning/seconds)
for c in $timing_columns ${SKIP_COLUMNS:-}; do same_h5_args+=(--skip "metrics/history/$c" --skip "history/$c"); done
for o in ${NEW_OPTIONS:-}; do same_h5_args+=(--new-option "$o"); done
# Scenarios whose metrics are sums over threads: the rest of their outputs must still match.
declare -A skip_under=([threads]="metrics")
# The same two in `inspect` text.
new_lines=$(printf '|%s' ${NEW_OPTIONS:-})
mask_text() { sed -E "/^ *@(created_utc|spent) = /d; /^ *(__none__${new_lines}) = /d" "$1"; }

# cm SUBCOMMAND ARGS...: the binary under test ($bin) on $np ranks, from the scenario folder; adds
# its seconds to $work/busy.
cm() {
  local t0=$EPOCHREALTIME rc=0
  timeout 900 mpirun --bind-to none -np "$np" "$bin" "$@" --log-level warn || rc=$?
  echo "$t0 $EPOCHREALTIME" >>"$work/busy"
  return $rc
}
# The lock is held for one scenario, both binaries on every rank count (3 min at most).
lock() { [ -z "${BENCH_LOCK:-}" ] || { exec 9>>"$BENCH_LOCK"; flock 9; }; }
unlock() { [ -z "${BENCH_LOCK:-}" ] || flock -u 9; }
in=../../inputs

# The scenarios: each a function run once per binary and rank count, in its own folder; every
# file it leaves there is compared.
scenarios=(demo als-biases bmf bmf-plain ials-auto ials-fixed ials-cholesky sgd-explicit sgd-bpr sgd-wsl
           split-time gating new-items risk audiences checkpoint import inspect threads ml20m-shaped)

s_demo() {  # tools/quickstart.sh demo, fewer sweeps
  cm generate --output platform.h5
  cm train --input platform.h5 --output crossmf-output.h5 --iterations 5
}
s_als-biases() { cm train --input $in/explicit.h5 --output out.h5 --algorithm als --biases --bias-lambda 0.1 --iterations 4; }
s_bmf() { cm train --input $in/explicit.h5 --output out.h5 --iterations 4; }
s_bmf-plain() {
  cm train --input $in/explicit.h5 --output out.h5 --algorithm bmf --rated-prior none --noise-precision 0 --iterations 4
}
s_ials-auto() { cm train --input $in/implicit.h5 --output out.h5 --iterations 3; }
s_ials-fixed() { cm train --input $in/implicit.h5 --output out.h5 --lambda 0.1 --alpha 3 --iterations 4; }
s_ials-cholesky() {
  cm train --input $in/implicit.h5 --output out.h5 --lambda 0.1 --alpha 3 --solver cholesky --confidence log --iterations 4
}
s_sgd-explicit() {
  cm train --input $in/explicit.h5 --output out.h5 --algorithm sgd --sync-every 20000 --sgd-sync delta --iterations 4
}
s_sgd-bpr() { cm train --input $in/implicit.h5 --output out.h5 --algorithm sgd --implicit-loss bpr --iterations 3; }
s_sgd-wsl() {  # at the default --learning-rate 0.1 WSL diverges on this input (exit 5)
  cm train --input $in/implicit.h5 --output out.h5 --algorithm sgd --implicit-loss wsl --negatives 2 \
    --learning-rate 0.002 --iterations 3
}
s_split-time() { cm train --input $in/explicit.h5 --output out.h5 --algorithm als --split time --iterations 4; }
s_gating() {
  local opts=(--input $in/planted-outputs.h5 --factors 4 --iterations 4 --patience 0 --audience-size 25 --risk-threshold 0.3)
  cm train "${opts[@]}" --output withhold.h5 --gating withhold
  cm train "${opts[@]}" --output flag.h5 --gating flag
}
s_new-items() { cm train --input $in/planted-new-items.h5 --output out.h5 --factors 4 --lambda 0.1 --iterations 4; }
s_risk() {
  cm train --input $in/planted-labels.h5 --output out.h5 --factors 3 --iterations 4 --top-n 3 --segments 3
}
s_audiences() {
  cm train --input $in/explicit.h5 --output out.h5 --algorithm als --iterations 3 --audience-size 50 \
    --control-fraction 0.2 --top-n 5 --segments 4 --risk-threshold 0.3
}
s_checkpoint() {
  # A finished 2-iteration checkpoint marked unfinished stands for a run stopped by a signal after
  # iteration 2 (a real signal lands at a varying iteration); --resume then trains to 4.
  for alg in bmf als sgd; do
    local opts=(--input $in/explicit.h5 --algorithm $alg --patience 0 --checkpoint ck-$alg.h5 --checkpoint-every 1)
    [ $alg != bmf ] || opts+=(--burn-in 1)
    cm train "${opts[@]}" --iterations 2 --output first-$alg.h5
    cp ck-$alg.h5 ck-$alg-after-2.h5
    "$PY" -c "import h5py, sys; h5py.File(sys.argv[1], 'r+').attrs['training_complete'] = 0" ck-$alg.h5
    cm train "${opts[@]}" --iterations 4 --output resumed-$alg.h5 --resume
  done
}
s_import() {
  local t=$in/text
  cm import --ratings $t/ratings.csv --test $t/test.csv --items $t/items.csv --users $t/users.csv \
    --labels $t/labels.csv --output full.h5 --show-bad 50
  cm train --input full.h5 --output full-out.h5 --algorithm als --factors 4 --iterations 3
  cm import --ratings $t/clicks.csv --feedback implicit --duplicates sum --sort-rows 7 --output clicks.h5
  cm train --input clicks.h5 --output clicks-out.h5 --factors 4 --lambda 0.1 --iterations 3
  cm import --ratings $t/ratings.dat --duplicates mean --output movielens.h5
}
s_inspect() {
  cm train --input $in/explicit.h5 --output out.h5 --algorithm als --iterations 2 --checkpoint ck.h5
  for f in $in/explicit.h5 $in/implicit.h5 $in/planted-outputs.h5 out.h5 ck.h5; do
    cm inspect "$f" >"inspect-$(basename "$f" .h5).txt"
  done
}
s_threads() {  # two threads per rank: the factors and all that follows from them
  cm train --input $in/explicit.h5 --output explicit.h5 --algorithm als --iterations 3 --threads 2
  cm train --input $in/implicit.h5 --output implicit.h5 --lambda 0.1 --alpha 3 --iterations 3 --threads 2
  cm train --input $in/explicit.h5 --output sgd.h5 --algorithm sgd --iterations 3 --threads 2
}
s_ml20m-shaped() {
  # MovieLens-20M's shape (bench/als_bench.sh) with a fifth of its users and ratings: the same
  # items, ratings per user and density.
  cm generate --output ml.h5 --users 27699 --items 26744 --ratings 4000053 --popularity 1.0 --seed 20
  cm train --input ml.h5 --output out.h5 --iterations 3
}

make_inputs() {
  local d=$work/inputs bin=$ref np=2
  rm -rf "$d" && mkdir -p "$d/text" && cd "$d"
  cm generate --output explicit.h5 --users 3000 --items 800 --ratings 100000 --seed 5
  cm generate --output implicit.h5 --users 3000 --items 800 --ratings 100000 --feedback implicit --seed 6
  "$PY" "$planted" planted-outputs.h5 --users 600 --items 120 --rank 4 --domains --features 3 --labels 0.7 \
    --cold-users 4 --test-fraction 0.1 --ids-chunk 64 >/dev/null
  "$PY" "$planted" planted-labels.h5 --users 6000 --items 60 --rank 3 --density 0.2 --features 2 --labels 0.9 >/dev/null
  "$PY" "$planted" planted-new-items.h5 --implicit --users 1500 --items 300 --rank 4 --density 0.06 \
    --item-features 8 --new-items 30 >/dev/null
  "$PY" "$import_texts" make text >/dev/null
}

# run_one SIDE BINARY NAME NP: the scenario in WORKDIR/SIDE/NAME-npNP; its exit code in that folder's rc.
run_one() {
  local side=$1 bin=$2 name=$3 np=$4 dir=$work/$1/$3-np$4
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && set +e && (set -e; "s_$name") >"$dir/../$name-np$np.log" 2>&1; echo $? >"$dir/../$name-np$np.rc")
}

# compare NAME NP: prints the scenario's line; returns 1 on a difference.
compare() {
  local name=$1 np=$2 a=$work/ref/$1-np$2 b=$work/new/$1-np$2 problems=() notes=() f out g
  local args=("${same_h5_args[@]}")
  for g in ${skip_under[$name]:-}; do args+=(--skip-under "$g"); done
  local rca rcb
  rca=$(cat "$work/ref/$name-np$np.rc") rcb=$(cat "$work/new/$name-np$np.rc")
  [ "$rca" = 0 ] || problems+=("reference failed (exit $rca, see $work/ref/$name-np$np.log)")
  [ "$rca" = "$rcb" ] || problems+=("exit code $rca vs $rcb (see $work/new/$name-np$np.log)")
  for f in $( (ls "$a"; ls "$b") | sort -u); do
    if [ ! -e "$a/$f" ] || [ ! -e "$b/$f" ]; then
      problems+=("$f: only in $([ -e "$a/$f" ] && echo ref || echo new)")
    elif [[ $f == *.h5 ]]; then
      out=$("$PY" "$tools/same_h5.py" "$a/$f" "$b/$f" "${args[@]}") ||
        problems+=("$f: $(echo "$out" | grep -v '^note: ' | head -3 | paste -sd ';' | sed 's/;/; /g')")
      while read -r g; do notes+=("$f: ${g#note: }"); done < <(echo "$out" | grep '^note: ' | head -2)
    elif ! cmp -s <(mask_text "$a/$f") <(mask_text "$b/$f"); then
      problems+=("$f: text differs: $(diff <(mask_text "$a/$f") <(mask_text "$b/$f") | grep '^[<>]' | head -2 | paste -sd ' ')")
    fi
  done
  if [ ${#problems[@]} = 0 ]; then
    printf '%-16s np=%s  same (%s files)\n' "$name" "$np" "$(ls "$a" | wc -l)"
    for g in "${notes[@]}"; do printf '%-16s       note (layout is not content): %s\n' "" "$g"; done
    return 0
  fi
  printf '%-16s np=%s  differs: %s\n' "$name" "$np" "${problems[0]}"
  for p in "${problems[@]:1}"; do printf '%-16s       %s\n' "" "$p"; done
  return 1
}

selected=("$@")
[ $# -gt 0 ] || selected=("${scenarios[@]}")
for name in "${selected[@]}"; do
  declare -F "s_$name" >/dev/null || { echo "unknown scenario $name; known: ${scenarios[*]}" >&2; exit 2; }
done
start=$SECONDS
: >"$work/busy"
lock
set +e  # not "|| exit": that context would turn set -e off inside the subshell
(make_inputs) >"$work/inputs.log" 2>&1
rc=$?
set -e
[ $rc = 0 ] || { echo "making the inputs failed: see $work/inputs.log" >&2; exit 1; }
unlock
failed=0 total=0
for name in "${selected[@]}"; do
  lock
  for np in $ranks; do
    run_one ref "$ref" "$name" "$np"
    run_one new "$new" "$name" "$np"
  done
  unlock
  for np in $ranks; do
    total=$((total + 1))
    compare "$name" "$np" || failed=$((failed + 1))
  done
done
[ -z "${SKIP_COLUMNS:-}" ] || echo "not compared on request (SKIP_COLUMNS): history columns ${SKIP_COLUMNS}"
[ -z "${NEW_OPTIONS:-}" ] || echo "new options (NEW_OPTIONS), their lines left out of the new binary's config: ${NEW_OPTIONS}"
echo "$((total - failed)) of $total same; $((SECONDS - start)) s, of which $(awk '{ s += $2 - $1 } END { printf "%.0f", s }' "$work/busy") s running crossmf"
[ "$failed" = 0 ]
