# shellcheck shell=bash
# How crossmf is started inside a Slurm job; sourced by the slurm/*.sbatch scripts, which set
# CROSSMF_HOME (the checkout the job was submitted from) first.
#
#   crossmf_launcher            sets the array LAUNCH to "mpirun ..." or "srun ..." for
#                               LAUNCHER=mpirun|srun, sized by the job's --ntasks and
#                               --cpus-per-task, and OMP_NUM_THREADS to --cpus-per-task
#   crossmf_run_requeueable C   runs command C so that Slurm's warning signal becomes a
#                               checkpoint and a requeue (below)
#   crossmf_train               crossmf train on $INPUT -> $OUTPUT, checkpointed and requeueable
#
# Preemption and time limits. `#SBATCH --signal=B:USR1@300` makes Slurm send SIGUSR1 to the
# batch shell alone, 300 s before the time limit (and, where the site sets
# PreemptParameters=send_user_signal, on preemption). Bash runs a trap only once its foreground
# command has ended, so the launcher runs in the background and the shell waits for it: the
# trap forwards the signal to mpirun or srun, both of which pass SIGUSR1 on to every rank.
# SIGTERM or SIGINT to the batch shell (scancel --batch --signal=TERM) is forwarded as SIGUSR1
# too: Open MPI's mpirun, when it receives SIGTERM itself, kills the ranks a second after
# passing it on and exits 1 whatever they did. When Slurm terminates the whole job (time limit
# without the warning signal, scancel), every process gets SIGTERM and SIGKILL KillWait seconds
# later: crossmf is told KillWait (CROSSMF_KILL_WAIT) and takes 60% of it to stop cleanly, and
# mpirun is told to wait as long before it kills the ranks (odls_base_sigkill_timeout).
# crossmf then finishes the current iteration on all ranks, writes its checkpoint and exits
# with 143. On 143 the script requeues its own job (`scontrol requeue`, which needs
# `#SBATCH --requeue`); Slurm runs it again with the same job id and SLURM_RESTART_COUNT set,
# and `--resume` picks up the checkpoint. A job that has been requeued MAX_REQUEUES times stops
# with 143 instead, so that a job that can never finish does not loop forever.

crossmf_say() { echo "crossmf-job $(date +%FT%T): $*"; }

CROSSMF=${CROSSMF:-}
if [[ -z $CROSSMF ]]; then
  if [[ -x $CROSSMF_HOME/build/crossmf ]]; then CROSSMF=$CROSSMF_HOME/build/crossmf; else CROSSMF=crossmf; fi
fi

crossmf_launcher() {
  export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
  local kill_wait
  kill_wait=$(scontrol show config 2>/dev/null | sed -n 's/^KillWait *= *\([0-9]*\).*/\1/p')
  export CROSSMF_KILL_WAIT=${CROSSMF_KILL_WAIT:-${kill_wait:-30}}
  export OMPI_MCA_odls_base_sigkill_timeout=${OMPI_MCA_odls_base_sigkill_timeout:-$CROSSMF_KILL_WAIT}
  case ${LAUNCHER:-mpirun} in
    # Threads of a rank are left free to move within the job's CPUs (which Slurm's task
    # plugin confines): Open MPI's default binds each rank to one core, which would put all
    # of a rank's threads on it.
    mpirun) LAUNCH=(mpirun -np "$SLURM_NTASKS" --bind-to none) ;;
    # Since Slurm 22.05 srun no longer inherits --cpus-per-task from sbatch: pass it on.
    srun) LAUNCH=(srun --mpi=pmix --kill-on-bad-exit=1 --cpus-per-task="$OMP_NUM_THREADS") ;;
    *)
      crossmf_say "LAUNCHER=$LAUNCHER: use mpirun or srun"
      exit 2
      ;;
  esac
}

crossmf_run_requeueable() {
  local pid rc=0
  "$@" &
  pid=$!
  # shellcheck disable=SC2064 # the pid is meant to be expanded now
  trap "crossmf_say 'SIGUSR1: asking crossmf to checkpoint and stop'; kill -USR1 $pid 2>/dev/null" USR1
  # shellcheck disable=SC2064
  trap "crossmf_say 'SIGTERM: asking crossmf to checkpoint and stop (as SIGUSR1, which mpirun waits on)'; kill -USR1 $pid 2>/dev/null" TERM
  # shellcheck disable=SC2064
  trap "crossmf_say 'SIGINT: asking crossmf to checkpoint and stop (as SIGUSR1)'; kill -USR1 $pid 2>/dev/null" INT
  # wait returns early whenever a trapped signal arrives; the last wait gets the exit status
  # that bash kept for the launcher after it ended.
  while kill -0 "$pid" 2>/dev/null; do wait "$pid" || true; done
  wait "$pid" || rc=$?
  trap - USR1 TERM INT
  # Said before any requeue: `scontrol requeue` ends this script at once.
  crossmf_say "crossmf exited with $rc"
  ((rc == 143)) || return "$rc"
  local restarts=${SLURM_RESTART_COUNT:-0}
  if ((restarts >= ${MAX_REQUEUES:-10})); then
    crossmf_say "stopped after a checkpoint, but this job was already requeued $restarts times (MAX_REQUEUES): not again"
    return 143
  fi
  crossmf_say "stopped after a checkpoint: requeueing job $SLURM_JOB_ID (restart $((restarts + 1)))"
  scontrol requeue "$SLURM_JOB_ID" || crossmf_say "scontrol requeue failed: was the job submitted with --requeue?"
  return 143
}

crossmf_train() {
  local args=(train --input "$INPUT" --output "$OUTPUT" --checkpoint "$CHECKPOINT"
    --checkpoint-every "$CHECKPOINT_EVERY" --resume)
  [[ -n ${CONFIG:-} ]] && args+=(--config "$CONFIG")
  # shellcheck disable=SC2206 # TRAIN_ARGS is a list of options, split on blanks
  args+=(${TRAIN_ARGS:-})
  crossmf_launcher
  crossmf_say "job $SLURM_JOB_ID (restart ${SLURM_RESTART_COUNT:-0}) on $SLURM_JOB_NODELIST:" \
    "${LAUNCH[*]} $CROSSMF ${args[*]}"
  local rc=0
  crossmf_run_requeueable "${LAUNCH[@]}" "$CROSSMF" "${args[@]}" || rc=$?
  # Done: the next submission with the same OUTPUT starts afresh, even on new data.
  ((rc != 0)) || rm -f "$CHECKPOINT"
  return "$rc"
}
