#!/usr/bin/env bash
# The structure rules (tools/check_structure.py): the sources pass; copies with a 61-line
# function in jobs/, an HDF5 path outside io/schema.h, or an option compared as a string fail,
# naming file, line and rule.
source "$(dirname "$0")/lib.sh"
root=$(cd "$CROSSMF_TESTS/.." && pwd)
check="$PY $root/tools/check_structure.py"
$check "$root" || { echo "FAILED: the sources break a structure rule"; exit 1; }

refused() {  # FILE TEXT EXPECTED: a copy with TEXT appended to FILE fails with EXPECTED
  rm -rf "$work/copy" && mkdir -p "$work/copy"
  cp -r "$root/src" "$root/io" "$root/jobs" "$work/copy/"
  printf '%s\n' "$2" >>"$work/copy/$1"
  if $check "$work/copy" 2>"$work/err"; then echo "FAILED: '$1' + '${2:0:40}...' passed"; exit 1; fi
  grep -qF -- "$3" "$work/err" || { echo "FAILED: no '$3' in:"; cat "$work/err"; exit 1; }
}
long=$(printf 'void too_long() {\n'; for i in $(seq 59); do printf '  int x%d = %d;\n' "$i" "$i"; done; printf '}\n')
lines=$(wc -l <"$root/jobs/inspect_job.cc")
refused jobs/inspect_job.cc "$long" "jobs/inspect_job.cc:$((lines + 1)): a function of 61 lines"
refused src/model/risk.cc 'const char* where = "/risk/extra";' 'HDF5 path "/risk/extra" outside io/schema.h'
refused jobs/train_job.cc 'bool flagged(const TrainOptions& o) { return o.gating == "flag"; }' 'compares with "flag"'
echo "structure: the sources pass, three breaks are refused"
