# Sourced by the import tests (import_test.sh, import_events_test.sh): strict mode, the binary,
# python and tests folder from ctest's environment, a scratch folder (the current directory,
# removed on exit), and the helpers that run `crossmf import` under mpirun and judge its log.
set -euo pipefail
: "${CROSSMF:?set CROSSMF to the crossmf binary}"
PYTHON=${PYTHON:-/usr/bin/python3}
TESTS=${CROSSMF_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# import NP ARGS...: runs crossmf import, log in $work/log, exit code in $code.
import() {
  local np=$1; shift
  set +e
  timeout 120 mpirun --bind-to none -np "$np" "$CROSSMF" import "$@" >log 2>&1
  code=$?
  set -e
}
expect_code() {  # WANT WHAT
  [ "$code" = "$1" ] || { fail "$2: exit $code, expected $1"; sed 's/^/    /' log | head -20; }
}
expect_log() {  # PATTERN (grep's basic regex) WHAT
  grep -q -- "$1" log || { fail "$2: log lacks '$1'"; sed 's/^/    /' log | head -20; }
}
# Ends the test: the failures counted, or NAME passed.
finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$failures failure(s)"
    exit 1
  fi
  echo "$1: all passed"
}
