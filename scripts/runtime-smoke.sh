#!/usr/bin/env bash
# runtime-smoke.sh: proves templates/runtime/ by hand with the docker CLI (classic builder, like agentctl):
#   1. build builder.Dockerfile with the nanobot stand-in (app/src/test/standin-agent) as src/, offline
#   2. docker cp /opt/venv out of a container of it
#   3. build image.Dockerfile (+ agent-entrypoint, agent-health) from a Python-less base
#   4. run an instance: venv mounted read-only at /opt/venv, config dir at /home/nanobot/.nanobot,
#      gateway 0.0.0.0:PORT published on 127.0.0.1:PORT; check /health, no Python in the image,
#      read-only mount, heartbeat files, docker health status "healthy", prompt SIGTERM
#   5. check the failure modes: crash at start, runtime not mounted, unset ${VAR}, gateway never healthy
# and removes everything it made. Exit 0 = all passed.
# Env: BUILDER_IMAGE (agentctl-test/python:bookworm), BASE_IMAGE (agentctl-test/debian-slim:bookworm),
#      PORT (18795), USE_CACHE=1 (allow the build cache; default --no-cache for honest timings), KEEP=1 (keep all)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILDER_IMAGE=${BUILDER_IMAGE:-agentctl-test/python:bookworm}
BASE_IMAGE=${BASE_IMAGE:-agentctl-test/debian-slim:bookworm}
PORT=${PORT:-18795}
ID=smoke-$$
BUILDER_TAG=agentctl-smoke/builder:$ID
RUNTIME_TAG=agentctl-smoke/runtime:$ID
MAIN=agentctl-$ID
WORK=$(mktemp -d /tmp/agentctl-smoke.XXXXXX)
export DOCKER_BUILDKIT=0    # agentctl talks to POST /build = the classic builder
CACHE=--no-cache; [ "${USE_CACHE:-0}" = 1 ] && CACHE=

say()  { printf '\n== %s\n' "$*"; }
ok()   { printf '   ok: %s\n' "$*"; }
fail() { printf '   FAILED: %s\n' "$*" >&2; exit 1; }
now()  { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

cleanup() {
    local rc=$?
    if [ "${KEEP:-0}" = 1 ]; then echo "KEEP=1: kept $WORK, $BUILDER_TAG, $RUNTIME_TAG, containers $MAIN*"; exit $rc; fi
    docker ps -aq --filter "label=agentctl-smoke=$ID" | xargs -r docker rm -f >/dev/null 2>&1 || true
    docker rmi -f "$RUNTIME_TAG" "$BUILDER_TAG" >/dev/null 2>&1 || true
    # files written by uid 1000 inside the container: remove them as root through a container if we are not root
    rm -rf "$WORK" 2>/dev/null || docker run --rm -v "$WORK:/w" "$BASE_IMAGE" rm -rf /w/home /w/venv && rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT

docker info >/dev/null 2>&1 || fail "Docker engine not reachable"
for img in "$BUILDER_IMAGE" "$BASE_IMAGE"; do
    docker image inspect "$img" >/dev/null 2>&1 || fail "base image $img missing (scripts/provision-engine.sh makes the test ones)"
done

say "1. builder image ($BUILDER_IMAGE, stand-in as src/, offline)"
mkdir -p "$WORK/builder-ctx/src" "$WORK/image-ctx"
cp "$ROOT/templates/runtime/builder.Dockerfile" "$WORK/builder-ctx/Dockerfile"
(cd "$ROOT/app/src/test/standin-agent" && tar -c --exclude=build --exclude='*.egg-info' --exclude=__pycache__ .) \
    | tar -x -C "$WORK/builder-ctx/src"
t=$(now)
docker build $CACHE -q -t "$BUILDER_TAG" --build-arg "BUILDER_IMAGE=$BUILDER_IMAGE" \
    --build-arg "PIP_ARGS=--no-index --no-build-isolation" "$WORK/builder-ctx" >"$WORK/builder.log" 2>&1 \
    || { cat "$WORK/builder.log"; fail "builder build"; }
BUILDER_SECONDS=$(since "$t")
ok "built $BUILDER_TAG in ${BUILDER_SECONDS}s"

say "2. copy /opt/venv out"
t=$(now)
cid=$(docker create --label "agentctl-smoke=$ID" "$BUILDER_TAG" true)
docker cp "$cid:/opt/venv" "$WORK/venv"
docker rm "$cid" >/dev/null
COPY_SECONDS=$(since "$t")
[ -x "$WORK/venv/bin/nanobot" ] && [ -f "$WORK/venv/BUILD-INFO.json" ] || fail "venv incomplete"
grep -q '"version": "0.3.0+standin"' "$WORK/venv/BUILD-INFO.json" || fail "BUILD-INFO.json lacks the agent"
ok "venv copied in ${COPY_SECONDS}s, $(du -sh "$WORK/venv" | cut -f1)"

say "3. runtime image (FROM $BASE_IMAGE)"
cp "$ROOT/templates/runtime/image.Dockerfile" "$WORK/image-ctx/Dockerfile"
cp "$ROOT/templates/runtime/agent-entrypoint" "$ROOT/templates/runtime/agent-health" "$WORK/image-ctx/"
t=$(now)
docker build $CACHE -q -t "$RUNTIME_TAG" --build-arg "BASE_IMAGE=$BASE_IMAGE" "$WORK/image-ctx" >"$WORK/image.log" 2>&1 \
    || { cat "$WORK/image.log"; fail "runtime image build"; }
IMAGE_SECONDS=$(since "$t")
ok "built $RUNTIME_TAG in ${IMAGE_SECONDS}s"

out=$(docker run --rm --label "agentctl-smoke=$ID" "$RUNTIME_TAG" sh -c \
      'command -v python3 || command -v python || ls /usr/bin/python* /usr/local/bin/python* 2>/dev/null' || true)
[ -z "$out" ] || fail "Python found in the runtime image: $out"
ok "no python in the image"

say "4. instance: venv read-only at /opt/venv, gateway 0.0.0.0:$PORT on 127.0.0.1:$PORT"
CONF="$WORK/home/.nanobot"
mkdir -p "$CONF"
cat > "$CONF/config.json" <<EOF
{
  "agents": { "defaults": { "workspace": "~/.nanobot/workspace", "model": "stand-in" } },
  "providers": { "custom": { "apiKey": "\${SMOKE_API_KEY}", "apiBase": "http://127.0.0.1:9/v1" } },
  "gateway": { "host": "0.0.0.0", "port": $PORT }
}
EOF
if [ "$(id -u)" = 0 ]; then chown -R 1000:1000 "$WORK/home"; else chmod -R a+rwX "$WORK/home"; fi
run_args=(--label "agentctl-smoke=$ID" -v "$WORK/venv:/opt/venv:ro" -v "$CONF:/home/nanobot/.nanobot"
          --cap-drop ALL --security-opt no-new-privileges --read-only --tmpfs /tmp)
t=$(now)
docker run -d --name "$MAIN" "${run_args[@]}" -e SMOKE_API_KEY=dummy -e "GATEWAY_PORT=$PORT" \
    -p "127.0.0.1:$PORT:$PORT" "$RUNTIME_TAG" >/dev/null
for _ in $(seq 100); do
    docker logs "$MAIN" 2>&1 | grep -q "gateway listening on 0.0.0.0:$PORT" && break
    [ "$(docker inspect -f '{{.State.Running}}' "$MAIN")" = true ] || { docker logs "$MAIN"; fail "instance died"; }
    sleep 0.1
done
docker logs "$MAIN" 2>&1 | grep -q "gateway listening on 0.0.0.0:$PORT" || { docker logs "$MAIN"; fail "no start line"; }
ok "started in $(since "$t")s: $(docker logs "$MAIN" 2>&1 | head -1)"

body=$(curl -fsS --max-time 3 "http://127.0.0.1:$PORT/health")
[ "$body" = '{"status":"ok"}' ] || fail "/health said: $body"
ctype=$(curl -fsS --max-time 3 -o /dev/null -w '%{content_type}' "http://127.0.0.1:$PORT/health")
[ "$ctype" = application/json ] || fail "/health content type: $ctype"
code=$(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/other")
[ "$code" = 404 ] || fail "/other answered $code"
ok "GET /health -> $body ($ctype), GET /other -> $code"

version=$(docker exec "$MAIN" nanobot --version)
[ "$version" = "nanobot 0.3.0+standin" ] || fail "nanobot --version said: $version"
info=$(docker exec "$MAIN" python3 -c 'import ssl, sqlite3, ctypes, lzma, sys; print(sys.prefix, sys.version.split()[0], ssl.OPENSSL_VERSION, "sqlite", sqlite3.sqlite_version)')
ok "docker exec: $version; python: $info"

if docker exec "$MAIN" sh -c 'touch /opt/venv/probe' 2>/dev/null; then fail "/opt/venv is writable"; fi
rw=$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/opt/venv"}}{{.RW}}{{end}}{{end}}' "$MAIN")
[ "$rw" = false ] || fail "mount RW=$rw"
ok "/opt/venv mounted read-only (RW=$rw, touch refused)"

history="$CONF/workspace/memory/history.jsonl"
n1=$(wc -l < "$history"); sleep 2.2; n2=$(wc -l < "$history")
[ "$n2" -gt "$n1" ] || fail "history.jsonl does not grow ($n1 -> $n2)"
[ -s "$CONF/sessions/standin.jsonl" ] || fail "sessions/standin.jsonl missing"
ok "heartbeat: history.jsonl $n1 -> $n2 lines, sessions/standin.jsonl $(wc -l < "$CONF/sessions/standin.jsonl") lines"

for _ in $(seq 60); do
    health=$(docker inspect -f '{{.State.Health.Status}}' "$MAIN")
    [ "$health" = healthy ] && break
    sleep 1
done
[ "$health" = healthy ] || { docker inspect -f '{{json .State.Health}}' "$MAIN"; fail "health status: $health"; }
ok "docker health: healthy $(since "$t")s after start (HEALTHCHECK interval 10s)"

t=$(now)
docker stop -t 10 "$MAIN" >/dev/null
STOP_SECONDS=$(since "$t")
rc=$(docker inspect -f '{{.State.ExitCode}}' "$MAIN")
[ "$rc" = 0 ] || fail "exit code after SIGTERM: $rc"
awk -v s="$STOP_SECONDS" 'BEGIN { exit !(s < 5) }' || fail "stop took ${STOP_SECONDS}s"
ok "docker stop (SIGTERM): exit 0 in ${STOP_SECONDS}s"

say "5. failure modes"
expect_exit() {  # expect_exit CODE TEXT docker-run-args...
    local want=$1 text=$2 got out; shift 2
    set +e; out=$(docker run --rm --label "agentctl-smoke=$ID" "$@" 2>&1); got=$?; set -e
    [ "$got" = "$want" ] && grep -q -- "$text" <<<"$out" || fail "expected exit $want and '$text', got $got: $out"
    ok "exit $got: $(head -1 <<<"$out")"
}
expect_exit 3 "simulated crash" "${run_args[@]}" -e STANDIN_EXIT_AT_START=3 "$RUNTIME_TAG"
expect_exit 1 "SMOKE_API_KEY is not set" "${run_args[@]}" "$RUNTIME_TAG"
expect_exit 127 "no agent runtime at /opt/venv" "$RUNTIME_TAG"
docker run -d --name "$MAIN-nohealth" "${run_args[@]}" -e SMOKE_API_KEY=x -e STANDIN_NO_HEALTH=1 \
    -e "GATEWAY_PORT=$PORT" "$RUNTIME_TAG" >/dev/null
for _ in $(seq 100); do docker logs "$MAIN-nohealth" 2>&1 | grep -q listening && break; sleep 0.1; done
set +e; out=$(docker exec "$MAIN-nohealth" agent-health); got=$?; set -e
[ "$got" = 1 ] && grep -q "503" <<<"$out" || fail "agent-health with STANDIN_NO_HEALTH=1: exit $got: $out"
ok "STANDIN_NO_HEALTH=1: agent-health exit $got: $out"

say "sizes and times"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E "^($RUNTIME_TAG|$BUILDER_TAG|$BASE_IMAGE|$BUILDER_IMAGE) "
echo "runtime image layers on top of $BASE_IMAGE:"
docker history --no-trunc --format '{{.Size}}\t{{.CreatedBy}}' "$RUNTIME_TAG" | awk -F'\t' '$1 != "0B"' \
    | head -3 | cut -c1-100 | sed 's/^/  /'
echo "venv: $(du -sh "$WORK/venv" | cut -f1) (lib/native $(du -sh "$WORK/venv/lib/native" | cut -f1))"
echo "builder build ${BUILDER_SECONDS}s, venv copy ${COPY_SECONDS}s, runtime image build ${IMAGE_SECONDS}s"
echo
echo "runtime smoke test PASSED"
