#!/usr/bin/env bash
# crossmf import end to end, under real mpirun with 1 and 2 ranks: every output is compared by
# import_check.py (python + h5py, reading the text itself) with what the text says it must be.
source "$(dirname "$0")/import_lib.sh"
ORACLE="$PYTHON $TESTS/cli/import_check.py"
$ORACLE make .

no_leftovers() {  # PATTERN WHAT
  local left
  left=$(ls -a | grep -E -- "$1" || true)
  [ -z "$left" ] || fail "$2: $left"
}
check() {  # WHAT ORACLE-ARGS...
  local what=$1; shift
  $ORACLE check out.h5 "$@" >check.log 2>&1 || { fail "$what: $(cat check.log)"; }
}

for np in 1 2; do
  echo "== mpirun -np $np"
  rm -f out.h5

  # Everything at once: string ids, header, duplicates, broken rows, test, items, users, labels.
  import "$np" --ratings ratings.csv --test test.csv --items items.csv --users users.csv --labels labels.csv \
    --output out.h5 --show-bad 50
  expect_code 0 "full import"
  check "full import" --ratings ratings.csv --header --test test.csv --test-dropped 3 --items items.csv \
    --users users.csv --delim-users ';' --labels labels.csv
  # Every malformed line is shown with file:line, and counted.
  bad=$($ORACLE bad-lines ratings.csv --header)
  for line in $bad; do expect_log "ratings.csv:$line: " "malformed line $line shown"; done
  expect_log "rows (,-separated, header), $(echo "$bad" | wc -l) malformed" "malformed count"
  expect_log "test.csv: 34 rows (,-separated), 0 malformed, 3 dropped" "test drops unknown ids"
  expect_log "items.csv:19: feature 'cheap'" "bad item row shown"

  # Each duplicate policy, in memory and through spilled runs (--sort-rows 7: dozens of runs).
  for policy in last sum mean; do
    for rows in 8000000 7; do
      rm -f out.h5
      import "$np" --ratings ratings.csv --output out.h5 --duplicates "$policy" --sort-rows "$rows"
      expect_code 0 "--duplicates $policy --sort-rows $rows"
      check "--duplicates $policy --sort-rows $rows" --ratings ratings.csv --header --policy "$policy"
    done
  done
  no_leftovers '-runs\.' "a spill file was left behind"
  # The oracle can fail: a mean output is not what "last" expects.
  $ORACLE check out.h5 --ratings ratings.csv --header --policy last >/dev/null 2>&1 && \
    fail "the oracle accepted a mean output as --duplicates last"

  # --duplicates error names the two lines of the first repeated pair.
  cp out.h5 before.h5
  import "$np" --ratings ratings.csv --output out.h5 --duplicates error
  expect_code 3 "--duplicates error"
  read -r a b <<<"$($ORACLE first-dup ratings.csv --header)"
  expect_log "ratings.csv: lines $a and $b both rate" "--duplicates error names lines $a and $b"
  cmp -s out.h5 before.h5 || fail "a failed import changed the existing output"
  import "$np" --ratings ratings.csv --output out.h5 --duplicates error --sort-rows 7
  expect_code 3 "--duplicates error across spilled runs"
  no_leftovers '-runs\.' "a failed import left its spill file"

  # --strict: the first malformed row is fatal, named by file:line; the output stays as it was.
  import "$np" --ratings ratings.csv --output out.h5 --strict
  expect_code 3 "--strict"
  expect_log "ratings.csv:$(echo "$bad" | head -1): empty user id" "--strict names the first bad row"
  cmp -s out.h5 before.h5 || fail "a failed --strict import changed the existing output"
  no_leftovers '\.tmp\.' "a temporary output was left behind"

  # --show-bad 2 shows two rows and still counts them all.
  import "$np" --ratings ratings.csv --output out.h5 --show-bad 2
  [ "$(grep -c 'row skipped' log)" = 2 ] || fail "--show-bad 2 showed $(grep -c 'row skipped' log) rows"

  # MovieLens "::" with integer ids, TSV with a header, implicit with and without a value column.
  import "$np" --ratings ratings.dat --output out.h5
  expect_code 0 "MovieLens ::"
  check "MovieLens ::" --ratings ratings.dat --delim '::'
  "$PYTHON" -c "import h5py, sys; sys.exit(h5py.File('out.h5')['users/id'].dtype != 'int64')" || \
    fail "integer user ids are not stored as int64"
  import "$np" --ratings ratings.tsv --output out.h5
  expect_code 0 "TSV"
  check "TSV" --ratings ratings.tsv --delim $'\t' --header
  import "$np" --ratings clicks.csv --feedback implicit --duplicates sum --output out.h5
  expect_code 0 "implicit counts"
  check "implicit counts" --ratings clicks.csv --feedback implicit --policy sum
  expect_log "clicks.csv:302: implicit value '-3' is not positive" "non-positive implicit value"
  import "$np" --ratings views.csv --feedback implicit --duplicates sum --output out.h5
  expect_code 0 "implicit without a value column"
  check "implicit without a value column" --ratings views.csv --feedback implicit --policy sum
  import "$np" --ratings views.csv --output out.h5
  expect_code 3 "explicit without a value column"

  # Failures: every rank exits with the same code (mpirun reports the first non-zero one).
  cp out.h5 before.h5
  import "$np" --ratings missing.csv --output out.h5
  expect_code 4 "missing input"
  expect_log "missing.csv: cannot open" "missing input named"
  import "$np" --ratings ratings.csv --items no-items.csv --output out.h5
  expect_code 4 "missing items file"
  import "$np" --ratings ratings.csv --output no-such-folder/out.h5
  expect_code 4 "output folder missing"
  printf 'user,item,rating\n' >header-only.csv
  import "$np" --ratings header-only.csv --output out.h5
  expect_code 3 "header only"
  expect_log "header-only.csv: no valid rows" "no valid rows"
  printf 'a,b,x\nc,d,y\n' >no-numbers.csv
  import "$np" --ratings no-numbers.csv --output out.h5 --header no
  expect_code 3 "no valid rows"
  printf 'zz,qq,1,1\n' >foreign-test.csv
  import "$np" --ratings ratings.csv --test foreign-test.csv --output out.h5
  expect_code 3 "a test set with no known ids"
  cmp -s out.h5 before.h5 || fail "a failed import changed the existing output"
  # The spill and temporary files are gone after failures too.
  no_leftovers '-runs\.|\.tmp\.' "temporary files left behind"
done

finish import_test
