# Sourced by fuzz_test.sh and robust_examples_test.sh: the valid data every case is derived from
# (tests/tools/fuzz_cases.py base), and what crossmf itself must make of it: an output to protect
# (prev.h5) and three checkpoints to break (ALS, SGD and BMF). Then the cases ($1: "" or --examples) and
# the run (tests/tools/fuzz_run.py), whose exit status is the test's.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_WAIT_POLICY=PASSIVE
MPIEXEC=${MPIEXEC:-mpirun}
tools=$CROSSMF_TESTS/tools
data=$work/data
run_fuzz() {
  local mode=${1:-}
  "$PY" "$tools/fuzz_cases.py" base "$data"
  read -ra train <<<"$("$PY" "$tools/fuzz_cases.py" train-args)"
  local mpi=(timeout 120 "$MPIEXEC" --oversubscribe --bind-to none -np 2 "$CROSSMF" train --input "$data/base.h5" --log-level warn "${train[@]}")
  "${mpi[@]}" --output "$data/prev.h5"
  "${mpi[@]}" --output "$work/als.h5" --checkpoint "$data/ck_als.h5" --checkpoint-every 1 --algorithm als
  "${mpi[@]}" --output "$work/sgd.h5" --checkpoint "$data/ck_sgd.h5" --checkpoint-every 1 --algorithm sgd
  "${mpi[@]}" --output "$work/bmf.h5" --checkpoint "$data/ck_bmf.h5" --checkpoint-every 1 --algorithm bmf
  # Every option of every subcommand, as --help lists them: the cases must cover each.
  local options="{" sub
  for sub in generate import train inspect score lift; do
    options+="\"$sub\": [$("$CROSSMF" "$sub" --help | sed -n 's/^  --\([a-z0-9-]*\).*/"\1"/p' | paste -sd,)],"
  done
  options="${options%,}}"
  CROSSMF_OPTIONS=$options "$PY" "$tools/fuzz_cases.py" cases "$data" "$work/cases.json" $mode
  MPIEXEC=$MPIEXEC "$PY" "$tools/fuzz_run.py" "$work/cases.json" "$data" "$work/run" ${FUZZ_ONLY:+--only "$FUZZ_ONLY"}
}
