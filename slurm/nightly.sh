#!/usr/bin/env bash
# Submits the nightly pipeline: slurm/train.sbatch on INPUT, then slurm/report.sbatch on its
# output once it has succeeded (--dependency=afterok; a failed training cancels the report).
# A preempted or timed-out training requeues itself and resumes, and the report waits for it.
# Each night gets its own folder, NIGHTLY_DIR/<date>/: crossmf-output.h5, report/*.png.
# With SCORE_INPUT (the users who changed since, an input the platform refreshes), SCORE_HOURS
# slurm/score.sbatch jobs follow the training, one every SCORE_EVERY (Slurm's --begin=now+...)
# once it has succeeded: scored-1.h5, scored-2.h5, ... beside the output (sized as the training).
#
#   INPUT=/data/platform.h5 slurm/nightly.sh [sbatch options for the training job]
#   crontab: 0 1 * * *  cd /path/to/crossmf && INPUT=/data/platform.h5 slurm/nightly.sh --partition=batch
#
# The training job's parameters and sizing are slurm/train.sbatch's (TRAIN_ARGS, CONFIG, ...).
# Prints "<train job id> <report job id>[ <score job ids>...]".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
INPUT=${INPUT:?set INPUT to the input HDF5 file of the night}
NIGHTLY_DIR=${NIGHTLY_DIR:-nightly}
NIGHT=${NIGHT:-$(date +%F)}
SCORE_INPUT=${SCORE_INPUT:-}
SCORE_HOURS=${SCORE_HOURS:-12}
SCORE_EVERY=${SCORE_EVERY:-1hour}  # between score jobs: now+N x this

dir=$(realpath -m "$NIGHTLY_DIR/$NIGHT")
mkdir -p "$dir"
INPUT=$(realpath "$INPUT")
OUTPUT=$dir/crossmf-output.h5
REPORT_DIR=$dir/report
export INPUT OUTPUT REPORT_DIR
train=$(sbatch --parsable --chdir="$dir" "$@" "$here/train.sbatch")
train=${train%%;*} # "id;cluster" on a federation
report=$(sbatch --parsable --chdir="$dir" --dependency="afterok:$train" --kill-on-invalid-dep=yes \
  "$here/report.sbatch")
ids="$train ${report%%;*}"
if [[ -n $SCORE_INPUT ]]; then
  SCORE_INPUT=$(realpath "$SCORE_INPUT")
  every=${SCORE_EVERY//[0-9]/}
  step=${SCORE_EVERY%%[!0-9]*}
  for ((h = 1; h <= SCORE_HOURS; h++)); do
    score=$(MODEL=$OUTPUT INPUT=$SCORE_INPUT OUTPUT=$dir/scored-$h.h5 sbatch --parsable --chdir="$dir" \
      --dependency="afterok:$train" --kill-on-invalid-dep=yes --begin="now+$((h * ${step:-1}))$every" "$@" "$here/score.sbatch")
    ids+=" ${score%%;*}"
  done
fi
echo "$ids"
