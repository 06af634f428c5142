#!/usr/bin/env bash
# crossmf inspect on files made here with h5py: a bare input without a format attribute (and
# with out-of-range rows), an output-format file (generic listing), and the failures: missing
# file (exit 4), not HDF5 (3), HDF5 but not crossmf (3), a newer input format_version (3).
# (Counts on generated files are checked against numpy in generate_test.sh.)
set -euo pipefail
: "${CROSSMF:?path to the crossmf binary}"
PYTHON=${PYTHON:-/usr/bin/python3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { local np=$1; shift; timeout 120 mpirun --oversubscribe --bind-to none -np "$np" "$CROSSMF" "$@"; }
fail() { echo "FAILED: $*"; exit 1; }
expect_line() { grep -qxF -- "$1" "$2" || { echo "FAILED: no line '$1' in:"; cat "$2"; exit 1; }; }

"$PYTHON" - "$work" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
# A bare input: 7 users, 5 items, implicit, values 1..10, two rows out of range.
with h5py.File(f"{w}/bare.h5", "w") as f:
    f["ratings/user"] = np.array([0, 0, 1, 2, 3, 3, 3, 6, 9, 4], np.int64)    # 9 is out of range
    f["ratings/item"] = np.array([0, 1, 1, 4, 0, 2, 3, 4, 1, -1], np.int32)   # -1 is out of range
    f["ratings/value"] = np.arange(1, 11, dtype=np.float32)
    f["ratings"].attrs.update(n_users=7, n_items=5, feedback="implicit")
    f["items/domain"] = np.array([0, 1, 0, 1, 1], np.int32)
    f["items/domain"].attrs["names"] = ["books", "loans"]
    f["labels/user"] = np.array([1, 2, 5], np.int32)
    f["labels/value"] = np.array([1, 0, 1], np.int8)
# An output file: generic listing.
with h5py.File(f"{w}/output.h5", "w") as f:
    f.attrs.update(format="crossmf-output", format_version=1, n_ranks=2)
    f["model/user_factors"] = np.zeros((4, 3), np.float32)
    f["model/user_bias"] = np.zeros(4, np.float64)
    f["model"].attrs["global_mean"] = 3.5
    f["recommendations/all/items"] = np.full((4, 2), -1, np.int32)
with h5py.File(f"{w}/newer.h5", "w") as f:
    f.attrs.update(format="crossmf-input", format_version=2)
    f["ratings/user"] = np.zeros(1, np.int32)
with h5py.File(f"{w}/other.h5", "w") as f:
    f["x"] = np.zeros(3)
open(f"{w}/text.csv", "w").write("user,item,value\n1,2,3\n")
PY

echo "== bare input, 2 ranks"
run 2 inspect "$work/bare.h5" >"$work/bare.txt"
for line in "format: (no format attribute; read as crossmf-input)" "feedback: implicit" "users: 7" "items: 5" \
    "ratings: 10" "test ratings: 0" "density: 28.5714%" "users with ratings: 6" "items with ratings: 5" \
    "time: absent" "domains: 2" "  domain books: items 2, interactions 3" "  domain loans: items 3, interactions 6" \
    "  q0: 1" "  q0.25: 3" "  q0.5: 5" "  q0.9: 9" "  q1: 10" \
    "warning: 1 rows of /ratings have a user outside [0, n_users)" \
    "warning: 1 rows of /ratings have an item outside [0, n_items)" \
    "labels: 3 users, 2 positive (66.7%)" "user features: absent" "truth: absent"; do
  expect_line "$line" "$work/bare.txt"
done

echo "== generic listing of an output file, 3 ranks"
run 3 inspect "$work/output.h5" >"$work/output.txt"
for line in "format: crossmf-output, version 1" "/model (group)" "    @global_mean = 3.5" \
    "/model/user_factors  float32 [4, 3]" "/model/user_bias  float64 [4]" \
    "/recommendations/all/items  int32 [4, 2]" "    @n_ranks = 2"; do
  expect_line "$line" "$work/output.txt"
done

echo "== failures name the file and exit 3 or 4"
expect_exit() {
  local code=$1 file=$2
  set +e
  timeout 60 "$CROSSMF" inspect "$file" >/dev/null 2>"$work/err.txt"
  local rc=$?
  set -e
  [[ $rc -eq $code ]] || fail "inspect $file exited $rc, expected $code: $(cat "$work/err.txt")"
  grep -qF "$file" "$work/err.txt" || fail "message does not name $file: $(cat "$work/err.txt")"
}
expect_exit 4 "$work/missing.h5"
expect_exit 3 "$work/text.csv"
expect_exit 3 "$work/other.h5"
expect_exit 3 "$work/newer.h5"
grep -q "format_version 2" "$work/err.txt" || fail "newer version message: $(cat "$work/err.txt")"
echo "inspect_test: all passed"
