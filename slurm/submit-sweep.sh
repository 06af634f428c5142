#!/usr/bin/env bash
# Submits a sweep: the array job slurm/sweep.sbatch, sized to its grid, and slurm/collect.sbatch
# to run after every task has succeeded (if one fails, Slurm cancels the collector).
#
#   INPUT=/data/platform.h5 FACTORS_LIST="16 32" LAMBDA_LIST="0.01 0.1" slurm/submit-sweep.sh [sbatch options]
#
# The parameters are sweep.sbatch's, read from the environment (sbatch passes it on). The
# arguments are sbatch options given to both jobs (--partition, --account, --qos, ...).
# SWEEP_THROTTLE=N lets at most N tasks run at once.
# Prints "<array job id> <collector job id>".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=$(bash "$here/sweep.sbatch" --count)
array=$(sbatch --parsable --array="0-$((n - 1))${SWEEP_THROTTLE:+%$SWEEP_THROTTLE}" "$@" "$here/sweep.sbatch")
array=${array%%;*} # "id;cluster" on a federation
collect=$(SWEEP_EXPECT=$n sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  "$@" "$here/collect.sbatch")
echo "${array} ${collect%%;*}"
