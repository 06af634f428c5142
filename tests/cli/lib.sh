# Sourced by the end-to-end tests: strict mode, the binary and tests folder from ctest's
# environment, Debian's python3 (with h5py), and a scratch folder removed on exit.
set -euo pipefail
: "${CROSSMF:?set CROSSMF to the crossmf binary}" "${CROSSMF_TESTS:?set CROSSMF_TESTS to the tests folder}"
PY=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
