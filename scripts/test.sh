#!/usr/bin/env bash
# The whole test suite: provisions the Docker engine and base images (idempotent), then runs the unit tests
# (surefire) and the engine integration tests (failsafe, real containers) with Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision-engine.sh
mvn -B -ntp verify "$@"
