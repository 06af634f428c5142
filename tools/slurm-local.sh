#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, to try and test crossmf's slurm/ scripts.
#
#   tools/slurm-local.sh start    install slurm-wlm and munge with apt-get if missing, write
#                                 slurm.conf for this machine's CPUs and memory, start munged,
#                                 slurmctld and slurmd, and wait until the node is idle
#   tools/slurm-local.sh stop     cancel every job, stop the daemons, delete the folder
#   tools/slurm-local.sh status   the daemons, sinfo and squeue
#   tools/slurm-local.sh env      prints `export SLURM_CONF=...`, for eval "$(... env)"
#
# Everything lives in one folder, $CROSSMF_SLURM_ROOT (default /var/tmp/crossmf-slurm): the
# configuration, a private munge key and socket, the controller's state, slurmd's spool and the
# logs (log/slurmctld.log, log/slurmd.log, log/jobcomp.txt). Nothing under /etc is changed
# except a link /etc/slurm/slurm.conf to our configuration, made only when no other
# configuration is there, so that plain `sinfo` works; clients otherwise need SLURM_CONF.
#
# Both start and stop are idempotent. Run as root (the daemons and jobs run as root, so
# SlurmUser=root); on Debian 12 from scratch, as CI does.
set -euo pipefail

root=${CROSSMF_SLURM_ROOT:-/var/tmp/crossmf-slurm}
conf=$root/etc/slurm.conf
sock=$root/munge/munge.socket
export SLURM_CONF=$conf

say() { echo "slurm-local: $*" >&2; }
die() { say "error: $*"; exit 1; }

install_packages() {
  # slurm-wlm-basic-plugins carries mpi_pmix (srun --mpi=pmix); libpmix2 is its runtime.
  local packages=(slurm-wlm slurm-wlm-basic-plugins slurm-client munge libpmix2) missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# pid of a daemon from its pid file, if that process is alive and is that daemon.
running_pid() {
  local name=$1 file=$2 pid
  [[ -s $file ]] || return 1
  pid=$(<"$file")
  [[ $(ps -o comm= -p "$pid" 2>/dev/null) == "$name"* ]] || return 1
  echo "$pid"
}

# Prints the configuration for this machine. The node's CPUs and memory come from
# `slurmd -C`, which reads the hardware the way slurmd will check it at registration.
write_config() {
  local hw node_line memory cpus
  hw=$(slurmd -C | head -1)
  node_line="NodeName=localhost ${hw#NodeName=* }"
  memory=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
  cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$hw")
  cat <<EOF
# Written by tools/slurm-local.sh: a one-node cluster on this machine, for testing.
ClusterName=crossmf-local
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# A private munged; cred_expire also sets how long a requeued job waits before it may start
# again (default 120 s), kept short so that requeue tests finish quickly.
AuthInfo=socket=$sock,cred_expire=5
StateSaveLocation=$root/state
SlurmdSpoolDir=$root/spool
SlurmctldPidFile=$root/run/slurmctld.pid
SlurmdPidFile=$root/run/slurmd.pid
SlurmctldLogFile=$root/log/slurmctld.log
SlurmdLogFile=$root/log/slurmd.log
JobCompType=jobcomp/filetxt
JobCompLoc=$root/log/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default a job that names no --mem would take the whole node's memory.
DefMemPerCPU=$((memory / cpus))
MpiDefault=none
MailProg=/bin/true
JobRequeue=1
ReturnToService=2
SchedulerType=sched/backfill
# Look at pending jobs every few seconds (defaults 60 s and 30 s): requeued jobs restart soon.
SchedulerParameters=sched_interval=2,bf_interval=2
SlurmctldTimeout=10
SlurmdTimeout=10
MessageTimeout=5
KillWait=10
InactiveLimit=0
# Finished jobs stay visible to scontrol for an hour (there is no accounting database).
MinJobAge=3600
$node_line State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  running_pid munged "$root/run/munged.pid" >/dev/null && return 0
  [[ -s $root/munge/munge.key ]] || mungekey --create --keyfile="$root/munge/munge.key"
  chmod 0600 "$root/munge/munge.key"
  munged --force --socket="$sock" --key-file="$root/munge/munge.key" \
    --pid-file="$root/run/munged.pid" --log-file="$root/log/munged.log" \
    --seed-file="$root/munge/munged.seed"
  munge -n -S "$sock" | unmunge -S "$sock" >/dev/null || die "munged does not answer on $sock"
}

node_state() { sinfo -h -N -n localhost -o %t 2>/dev/null | head -1; }

wait_idle() {
  local state="" deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    state=$(node_state || true)
    case $state in
      idle | mix | alloc) return 0 ;;
      # Down after an unclean stop; a drained node has a reason that needs a person.
      down*) scontrol update nodename=localhost state=resume 2>/dev/null || true ;;
    esac
    sleep 1
  done
  scontrol show node localhost >&2 || true
  tail -n 20 "$root/log/slurmctld.log" "$root/log/slurmd.log" >&2 || true
  die "node localhost is '${state:-not known}' after 60 s (logs above, in $root/log)"
}

link_system_config() {
  local sys=/etc/slurm/slurm.conf
  if [[ ! -e $sys && ! -L $sys ]]; then
    mkdir -p /etc/slurm
    ln -s "$conf" "$sys"
  fi
}

start() {
  [[ $(id -u) == 0 ]] || die "run as root (the local cluster's daemons run as root)"
  install_packages
  mkdir -p "$root"/{etc,munge,state,spool,run,log}
  chmod 0755 "$root" "$root"/{etc,munge,state,spool,run,log}
  local fresh
  fresh=$(write_config)
  if [[ -f $conf ]] && [[ $fresh != "$(<"$conf")" ]] &&
    running_pid slurmctld "$root/run/slurmctld.pid" >/dev/null; then
    say "configuration changed: restarting"
    stop_daemons
  fi
  printf '%s\n' "$fresh" >"$conf"
  link_system_config
  start_munge
  if ! running_pid slurmctld "$root/run/slurmctld.pid" >/dev/null; then
    slurmctld -f "$conf"
  fi
  if ! running_pid slurmd "$root/run/slurmd.pid" >/dev/null; then
    slurmd -f "$conf" -N localhost
  fi
  wait_idle
  say "cluster crossmf-local is up: $(sinfo -h -o '%P %D node(s) %c CPUs %m MB %t')"
  say "clients: export SLURM_CONF=$conf"
}

# Stops a daemon by the pid in its pid file: SIGTERM, then SIGKILL after 10 s.
stop_one() {
  local name=$1 pid i
  pid=$(running_pid "$name" "$root/run/$name.pid") || return 0
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

stop_daemons() {
  local jobs i
  if running_pid slurmctld "$root/run/slurmctld.pid" >/dev/null; then
    # Let Slurm end the jobs' processes itself; it alone knows which they are.
    jobs=$(squeue -h -o %A 2>/dev/null || true)
    if [[ -n $jobs ]]; then
      # shellcheck disable=SC2086 # one job id per word
      scancel $jobs 2>/dev/null || true
      for ((i = 0; i < 30; i++)); do
        [[ -z $(squeue -h -t running,completing -o %A 2>/dev/null) ]] && break
        sleep 1
      done
    fi
  fi
  stop_one slurmd
  stop_one slurmctld
  stop_one munged
}

stop() {
  stop_daemons
  [[ -L /etc/slurm/slurm.conf && $(readlink /etc/slurm/slurm.conf) == "$conf" ]] && rm -f /etc/slurm/slurm.conf
  rm -rf "$root"
  say "stopped; removed $root"
}

status() {
  local d pid up=0
  for d in munged slurmctld slurmd; do
    if pid=$(running_pid "$d" "$root/run/$d.pid"); then
      echo "$d: running (pid $pid)"
      up=$((up + 1))
    else
      echo "$d: not running"
    fi
  done
  if ((up == 3)); then
    sinfo
    squeue
  fi
  ((up == 3))
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
