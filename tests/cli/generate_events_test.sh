#!/usr/bin/env bash
# crossmf generate --events under real mpirun: 1, 2 and 3 ranks write byte-identical event logs;
# `crossmf import --events` with the weights generate stored in /truth (event_weights) rebuilds
# exactly the generated /ratings (ids, values, times); an independent numpy pass over the log
# (tests/tools/generate_events_check.py) finds every event kind, each pair's weighted sum equal to
# its value and its newest event at its time. Then the refusals: explicit feedback and bad paths
# exit as --output's do, naming the option, and leave an existing events file as it was.
source "$(dirname "$0")/lib.sh"
check="$PY $CROSSMF_TESTS/tools/generate_events_check.py"
run() { local np=$1; shift; timeout 120 mpirun --oversubscribe --bind-to none -np "$np" "$CROSSMF" "$@"; }
opts=(--users 1500 --items 400 --ratings 25000 --test-ratings 2000 --feedback implicit --seed 11 --log-level warn)

echo "== the same log with 1, 2 and 3 ranks"
for np in 1 2 3; do
  run "$np" generate --output "$work/g$np.h5" --events "$work/events$np.csv" "${opts[@]}"
done
cmp "$work/events1.csv" "$work/events2.csv" && cmp "$work/events1.csv" "$work/events3.csv" ||
  { echo "FAILED: the event logs differ between rank counts"; exit 1; }
leftover=$(ls -A "$work" | grep -E '\.tmp\.|\.part[0-9]' || true)
[ -z "$leftover" ] || { echo "FAILED: temporary files left: $leftover"; exit 1; }

echo "== the log, checked with numpy against /ratings"
$check events "$work/g2.h5" "$work/events2.csv"

echo "== import --events with the stored weights rebuilds /ratings"
weights=$($check weights "$work/g1.h5")
run 2 import --events "$work/events3.csv" --event-weights "$weights" --output "$work/imported.h5" --log-level warn
$check same "$work/g3.h5" "$work/imported.h5"

echo "== refusals: exit code, the option named, an existing events file unchanged"
printf 'keep' >"$work/kept.csv"
small=(--users 200 --items 60 --ratings 2000 --log-level warn)
refused() {  # CODE PATTERN ARGS...
  local want=$1 pattern=$2 code=0
  shift 2
  "$CROSSMF" generate "${small[@]}" "$@" >"$work/log" 2>&1 || code=$?
  [ "$code" = "$want" ] || { echo "FAILED: exit $code, not $want: $*"; cat "$work/log"; exit 1; }
  grep -qE -- "$pattern" "$work/log" || { echo "FAILED: no '$pattern' in:"; cat "$work/log"; exit 1; }
  [ "$(cat "$work/kept.csv")" = keep ] || { echo "FAILED: kept.csv changed: $*"; exit 1; }
  [ -z "$(ls -A "$work" | grep -E '\.tmp\.|\.part[0-9]')" ] || { echo "FAILED: temporary file left: $*"; exit 1; }
  echo "ok   exit $want: $pattern"
}
refused 2 "--events .*kept\.csv: events make implicit feedback .*give --feedback implicit, or drop --events" \
  --output "$work/new.h5" --events "$work/kept.csv"
refused 2 "--events .*kept\.csv: .*--feedback implicit" --output "$work/new.h5" --events "$work/kept.csv" --feedback explicit
refused 2 "--events .* is a folder, not a regular file" --output "$work/new.h5" --events "$work" --feedback implicit
refused 2 "--events /dev/null is a device or other special file" --output "$work/new.h5" --events /dev/null \
  --feedback implicit
refused 2 "--output .*same\.h5 and --events .*same\.h5 name the same file; give --events a path of its own" \
  --output "$work/same.h5" --events "$work/same.h5" --feedback implicit
refused 4 "nodir/e\.csv: folder .*nodir does not exist; create it first" --output "$work/new.h5" \
  --events "$work/nodir/e.csv" --feedback implicit
refused 4 "/proc/e\.csv: cannot write in folder /proc" --output "$work/new.h5" --events /proc/e.csv --feedback implicit
# A run that fails on its --output leaves the existing events file as it was.
refused 4 "nodir/new\.h5: folder .*nodir does not exist" --output "$work/nodir/new.h5" --events "$work/kept.csv" \
  --feedback implicit
[ ! -e "$work/new.h5" ] || { echo "FAILED: a refused run wrote new.h5"; exit 1; }
echo "generate --events: all checks passed"
