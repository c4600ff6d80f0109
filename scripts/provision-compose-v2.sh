#!/usr/bin/env bash
# Installs compose v2 (Debian trixie's docker-compose 2.x, a standalone binary) beside Debian bookworm's
# docker-compose 1.29, for the tests that hold rendered files against both. Idempotent; nothing goes into the host's
# apt configuration: trixie's package lists are fetched into a scratch folder, the .deb (checked by apt against
# Debian's archive keys) is unpacked and only its binary kept.
#   scripts/provision-compose-v2.sh    -> ${AGENTCTL_COMPOSE_V2:-/opt/agentctl-test/compose-v2/docker-compose}
set -euo pipefail
dest=${AGENTCTL_COMPOSE_V2:-/opt/agentctl-test/compose-v2/docker-compose}
log() { echo "[provision-compose-v2] $*"; }
if [ -x "$dest" ] && "$dest" version >/dev/null 2>&1; then
  exit 0
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
echo "deb http://deb.debian.org/debian trixie main" > "$tmp/sources.list"
opts=(-o "Dir::Etc::sourcelist=$tmp/sources.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$tmp/lists"
      -o "Dir::Cache=$tmp/cache" -o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
log "fetching trixie's docker-compose"
apt-get "${opts[@]}" update -qq >/dev/null
(cd "$tmp" && apt-get "${opts[@]}" download -qq docker-compose >/dev/null)
dpkg-deb -x "$tmp"/docker-compose_*.deb "$tmp/x"
$SUDO mkdir -p "$(dirname "$dest")"
$SUDO install -m 0755 "$tmp/x/usr/libexec/docker/cli-plugins/docker-compose" "$dest"
log "ready: $("$dest" version)"
