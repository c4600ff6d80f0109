#!/usr/bin/env bash
# The whole test suite: provisions the Docker engine and base images (idempotent), then runs the unit tests
# (surefire) and the engine integration tests (failsafe, real containers) with Maven against the host's engine
# (Debian 12's Engine 20.10); then the lifecycle, backup, runtime and compose engine tests again against Engine 26
# (Debian 13's docker.io, in a container: scripts/provision-engine26.sh), which is stopped afterwards.
#   AGENTCTL_ENGINE26_TESTS  the failsafe classes run on Engine 26 [see below]; "none" skips that pass
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision-engine.sh
mvn -B -ntp verify "$@"

tests=${AGENTCTL_ENGINE26_TESTS:-FleetLifecycleIT,BackupRestoreIT,RuntimeBuildIT,RuntimeRollIT,ContainerSecurityIT,VolumeStorageIT,ComposeAgreementIT}
[ "$tests" = none ] && exit 0
host26=$(bash scripts/provision-engine26.sh)
trap 'docker rm -f agentctl-engine26 >/dev/null 2>&1 || true' EXIT
echo "[test] the engine tests $tests on Engine 26 ($host26)"
DOCKER_HOST=$host26 mvn -B -ntp verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test="$tests" \
  -Dfailsafe.reportsDirectory=target/failsafe-reports-engine26 "$@"
