#!/usr/bin/env bash
# crossmf import --events under real mpirun with 1, 2 and 3 ranks: each output is compared by
# tests/tools/events_check.py, which recomputes every pair's strength (weights, amounts, decay)
# with numpy from the text. Then each malformed events file or option: its exit code, a message
# naming the file and line or the option, and no output file (or an existing one unchanged).
source "$(dirname "$0")/import_lib.sh"
ORACLE="$PYTHON $TESTS/tools/events_check.py"
WEIGHTS=view=1,minutes=0.05,favorite=3,purchase=5,ignored=0
$ORACLE make .

check() {  # WHAT ORACLE-ARGS...
  local what=$1; shift
  $ORACLE check out.h5 "$@" >check.log 2>&1 || { fail "$what: $(grep -v '^ok' check.log)"; }
}

for np in 1 2 3; do
  echo "== mpirun -np $np"
  # Decay to the file's latest time; pairs of strength 0 dropped with a warning; malformed rows skipped.
  rm -f out.h5
  import "$np" --events events.csv --event-weights "$WEIGHTS" --half-life 7 --output out.h5
  expect_code 0 "decay to the latest time"
  check "decay to the latest time" --events events.csv --half-life 7 --header
  zero=$(sed -n 's/^zero pairs: //p' check.log)
  expect_log "events.csv: $zero (user, item) pairs sum to strength 0 .* dropped" "zero pairs warned with a count"
  expect_log "events.csv: 3006 rows (,-separated, header), 2 malformed" "malformed rows counted"
  expect_log "before 1717200000 (unix seconds, --as-of: the file's latest time)" "the latest time as --as-of"

  # --as-of a date: later rows dropped; sorted through spilled runs; pair times the newest.
  import "$np" --events events.csv --event-weights "$WEIGHTS" --half-life 30 --as-of 2024-05-01 --sort-rows 50 \
    --output out.h5
  expect_code 0 "--as-of a date, spilled runs"
  check "--as-of a date, spilled runs" --events events.csv --half-life 30 --as-of 2024-05-01 --header
  expect_log "rows later than --as-of 2024-05-01 dropped" "rows after --as-of counted"
  ls -a | grep -q -- '-runs\.' && fail "a spill file was left behind"

  # No decay, no time, no header, integer ids, tab-separated.
  import "$np" --events events.tsv --event-weights view=1,favorite=3,purchase=5 --output out.h5
  expect_code 0 "no time column"
  check "no time column" --events events.tsv --weights view=1,favorite=3,purchase=5 --delim $'\t'
done

# The oracle can fail: a decayed output is not what no decay gives.
import 2 --events events.csv --event-weights "$WEIGHTS" --output out.h5
$ORACLE check out.h5 --events events.csv --half-life 7 --header >/dev/null 2>&1 && \
  fail "the oracle accepted an undecayed output as --half-life 7"
cp out.h5 before.h5

# Malformed files: bad NAME LINE ROW writes events.csv with ROW as line LINE.
bad() {
  local name=$1 line=$2 row=$3
  head -n $((line - 1)) events.csv >"$name"
  echo "$row" >>"$name"
  tail -n +"$line" events.csv >>"$name"
}
bad bad_event.csv 5 "user-1,item 2,click,1717000000,"
bad bad_time.csv 7 "user-1,item 2,view,yesterday,"
bad bad_amount.csv 9 "user-1,item 2,minutes,1717000000,lots"
bad negative_amount.csv 11 "user-1,item 2,purchase,1717000000,-2"
cut -f1,2 events.tsv | sed 's/\t/,/' >no_event.csv
printf 'u1,i1,ignored,1717000000,\nu2,i1,view,1717000000,0\n' >all_zero.csv

# fails CODE PATTERN WHAT ARGS...: the import fails with CODE and PATTERN and writes nothing; a
# failure on the data (CODE 3) leaves an existing output as it was.
np_cycle=0
fails() {
  local want=$1 pattern=$2 what=$3; shift 3
  local np=$((np_cycle % 3 + 1))
  np_cycle=$((np_cycle + 1))
  rm -f new.h5
  import "$np" --output new.h5 "$@"
  expect_code "$want" "$what (np $np)"
  expect_log "error: .*$pattern" "$what names the fault"
  [ "$(grep -c 'error:' log)" = 1 ] || fail "$what: the error was not printed once"
  [ ! -e new.h5 ] || fail "$what: an output was written"
  [ "$want" = 3 ] || return 0
  import "$np" --output out.h5 "$@"
  cmp -s out.h5 before.h5 || fail "$what: a failed import changed the existing output"
  ls -a | grep -qE -- '-runs\.|\.tmp\.' && fail "$what: temporary files left behind"
  return 0
}
E=(--event-weights "$WEIGHTS")
fails 3 "bad_event.csv:5: event 'click' has no weight in --event-weights .*add it" "an unknown event" \
  --events bad_event.csv "${E[@]}"
fails 3 "bad_time.csv:7: time 'yesterday' is not an integer" "a bad time" --events bad_time.csv "${E[@]}"
fails 3 "bad_time.csv:7: time 'yesterday'" "a bad time in the first pass" --events bad_time.csv "${E[@]}" --half-life 3
fails 3 "bad_amount.csv:9: amount 'lots' is not a finite number" "a bad amount" --events bad_amount.csv "${E[@]}"
fails 3 "negative_amount.csv:11: amount -2 is negative" "a negative amount" --events negative_amount.csv "${E[@]}"
fails 3 "no_event.csv: 2 columns .* events have 3 to 5" "two columns" --events no_event.csv "${E[@]}"
fails 3 "events.tsv: no time column .* drop --half-life" "--half-life without times" \
  --events events.tsv --event-weights view=1,favorite=3,purchase=5 --half-life 7
fails 3 "all_zero.csv: every (user, item) pair sums to strength 0" "every pair 0" --events all_zero.csv "${E[@]}"
for w in view "view=1,=2" view=x view=-1 view=inf view=nan "view=1, view=2" "view=1,,purchase=5" ""; do
  fails 2 "--event-weights" "--event-weights '$w'" --events events.csv --event-weights "$w"
done
for h in 0 -1 nan x; do
  fails 2 "--half-life '$h' is not a positive number" "--half-life $h" --events events.csv "${E[@]}" --half-life "$h"
done
for t in 2024-13-01 2024-02-30 soon 1.5; do
  fails 2 "--as-of '$t' is neither" "--as-of $t" --events events.csv "${E[@]}" --half-life 7 --as-of "$t"
done
fails 2 "--as-of is the time --half-life decays to" "--as-of without --half-life" --events events.csv "${E[@]}" \
  --as-of 2024-05-01
fails 2 "--events makes implicit feedback" "--feedback explicit" --events events.csv "${E[@]}" --feedback explicit
fails 2 "--ratings and --events are both given" "--ratings and --events" --events events.csv "${E[@]}" \
  --ratings events.csv
fails 2 "--half-life applies to --events" "--half-life without --events" --ratings events.tsv --feedback implicit \
  --half-life 7

finish import_events_test
