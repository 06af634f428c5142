#!/usr/bin/env bash
# crossmf generate end to end, under real mpirun: the same seed gives the same file with 1, 2
# and 3 ranks; the file has the promised layout, exact counts, no duplicate pairs, and values
# that are the planted model; inspect's counts agree with numpy's; bad options exit 2 naming
# the option. Checks are in generate_check.py (h5py + numpy), independent of crossmf's reader.
set -euo pipefail
: "${CROSSMF:?path to the crossmf binary}" "${CROSSMF_TESTS:?path to tests/}"
PYTHON=${PYTHON:-/usr/bin/python3}
CHECK="$CROSSMF_TESTS/cli/generate_check.py"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { local np=$1; shift; timeout 120 mpirun --oversubscribe --bind-to none -np "$np" "$CROSSMF" "$@"; }

opts=(--users 3000 --items 800 --ratings 60000 --test-ratings 3000 --true-factors 6
      --user-features 5 --item-features 3 --domains content,finance,insurance,loans
      --domain-shares 5,2,2,1 --labelled 0.4)

echo "== same seed, 1, 2 and 3 ranks"
for np in 1 2 3; do
  mkdir -p "$work/np$np"
  # Relative output: the resolved options (root attribute 'config') are then identical too.
  (cd "$work/np$np" && run "$np" generate --output out.h5 "${opts[@]}" --seed 7 --log-level warn)
done
"$PYTHON" "$CHECK" same "$work"/np{1,2,3}/out.h5

echo "== layout and counts"
"$PYTHON" "$CHECK" layout "$work/np2/out.h5" users=3000 items=800 ratings=60000 test=3000 seed=7 \
  factors=6 user_features=5 item_features=3 domains=content,finance,insurance,loans shares=5,2,2,1 \
  labelled=0.4 feedback=explicit

echo "== another seed gives other data"
(cd "$work/np1" && run 1 generate --output other.h5 "${opts[@]}" --seed 8 --log-level warn)
if "$PYTHON" "$CHECK" same "$work/np1/out.h5" "$work/np1/other.h5" >/dev/null 2>&1; then
  echo "FAILED: seeds 7 and 8 gave identical files"; exit 1
fi

echo "== noise 0, continuous: values are exactly the planted model"
run 3 generate --output "$work/planted.h5" "${opts[@]}" --seed 7 --noise 0 --stars false --log-level warn
"$PYTHON" "$CHECK" planted "$work/planted.h5"

echo "== implicit feedback"
run 2 generate --output "$work/implicit.h5" --users 2000 --items 500 --ratings 30000 --feedback implicit --log-level warn
"$PYTHON" "$CHECK" implicit "$work/implicit.h5"
"$PYTHON" "$CHECK" layout "$work/implicit.h5" users=2000 items=500 ratings=30000 test=0 seed=42 \
  factors=8 user_features=4 item_features=6 domains=content,finance,insurance shares=0.7,0.2,0.1 \
  labelled=0.5 feedback=implicit

echo "== inspect agrees with numpy"
run 2 inspect "$work/np2/out.h5" >"$work/inspect.txt"
"$PYTHON" "$CHECK" inspect "$work/np2/out.h5" "$work/inspect.txt"
run 3 inspect "$work/implicit.h5" >"$work/inspect_implicit.txt"
"$PYTHON" "$CHECK" inspect "$work/implicit.h5" "$work/inspect_implicit.txt"

echo "== bad options exit 2 and name the option; the existing output is left as it was"
before=$(md5sum <"$work/np2/out.h5")
# Directly (a singleton MPI process): mpirun's teardown after a non-zero exit costs seconds.
expect_usage() {
  local option=$1; shift
  set +e
  timeout 60 "$CROSSMF" generate --output "$work/np2/out.h5" "$@" >"$work/out.txt" 2>"$work/err.txt"
  local rc=$?
  set -e
  if [[ $rc -ne 2 ]]; then echo "FAILED: generate $* exited $rc, expected 2"; cat "$work/err.txt"; exit 1; fi
  if ! grep -q -- "$option" "$work/err.txt"; then echo "FAILED: generate $*: message does not name $option:"; cat "$work/err.txt"; exit 1; fi
}
expect_usage --ratings --ratings 0
expect_usage --ratings --users 10 --items 10 --ratings 60
expect_usage --domain-shares --domain-shares 1,2
expect_usage --domain-shares --domain-shares 1,x,2
expect_usage --domains --domains content,,finance --domain-shares 1,1,1
expect_usage --feedback --feedback stars
expect_usage --popularity --popularity 9
expect_usage --labelled --labelled 1.5
expect_usage bogus --bogus 1
# Under mpirun every rank exits 2, and the message is printed once.
set +e
run 3 generate --output "$work/np2/out.h5" --popularity -1 >/dev/null 2>"$work/err.txt"
rc=$?
set -e
[[ $rc -eq 2 && $(grep -c -- "--popularity" "$work/err.txt") -eq 1 ]] || { echo "FAILED: 3 ranks, bad option: rc $rc"; cat "$work/err.txt"; exit 1; }
[[ "$(md5sum <"$work/np2/out.h5")" == "$before" ]] || { echo "FAILED: a failed run changed the existing output"; exit 1; }
set +e
timeout 60 "$CROSSMF" generate --output "$work/no/such/folder/out.h5" --users 50 --items 20 --ratings 100 2>"$work/err.txt"
rc=$?
set -e
[[ $rc -eq 4 ]] && grep -q "no/such/folder" "$work/err.txt" || { echo "FAILED: missing folder gave $rc:"; cat "$work/err.txt"; exit 1; }
echo "generate_test: all passed"
