#!/usr/bin/env bash
# The rules the build and the tests keep on the code (README, folder table): the sources pass
# tools/check_layers.py (a build step) and tools/check_structure.py; copies of them that break a
# rule fail, naming file, line and rule.
#   layers: io included from model, MPI from numerics, HDF5 from model, model from io, comm from base
#   structure: a 61-line function in jobs/, an HDF5 path outside io/schema.h, an option compared as a string
source "$(dirname "$0")/lib.sh"
root=$(cd "$CROSSMF_TESTS/.." && pwd)
layers="$PY $root/tools/check_layers.py"
structure="$PY $root/tools/check_structure.py"
$layers "$root" || { echo "FAILED: the sources themselves break a layer rule"; exit 1; }
$structure "$root" || { echo "FAILED: the sources break a structure rule"; exit 1; }

refused() {  # CHECK FILE first|last TEXT EXPECTED: a copy with TEXT put first or last in FILE fails with EXPECTED
  local check=$1 file=$2 where=$3 text=$4 want=$5
  rm -rf "$work/copy" && mkdir -p "$work/copy"
  cp -r "$root/src" "$root/io" "$root/jobs" "$work/copy/"
  if [ "$where" = first ]; then sed -i "1i $text" "$work/copy/$file"; else printf '%s\n' "$text" >>"$work/copy/$file"; fi
  if $check "$work/copy" 2>"$work/err"; then echo "FAILED: '${text:0:40}' in $file passed"; exit 1; fi
  grep -qF -- "$want" "$work/err" || { echo "FAILED: '${text:0:40}' in $file: no '$want' in:"; cat "$work/err"; exit 1; }
}
refused "$layers" src/model/factors.h first '#include "io/h5.h"' \
  'src/model/factors.h:1: #include "io/h5.h": layer rule: model (src/model/) may include only base, numerics, kernels, comm and model, not io'
refused "$layers" src/numerics/topn.h first '#include <mpi.h>' 'src/numerics/topn.h:1: #include <mpi.h>: layer rule: numerics (src/numerics/) knows no MPI'
refused "$layers" src/model/risk.cc first '#include <hdf5.h>' 'src/model/risk.cc:1: #include <hdf5.h>: layer rule: model (src/model/) knows no HDF5'
refused "$layers" io/h5.cc first '#include "src/model/partition.h"' 'io/h5.cc:1: #include "src/model/partition.h": layer rule: io (io/) may include only'
refused "$layers" src/base/log.cc first '#include "src/comm/comm.h"' 'src/base/log.cc:1: #include "src/comm/comm.h": layer rule: base (src/base/) may include only base, not comm'

long=$(printf 'void too_long() {\n'; for i in $(seq 59); do printf '  int x%d = %d;\n' "$i" "$i"; done; printf '}\n')
lines=$(wc -l <"$root/jobs/inspect_job.cc")
refused "$structure" jobs/inspect_job.cc last "$long" "jobs/inspect_job.cc:$((lines + 1)): a function of 61 lines"
refused "$structure" src/model/risk.cc last 'const char* where = "/risk/extra";' 'HDF5 path "/risk/extra" outside io/schema.h'
refused "$structure" jobs/train_job.cc last 'bool flagged(const TrainOptions& o) { return o.gating == "flag"; }' 'compares with "flag"'
echo "code rules: the sources pass; five layer breaks and three structure breaks are refused"
