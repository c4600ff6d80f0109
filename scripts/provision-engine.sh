#!/usr/bin/env bash
# Provisions what agentctl's integration tests need on a Debian 12 host with no registry access:
# the Docker engine (docker.io), docker-compose, mmdebstrap, and two base images built from Debian's
# packages. Idempotent: quick when everything is already there.
#   AGENTCTL_TEST_BASE     slim Debian image, no Python (runtime image base) [agentctl-test/debian-slim:bookworm]
#   AGENTCTL_TEST_BUILDER  Debian with python3 + venv (runtime builder) [agentctl-test/python:bookworm]
set -euo pipefail
BASE=${AGENTCTL_TEST_BASE:-agentctl-test/debian-slim:bookworm}
BUILDER=${AGENTCTL_TEST_BUILDER:-agentctl-test/python:bookworm}
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
log() { printf '[provision] %s\n' "$*" >&2; }

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v zstd >/dev/null || need+=(zstd)   # tar --zstd, to read agentctl's archives with the usual tools
command -v cron >/dev/null || need+=(cron)   # MaintainIT runs 'agentctl schedule install' under the real cron
command -v promtool >/dev/null || need+=(prometheus)   # MetricsIT: promtool, and a Prometheus server it starts
command -v prometheus-node-exporter >/dev/null || need+=(prometheus-node-exporter)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  $SUDO apt-get update -qq
  # packages with services (prometheus, node-exporter, cron) are not started by apt: the tests start their own
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null && $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  $SUDO rm -f /usr/sbin/policy-rc.d
  trap - EXIT
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  $SUDO mkdir -p /var/log
  # setsid: the daemon must outlive this script and the shell that ran it. With its iptables rules (Docker's
  # default): they are what keeps one bridge network from reaching another (agentctl's network modes)
  $SUDO setsid dockerd --ip6tables=false >/var/log/agentctl-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/agentctl-dockerd.log"; tail -20 /var/log/agentctl-dockerd.log >&2; exit 1; }
fi

make_image() { # tag, mmdebstrap args...
  local tag=$1; shift
  if docker image inspect "$tag" >/dev/null 2>&1; then return; fi
  log "building $tag with mmdebstrap"
  local tmp; tmp=$(mktemp -d)
  mmdebstrap --quiet "$@" bookworm "$tmp/rootfs.tar"
  docker import --change 'CMD ["/bin/bash"]' "$tmp/rootfs.tar" "$tag" >/dev/null
  rm -rf "$tmp"
}
# like Docker's debian:*-slim: Essential packages (+ passwd for useradd), no docs, man pages or locales
SLIM=(--variant=essential --include=passwd --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*'
      --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*'
      --dpkgopt='path-exclude=/usr/share/info/*')
make_image "$BASE" "${SLIM[@]}" & p1=$!
make_image "$BUILDER" --variant=minbase --include=python3,python3-venv,python3-wheel-whl & p2=$!
wait $p1; wait $p2
"$(dirname "$0")/provision-compose-v2.sh"
log "ready: engine $(docker version --format '{{.Server.Version}}'), images $BASE $BUILDER"
