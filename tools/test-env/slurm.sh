#!/usr/bin/env bash
# Installs what the Slurm end-to-end test (test/cluster-slurm.test.ts) needs: Debian 12's Slurm 22.05
# (slurmctld, slurmd, slurm-client) and munge. Idempotent: does nothing when every program is there.
# The test itself starts and stops its own one-node cluster (its own munge key and socket, slurm.conf and
# state under a temp folder): this script installs packages only and starts no daemon.
# Needs root (or sudo) and apt-get (Debian/Ubuntu).
set -euo pipefail

# sbatch --version wants a slurm.conf; ask dpkg instead.
version() { dpkg-query -W -f='slurm-client ${Version}, munge ' slurm-client 2>/dev/null; dpkg-query -W -f='${Version}' munge 2>/dev/null || true; }

need=()
for prog in slurmctld slurmd sbatch squeue sacct scontrol munged; do
  command -v "$prog" >/dev/null 2>&1 || [ -x "/usr/sbin/$prog" ] || need+=("$prog")
done
if [ "${#need[@]}" -eq 0 ]; then
  echo "slurm.sh: slurmctld, slurmd, slurm-client and munge are installed ($(version)); nothing to do"
  exit 0
fi

echo "slurm.sh: missing ${need[*]}: installing slurmctld slurmd slurm-client munge with apt-get"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "slurm.sh: apt-get not found: install Slurm (slurmctld, slurmd, client commands) and munge with your system's package manager" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "slurm.sh: not root and no sudo: run this script as root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Package post-install scripts must not start daemons here: the test runs its own.
policy_rc=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy_rc" ]; then
  echo "slurm.sh: writing $policy_rc (exit 101) for the install so that no service is started; removed afterwards"
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy_rc" >/dev/null
  $SUDO chmod +x "$policy_rc"
  created_policy=1
fi
cleanup() { if [ "$created_policy" -eq 1 ]; then $SUDO rm -f "$policy_rc"; fi; }
trap cleanup EXIT
echo "slurm.sh: apt-get update"
$SUDO apt-get update -q
echo "slurm.sh: apt-get install --no-install-recommends slurmctld slurmd slurm-client munge"
$SUDO apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge
echo "slurm.sh: installed: $(version)"
