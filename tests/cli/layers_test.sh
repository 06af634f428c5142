#!/usr/bin/env bash
# The layer rule of the build (tools/check_layers.py, README's folder table): the sources as
# they are pass; a copy of them with an io header included from src/model/, MPI included from
# src/numerics/ or HDF5 from src/model/ is refused, naming the file, line and rule.
source "$(dirname "$0")/lib.sh"
root=$(cd "$CROSSMF_TESTS/.." && pwd)
check="$PY $root/tools/check_layers.py"

$check "$root" || { echo "FAILED: the sources themselves break a layer rule"; exit 1; }

refused() {  # FILE LINE EXPECTED: a copy with LINE added to FILE fails with EXPECTED
  rm -rf "$work/copy" && mkdir -p "$work/copy"
  cp -r "$root/src" "$root/io" "$root/jobs" "$work/copy/"
  sed -i "1i $2" "$work/copy/$1"
  if $check "$work/copy" 2>"$work/err"; then echo "FAILED: '$2' in $1 passed the layer check"; exit 1; fi
  grep -qF -- "$3" "$work/err" || { echo "FAILED: '$2' in $1: no '$3' in:"; cat "$work/err"; exit 1; }
}
refused src/model/factors.h '#include "io/h5.h"' \
  'src/model/factors.h:1: #include "io/h5.h": layer rule: model (src/model/) may include only base, numerics, kernels, comm and model, not io'
refused src/numerics/topn.h '#include <mpi.h>' 'src/numerics/topn.h:1: #include <mpi.h>: layer rule: numerics (src/numerics/) knows no MPI'
refused src/model/risk.cc '#include <hdf5.h>' 'src/model/risk.cc:1: #include <hdf5.h>: layer rule: model (src/model/) knows no HDF5'
refused io/h5.cc '#include "src/model/partition.h"' 'io/h5.cc:1: #include "src/model/partition.h": layer rule: io (io/) may include only'
refused src/base/log.cc '#include "src/comm/comm.h"' 'src/base/log.cc:1: #include "src/comm/comm.h": layer rule: base (src/base/) may include only base, not comm'
echo "layers: the sources pass, five forbidden includes are refused"
