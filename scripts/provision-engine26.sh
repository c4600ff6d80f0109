#!/usr/bin/env bash
# Provisions a second Docker engine beside the host's: dockerd 26 from Debian trixie's docker.io, run in a container
# of the host engine (Docker-in-Docker), its API on a unix socket of the host, the base images loaded into it.
# Run scripts/provision-engine.sh first (the host engine and the base images). Idempotent: quick when it runs.
# Prints the DOCKER_HOST that reaches it:
#   DOCKER_HOST=$(scripts/provision-engine26.sh) mvn verify ...
#
# The container shares the host's network namespace, so ports the inner engine publishes on 127.0.0.1 are the
# host's 127.0.0.1, as with the host engine; the inner engine's default bridge is a bridge of its own (docker26)
# and it leaves the host's iptables alone (--iptables=false: the host engine's rules stay as they are, and bridges of
# the inner engine are not kept apart from each other). /tmp is mounted at the same path, so the bind mounts of a
# fleet root under /tmp resolve to the same folders. Nothing is pulled: the image is made with mmdebstrap from
# Debian's packages, the base images go in with docker save | docker load.
#   AGENTCTL_ENGINE26_DIR  folder of the socket [/run/agentctl-engine26]
set -euo pipefail
dir=${AGENTCTL_ENGINE26_DIR:-/run/agentctl-engine26}
sock=$dir/docker.sock
name=agentctl-engine26
image=agentctl-test/dockerd:26
BASE=${AGENTCTL_TEST_BASE:-agentctl-test/debian-slim:bookworm}
BUILDER=${AGENTCTL_TEST_BUILDER:-agentctl-test/python:bookworm}
log() { printf '[provision-engine26] %s\n' "$*" >&2; }
inner() { DOCKER_HOST=unix://$sock docker "$@"; }

if ! docker image inspect "$image" >/dev/null 2>&1; then
  log "building $image with mmdebstrap (trixie's docker.io)"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  mmdebstrap --quiet --variant=minbase --include=docker.io,iproute2,iptables,ca-certificates \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' trixie "$tmp/rootfs.tar"
  docker import "$tmp/rootfs.tar" "$image" >/dev/null
  rm -rf "$tmp"; trap - EXIT
fi

if ! inner version >/dev/null 2>&1; then
  docker rm -f "$name" >/dev/null 2>&1 || true
  mkdir -p "$dir"
  rm -f "$sock"
  log "starting dockerd 26 in the container $name"
  # every capability but CAP_SYS_RESOURCE (this sandbox has none to give, so --privileged fails), no seccomp or
  # apparmor profile, /proc and /sys unmasked, the host's cgroups writable
  docker run -d --name "$name" --network host --cgroupns host \
    --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run \
    -v "$name-data:/var/lib/docker" -v /tmp:/tmp -v "$dir:$dir" -e DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1 \
    "$image" sh -c 'ip link show docker26 >/dev/null 2>&1 || { ip link add docker26 type bridge &&
        ip addr add 172.31.250.1/24 dev docker26; }; ip link set docker26 up
      exec dockerd -H "unix://$0" --bridge docker26 --iptables=false --ip6tables=false' "$sock" >/dev/null
  for _ in $(seq 1 60); do inner version >/dev/null 2>&1 && break; sleep 1; done
  inner version >/dev/null 2>&1 || { log "dockerd 26 did not start:"; docker logs --tail 20 "$name" >&2; exit 1; }
fi

missing=()
for i in "$BASE" "$BUILDER"; do inner image inspect "$i" >/dev/null 2>&1 || missing+=("$i"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "loading ${missing[*]}"
  docker save "${missing[@]}" | inner load >/dev/null
fi
log "ready: engine $(inner version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') at unix://$sock"
echo "unix://$sock"
