#!/usr/bin/env bash
# Builds agentctl and brings a demo fleet of three instances up, then prints its status.
# The demo runs the stand-in agent (app/src/test/standin-agent, standard library only) so it works offline;
# for the real nanobot, drop the runtime overrides below (agentctl then installs nanobot-ai from PyPI).
#   DIR (first argument, default ./demo-fleet)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-demo-fleet}
bash "$repo/scripts/provision-engine.sh"
(cd "$repo" && mvn -q -B -ntp package -DskipTests)
agentctl="$repo/bin/agentctl"
if [ ! -f "$dir/fleet.yaml" ]; then
  "$agentctl" init "$dir"
  cat > "$dir/fleet.yaml" <<YAML
# Demo fleet: the offline stand-in agent on images made from Debian's packages by scripts/provision-engine.sh.
name: demo
runtime:
  baseImage: ${AGENTCTL_TEST_BASE:-agentctl-test/debian-slim:bookworm}
  builderImage: ${AGENTCTL_TEST_BUILDER:-agentctl-test/python:bookworm}
  source: $repo/app/src/test/standin-agent
  pipArgs: [--no-index, --no-build-isolation]
defaults:
  resources:
    memory: 256m
YAML
fi
cd "$dir"
for name in alice bob carol; do
  [ -d "instances/$name" ] || "$agentctl" create "$name" --soul "$( [ $name = bob ] && echo expert || echo assistant )"
done
"$agentctl" runtime build
"$agentctl" up
"$agentctl" status
