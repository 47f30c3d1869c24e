#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine (Debian's slurm-wlm + munge), for testing
# profiles/slurm end to end. Idempotent: installs what is missing, (re)writes the config only
# when it changes, starts the daemons that are not running, and waits until the node is idle.
#   sudo tools/slurm-local.sh          # bring it up
#   sudo tools/slurm-local.sh down     # stop the daemons
# Needs root (apt-get, daemons). No accounting database: the profile asks the plugin to poll
# job status with squeue instead of sacct.
set -euo pipefail

CONF_DIR=/etc/slurm
STATE_DIR=/var/spool/slurmctld
SPOOL_DIR=/var/spool/slurmd
LOG_DIR=/var/log/slurm

# A daemon counts as running unless it is gone or a zombie (a killed daemon whose parent
# has not reaped it yet still matches by name).
running() { ps -C "$1" -o stat= 2>/dev/null | grep -qv '^Z'; }

stop() {
    for daemon in "$@"; do
        pkill -x "$daemon" || true
    done
    for _ in $(seq 20); do
        local alive=0
        for daemon in "$@"; do running "$daemon" && alive=1; done
        [[ $alive == 0 ]] && return 0
        sleep 0.5
    done
    for daemon in "$@"; do pkill -9 -x "$daemon" || true; done
}

if [[ "${1:-up}" == "down" ]]; then
    stop slurmd slurmctld munged
    exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >/dev/null
fi

mkdir -p "$CONF_DIR" "$STATE_DIR" "$SPOOL_DIR" "$LOG_DIR" /run/munge /etc/munge
if [[ ! -s /etc/munge/munge.key ]]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key
if ! running munged; then
    runuser -u munge -- /usr/sbin/munged --force
fi

node=$(hostname -s)
cpus=$(nproc)
# Leave 1 GiB to the system; Slurm refuses a node that reports less memory than configured.
mem_mb=$(($(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024))
conf=$(cat <<EOF
ClusterName=hooke-local
SlurmctldHost=${node}
AuthType=auth/munge
CryptoType=crypto/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SlurmUser=root
SlurmdUser=root
StateSaveLocation=${STATE_DIR}
SlurmdSpoolDir=${SPOOL_DIR}
SlurmctldLogFile=${LOG_DIR}/slurmctld.log
SlurmdLogFile=${LOG_DIR}/slurmd.log
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
ReturnToService=2
SchedulerType=sched/backfill
MinJobAge=600
NodeName=${node} CPUs=${cpus} RealMemory=${mem_mb} State=UNKNOWN
PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP
EOF
)
if [[ ! -f "$CONF_DIR/slurm.conf" ]] || [[ "$(cat "$CONF_DIR/slurm.conf")" != "$conf" ]]; then
    printf '%s\n' "$conf" > "$CONF_DIR/slurm.conf"
    stop slurmd slurmctld
fi

# A throwaway test cluster: a controller (re)started here forgets the jobs of its last life
# (-c), so a job cut off by a kill cannot hold the node's CPUs and memory forever.
running slurmctld || /usr/sbin/slurmctld -c
running slurmd || /usr/sbin/slurmd -c

deadline=$((SECONDS + 60))
while (( SECONDS < deadline )); do
    state=$(timeout 5 sinfo -h -N -o '%T' 2>/dev/null | head -n1 || true)
    if [[ "$state" == idle* || "$state" == mixed* || "$state" == allocated* ]]; then
        echo "slurm: node ${node} ${state} (${cpus} CPUs, ${mem_mb} MB)"
        exit 0
    fi
    if [[ "$state" == down* || "$state" == drain* ]]; then
        timeout 5 scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true
    fi
    sleep 1
done
echo "slurm: node ${node} did not become idle; see ${LOG_DIR}/" >&2
exit 1
