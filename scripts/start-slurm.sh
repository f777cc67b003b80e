#!/usr/bin/env bash
# Bring up a single-node Slurm cluster on this machine, idempotently, for the Slurm executor's tests/CI,
# and print `slurm ready` on the last line.
#
#   scripts/start-slurm.sh && FLYWHEEL_TEST_SLURM=1 node scripts/run-tests.js src/executors
#
# Debian 12, as root, no systemd needed (the daemons are started directly, so it works in a container).
# Installs `slurm-wlm munge` if absent; munge key; munged; a minimal /etc/slurm/slurm.conf (one node,
# `localhost` at 127.0.0.1, CPUs/memory detected here, partition `debug`, select/cons_tres + CR_Core so
# single-CPU jobs pack, proctrack/linuxproc + task/none so no cgroups are needed, no accounting daemon);
# then slurmctld + slurmd, restarted if the config changed; waits until the node is idle.
# Refuses to touch a slurm.conf it did not write. Everything but the last line goes to stderr.
set -euo pipefail

MARK='# managed by flywheel scripts/start-slurm.sh'
CONF=/etc/slurm/slurm.conf
log() { echo "start-slurm: $*" >&2; }
die() {
  log "$*"
  exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (it installs packages and starts daemons)"

# 1. Packages.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || die "slurm/munge are missing and there is no apt-get (Debian 12 expected)"
  log "installing slurm-wlm munge"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends slurm-wlm munge >&2; then
    apt-get update >&2 && apt-get install -y --no-install-recommends slurm-wlm munge >&2 || die "apt-get install slurm-wlm munge failed"
  fi
fi

# 2. Munge: key (munge:munge 0400), dirs, daemon.
install -d -o munge -g munge -m 0700 /etc/munge /var/log/munge
install -d -o munge -g munge -m 0711 /var/lib/munge /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  log "creating /etc/munge/munge.key"
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged --force >&2 || die "munged did not start (see /var/log/munge/munged.log)"
  sleep 0.5
  munge -n | unmunge >/dev/null || die "munge does not round-trip a credential"
fi

# 3. slurm.conf, from what this machine has (nproc honours CPU affinity; memory honours a cgroup limit).
cpus=$(nproc)
mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
if [ -r /sys/fs/cgroup/memory.max ] && [ "$(cat /sys/fs/cgroup/memory.max)" != max ]; then
  lim=$(($(cat /sys/fs/cgroup/memory.max) / 1048576))
  [ "$lim" -lt "$mem_mb" ] && mem_mb=$lim
fi
slurm_user=root
id slurm >/dev/null 2>&1 && slurm_user=slurm
install -d -o "$slurm_user" -m 0755 /var/spool/slurmctld /var/log/slurm
install -d -m 0755 /var/spool/slurmd /etc/slurm

want=$(
  cat <<EOF
$MARK
ClusterName=flywheel
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=$slurm_user
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
SwitchType=switch/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdParameters=config_overrides
# Plain scancel escalates TERM -> KILL after KillWait s; finished jobs stay queryable for MinJobAge s.
KillWait=5
MinJobAge=600
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
)
if [ -e "$CONF" ] && ! head -n1 "$CONF" | grep -qxF "$MARK"; then
  die "$CONF exists and was not written by this script; move it away to let it write its own"
fi
changed=0
if [ "$(cat "$CONF" 2>/dev/null)" != "$want" ]; then
  log "writing $CONF (CPUs=$cpus RealMemory=${mem_mb}MB)"
  printf '%s\n' "$want" >"$CONF"
  changed=1
fi

# 4. Daemons (restarted when the config changed).
running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop() {
  running "$1" || return 0
  local pid
  pid=$(cat "$1")
  kill "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
if [ "$changed" = 1 ]; then
  stop /run/slurmd.pid
  stop /run/slurmctld.pid
fi
if ! running /run/slurmctld.pid; then
  log "starting slurmctld"
  slurmctld >&2 || die "slurmctld did not start (see /var/log/slurm/slurmctld.log)"
fi
if ! running /run/slurmd.pid; then
  log "starting slurmd"
  slurmd -N localhost >&2 || die "slurmd did not start (see /var/log/slurm/slurmd.log)"
fi

# 5. Wait for the node to be idle (resume it if an earlier run left it down or drained).
state=''
for i in $(seq 1 120); do
  state=$(sinfo -h -n localhost -o %T 2>/dev/null | head -n1 || true)
  case "$state" in
    idle | mixed | allocated) break ;;
    down* | drain* | fail*) [ $((i % 10)) = 1 ] && scontrol update NodeName=localhost State=RESUME >&2 2>/dev/null || true ;;
  esac
  sleep 0.5
done
case "$state" in
  idle | mixed | allocated) ;;
  *)
    tail -n 5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 2>/dev/null || true
    die "node localhost is '${state:-unknown}' after 60s, not idle"
    ;;
esac
log "node localhost $state; partition debug; $cpus CPUs"
echo "slurm ready"
