#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, to run deploy/slurm/submit.sh for real (tests/slurm/check-slurm.sh does).
#   deploy/slurm/local-cluster.sh up     # installs what is missing (Debian: slurmctld slurmd slurm-client munge),
#                                        # writes /etc/slurm/slurm.conf, starts munged, slurmctld and slurmd
#   deploy/slurm/local-cluster.sh down   # stops the three daemons it started (by their pid files)
# Needs root and Debian/Ubuntu's apt-get (or the packages already installed). No systemd is needed: the daemons are
# started directly. The node offers min(2, nproc) CPUs and half of the machine's memory with select/cons_tres and
# CR_CPU_Memory, so sbatch's --cpus-per-task and --mem are accepted and scheduled (not enforced: no cgroups here).
# Exit status: 0 done, 2 cannot run here (not root, no apt-get, a Slurm configuration that is not ours), 1 failed.
set -euo pipefail
conf=/etc/slurm/slurm.conf
marker="# written by dsd deploy/slurm/local-cluster.sh"
log=/var/log/slurm
cannot() { echo "local-cluster: cannot start a cluster here: $*" >&2; exit 2; }
fail() { echo "local-cluster: $*" >&2; exit 1; }

pid_of() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && cat "$1"; }

install_missing() {
  local missing=()
  command -v munged >/dev/null 2>&1 || missing+=(munge)
  command -v slurmctld >/dev/null 2>&1 || missing+=(slurmctld)
  command -v slurmd >/dev/null 2>&1 || missing+=(slurmd)
  command -v sbatch >/dev/null 2>&1 || missing+=(slurm-client)
  [ ${#missing[@]} -eq 0 ] && return
  command -v apt-get >/dev/null 2>&1 || cannot "${missing[*]} missing and no apt-get to install them"
  echo "local-cluster: installing ${missing[*]}" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null \
    || cannot "apt-get could not install ${missing[*]}"
}

write_conf() {
  if [ -f "$conf" ] && ! grep -qF "$marker" "$conf"; then cannot "$conf exists and was not written by this script; not touching it"; fi
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc); [ "$cpus" -gt 2 ] && cpus=2
  mem=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 1024 / 2 ))
  mkdir -p /etc/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd "$log"
  chown slurm:slurm /var/lib/slurm/slurmctld "$log"
  cat >"$conf" <<CONF
$marker: one node, $cpus CPUs, $mem MB
ClusterName=dsd-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$log/slurmctld.log
SlurmdLogFile=$log/slurmd.log
# No cgroups in a container: process groups track jobs, nothing binds or limits them.
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SchedulerType=sched/backfill
# A merge whose shards failed is cancelled instead of waiting forever (afterok never satisfied).
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

start_munge() {
  [ -n "$(pid_of /run/munge/munged.pid)" ] && return
  [ -s /etc/munge/munge.key ] || { mungekey --create --keyfile /etc/munge/munge.key && chown munge:munge /etc/munge/munge.key; }
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged
  munge -n | unmunge >/dev/null || fail "munged started but a credential does not round-trip (see /var/log/munge/munged.log)"
}

up() {
  [ "$(id -u)" -eq 0 ] || cannot "needs root (it installs packages and starts daemons); run it as root or with sudo"
  install_missing
  write_conf
  start_munge
  [ -n "$(pid_of /run/slurmctld.pid)" ] || slurmctld
  [ -n "$(pid_of /run/slurmd.pid)" ] || slurmd
  # Wait until the node takes jobs.
  for _ in $(seq 1 30); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1)
    case "$state" in idle|mix|alloc) echo "local-cluster: up ($(sinfo -h -N -o '%N %c CPUs %m MB %t' | head -n 1))"; return ;; esac
    sleep 1
  done
  fail "the node did not become idle (state '${state:-none}'); see $log/slurmctld.log and $log/slurmd.log"
}

down() {
  [ "$(id -u)" -eq 0 ] || cannot "needs root"
  local pid
  for f in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
    pid=$(pid_of "$f") || continue
    kill "$pid"
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  done
  echo "local-cluster: down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 1 ;;
esac
