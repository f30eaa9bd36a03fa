#!/usr/bin/env bash
# Installs the engines of the local HA cluster (`jivs cluster`) from Debian's packages.
# `jivs doctor` prints the same package list for what is missing. Needs root (or sudo).
set -euo pipefail
PACKAGES=(postgresql-15 patroni etcd-server etcd-client haproxy pgbouncer redis-server redis-sentinel
  prometheus prometheus-alertmanager prometheus-postgres-exporter prometheus-redis-exporter prometheus-node-exporter
  prometheus-pgbouncer-exporter)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "all engines are installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}"
# Debian's packages may try to start services on install; policy-rc.d 101 forbids that, so
# the project's own processes (own ports, own data directories) never collide with them.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
