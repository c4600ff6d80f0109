#!/usr/bin/env bash
# Benchmarks agentctl beside its peers and prints the figures side by side (medians of several runs).
#   scripts/bench.sh [list|runtime|fleet|backup|growth|isolation|all]   (default all; needs scripts/provision-engine.sh first)
# Works in a scratch folder under ${BENCH_DIR:-/tmp/agentctl-bench} and removes the containers and images it made.
# Writes the tables, with the machine and the date, to BENCHMARKS.md in the repository (all) or in the scratch
# folder (one section). Peers: docker stats, docker-compose, tar (gzip and zstd), restic (installed if missing).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
A="$repo/bin/agentctl"
work=${BENCH_DIR:-/tmp/agentctl-bench}
what=${1:-all}
BASE=${AGENTCTL_TEST_BASE:-agentctl-test/debian-slim:bookworm}
BUILDER=${AGENTCTL_TEST_BUILDER:-agentctl-test/python:bookworm}
for tool in /usr/bin/time:time restic:restic zstd:zstd; do
  command -v "${tool%%:*}" >/dev/null || apt-get install -y -qq "${tool#*:}" >/dev/null 2>&1 || true
done

now() { date +%s%N; }
# median of the numbers given (milliseconds)
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# ms NAME CMD...: runs CMD, prints nothing, echoes elapsed ms
ms() { local t0; t0=$(now); "$@" >/dev/null 2>&1 || true; echo $(( ($(now) - t0) / 1000000 )); }
# msok CMD...: as ms, but a command that fails stops the bench with its error (a refused run is no figure)
msok() { local t0 rc=0; t0=$(now); "$@" >/dev/null 2>"$work/last.err" || rc=$?; [ $rc -eq 0 ] || { echo "bench: '$*' failed (exit $rc):" >&2; cat "$work/last.err" >&2; exit 1; }; echo $(( ($(now) - t0) / 1000000 )); }
# an instance the stand-in agent starts healthy and not degraded: a (fake) key and a channel that needs no token
mk() { "$A" create "$@" --env OPENAI_API_KEY=sk-bench >/dev/null && "$A" channel enable "$1" mattermost --root "${@: -1}" >/dev/null; }
md="$work/BENCHMARKS.md"
# a table per section, printed and kept for BENCHMARKS.md (its first row is the header)
section() { echo "== $* =="; printf '\n### %s\n\n' "$*" >> "$md"; first=1; }
row() {
  printf '%-44s %12s %12s %8s\n' "$@"
  printf '| %s | %s | %s | %s |\n' "$@" >> "$md"
  if [ "${first:-0}" = 1 ]; then echo '|---|---:|---:|---:|' >> "$md"; first=0; fi
}
note() { echo "$*"; printf '\n%s\n' "$*" >> "$md"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

nonets() { docker network ls -q --filter label=dev.agentctl.fleet="$1" | xargs -r docker network rm >/dev/null || true; }
fleet() { # DIR NAME: a fleet root running the offline stand-in agent
  rm -rf "$1"; "$A" init "$1" >/dev/null
  cat > "$1/fleet.yaml" <<YAML
name: $2
runtime:
  baseImage: $BASE
  builderImage: $BUILDER
  source: $repo/app/src/test/standin-agent
  pipArgs: [--no-index, --no-build-isolation]
defaults:
  resources: {memory: 128m, cpus: 0.5}
ports: {from: 21000, to: 21199}
YAML
}

(cd "$repo" && mvn -q -B -ntp package -DskipTests)
mkdir -p "$work"
{
  echo "# Benchmarks"
  echo
  echo "\`scripts/bench.sh $what\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB," \
    "$(. /etc/os-release && echo "$PRETTY_NAME"), Docker $(docker version --format '{{.Server.Version}}'), $(java -version 2>&1 | head -1)." \
    "Times in ms, medians of several runs unless a row says otherwise; ratio = agentctl / peer (below 1: agentctl is faster)."
} > "$md"

if [ "$what" = list ] || [ "$what" = all ]; then
  section "agentctl list with 100 instances (from disk)"
  fleet "$work/list" benchlist
  for i in $(seq 1 100); do "$A" create "i$i" --root "$work/list" >/dev/null; done
  t=(); for _ in 1 2 3 4 5 6 7; do t+=("$(ms "$A" list --root "$work/list")"); done
  p=(); for _ in 1 2 3 4 5 6 7; do p+=("$(ms sh -c "cat $work/list/instances/*/config/config.json $work/list/instances/*/instance.yaml")"); done
  d=(); for _ in 1 2 3 4 5 6 7; do d+=("$(ms docker ps -a)"); done
  v=(); for _ in 1 2 3 4 5 6 7; do v+=("$(ms "$A" --version)"); done
  row "" "agentctl ms" "peer ms" "ratio"
  row "list (100 instances) vs cat of their files" "$(median "${t[@]}")" "$(median "${p[@]}")" "$(ratio "$(median "${t[@]}")" "$(median "${p[@]}")")"
  row "list (100 instances) vs docker ps -a" "$(median "${t[@]}")" "$(median "${d[@]}")" "$(ratio "$(median "${t[@]}")" "$(median "${d[@]}")")"
  row "agentctl --version (JVM and CLI start-up)" "$(median "${v[@]}")" "" ""
  note "jar size: $(stat -c %s "$repo/app/target/agentctl.jar") bytes"
fi

if [ "$what" = runtime ] || [ "$what" = all ]; then
  section "runtime build"
  fleet "$work/rt" benchrt
  docker rmi -f benchrt-runtime:latest benchrt-runtime-builder:latest >/dev/null 2>&1 || true
  cold=$(ms "$A" runtime build --no-cache --root "$work/rt")
  warm=$(ms "$A" runtime build --root "$work/rt")
  forced=$(ms "$A" runtime build --force --root "$work/rt")
  "$A" runtime status --root "$work/rt" --json > "$work/rt/status.json"
  row "" "ms" "" ""
  row "cold build (--no-cache)" "$cold" "" ""
  row "warm build (up to date)" "$warm" "" ""
  row "forced rebuild (Docker cache)" "$forced" "" ""
  note "$(python3 -c "import json; s=json.load(open('$work/rt/status.json')); print('image %.1f MB, runtime %.1f MB' % (s['imageSize']/1e6, s['runtimeSize']/1e6))")"
  note "base image $BASE: $(docker image inspect -f '{{.Size}}' "$BASE") bytes"
fi

if [ "$what" = fleet ] || [ "$what" = all ]; then
  section "20 instances: up from nothing, status"
  fleet "$work/fl" benchfl
  for i in $(seq 1 20); do mk "n$i" --root "$work/fl"; done
  "$A" runtime build --root "$work/fl" >/dev/null
  up=(); upw=(); dc=()
  # each up from nothing: agentctl down keeps the fleet's networks (compose down removes them), so they go too
  for _ in 1 2 3; do
    "$A" down --root "$work/fl" >/dev/null 2>&1 || true; nonets benchfl
    up+=("$(ms "$A" up --no-wait --root "$work/fl")")
    "$A" down --root "$work/fl" >/dev/null; nonets benchfl
    upw+=("$(ms "$A" up --root "$work/fl")")
    "$A" down --root "$work/fl" >/dev/null; nonets benchfl
    dc+=("$(ms sh -c "cd $work/fl && docker-compose up -d")")
    (cd "$work/fl" && docker-compose down >/dev/null 2>&1) || true
  done
  "$A" up --root "$work/fl" >/dev/null
  st=(); ds=(); sn=()
  ids=$(docker ps -q --filter label=dev.agentctl.fleet=benchfl)
  for _ in 1 2 3 4 5; do
    st+=("$(ms "$A" status --root "$work/fl")")
    sn+=("$(ms "$A" status --no-stats --root "$work/fl")")
    ds+=("$(ms docker stats --no-stream $ids)")
  done
  row "" "agentctl ms" "peer ms" "ratio"
  row "up --no-wait vs docker-compose up -d" "$(median "${up[@]}")" "$(median "${dc[@]}")" "$(ratio "$(median "${up[@]}")" "$(median "${dc[@]}")")"
  row "up (waits until all 20 healthy)" "$(median "${upw[@]}")" "" ""
  row "status vs docker stats --no-stream" "$(median "${st[@]}")" "$(median "${ds[@]}")" "$(ratio "$(median "${st[@]}")" "$(median "${ds[@]}")")"
  row "status --no-stats" "$(median "${sn[@]}")" "" ""
  "$A" down --root "$work/fl" >/dev/null
fi

if [ "$what" = backup ] || [ "$what" = all ]; then
  section "backup and restore of a ~500 MB instance folder of mixed files, the instance running"
  fleet "$work/bk" benchbk
  mk big --root "$work/bk"
  ws="$work/bk/instances/big/workspace/data"; mkdir -p "$ws"
  # mixed: 200 MB random (incompressible), 200 MB of text (compressible), 5000 small files
  head -c 200000000 /dev/urandom > "$ws/random.bin"
  python3 - "$ws" <<'PY'
import os, random, sys
d = sys.argv[1]; random.seed(1)
words = [w.strip() for w in open('/usr/share/dict/words')] if os.path.exists('/usr/share/dict/words') else ['agent', 'memory', 'session', 'soul', 'fleet', 'nanobot', 'docker', 'backup']
with open(os.path.join(d, 'history.jsonl'), 'w') as f:
    n = 0
    while n < 200_000_000:
        line = '{"role": "user", "text": "%s"}\n' % ' '.join(random.choice(words) for _ in range(12)); f.write(line); n += len(line)
os.makedirs(os.path.join(d, 'small'), exist_ok=True)
for i in range(5000):
    with open(os.path.join(d, 'small', 'f%04d.md' % i), 'wb') as f: f.write(os.urandom(random.randint(100, 40000)))
PY
  chown -R 1000:1000 "$work/bk/instances/big/workspace"
  size=$(du -sb "$work/bk/instances/big" | cut -f1)
  "$A" runtime build --root "$work/bk" >/dev/null && "$A" up --root "$work/bk" >/dev/null
  export RESTIC_PASSWORD=bench
  b=(); held=(); rss=(); r=(); rrss=(); tz=(); tzs=(); rb=(); tx=(); txs=(); rr=()
  for n in 1 2 3; do
    rm -rf "$work/bk/backups" "$work/bk/restic" "$work/bk/peer"* "$work/bk/instances/big$n"
    /usr/bin/time -f '%e %M' -o "$work/bk/time.txt" "$A" backup big --root "$work/bk" > "$work/bk/backup.out"
    read -r sec kib < "$work/bk/time.txt"; b+=("$(awk -v s="$sec" 'BEGIN{printf "%d", s*1000}')"); rss+=("$((kib / 1024))")
    held+=("$(grep -o 'for [0-9]* ms' "$work/bk/backup.out" | grep -o '[0-9]*' || echo 0)")
    tz+=("$(msok tar czf "$work/bk/peer.tar.gz" -C "$work/bk/instances" big)")
    tzs+=("$(msok tar --zstd -cf "$work/bk/peer.tar.zst" -C "$work/bk/instances" big)")
    restic init -q -r "$work/bk/restic" >/dev/null
    rb+=("$(msok restic -q -r "$work/bk/restic" backup "$work/bk/instances/big")")
    archive=$(find "$work/bk/backups/big" -name "big-*.tar.zst" -o -name "big-*.tar.gz" | head -1)
    /usr/bin/time -f '%e %M' -o "$work/bk/rtime.txt" "$A" restore "$archive" --as "big$n" --root "$work/bk" >/dev/null
    read -r sec kib < "$work/bk/rtime.txt"; r+=("$(awk -v s="$sec" 'BEGIN{printf "%d", s*1000}')"); rrss+=("$((kib / 1024))")
    "$A" rm "big$n" --yes --purge --no-backup --root "$work/bk" >/dev/null
    mkdir -p "$work/bk/peerx" "$work/bk/peerz" "$work/bk/peerr"
    tx+=("$(msok tar xzf "$work/bk/peer.tar.gz" -C "$work/bk/peerx")")
    txs+=("$(msok tar --zstd -xf "$work/bk/peer.tar.zst" -C "$work/bk/peerz")")
    rr+=("$(msok restic -q -r "$work/bk/restic" restore latest --target "$work/bk/peerr")")
  done
  B=$(median "${b[@]}"); R=$(median "${r[@]}")
  row "" "agentctl ms" "peer ms" "ratio"
  row "backup ($((size / 1000000)) MB) vs tar czf" "$B" "$(median "${tz[@]}")" "$(ratio "$B" "$(median "${tz[@]}")")"
  row "backup vs tar --zstd" "$B" "$(median "${tzs[@]}")" "$(ratio "$B" "$(median "${tzs[@]}")")"
  row "backup vs restic backup (new repository)" "$B" "$(median "${rb[@]}")" "$(ratio "$B" "$(median "${rb[@]}")")"
  row "restore (verify + extract) vs tar xzf" "$R" "$(median "${tx[@]}")" "$(ratio "$R" "$(median "${tx[@]}")")"
  row "restore vs tar --zstd -xf" "$R" "$(median "${txs[@]}")" "$(ratio "$R" "$(median "${txs[@]}")")"
  row "restore vs restic restore" "$R" "$(median "${rr[@]}")" "$(ratio "$R" "$(median "${rr[@]}")")"
  row "container held (paused) during backup" "$(median "${held[@]}")" "" ""
  note "archive sizes: agentctl $(stat -c %s "$archive") ($(basename "$archive")), tar czf $(stat -c %s "$work/bk/peer.tar.gz"), tar --zstd $(stat -c %s "$work/bk/peer.tar.zst"), restic repository $(du -sb "$work/bk/restic" | cut -f1) bytes; peak RSS of agentctl: backup $(median "${rss[@]}") MiB, restore $(median "${rrss[@]}") MiB"
  "$A" down --root "$work/bk" >/dev/null 2>&1 || true
fi
if [ "$what" = growth ] || [ "$what" = all ]; then
  section "how cost grows: up --no-wait from nothing, status (live stats) and backup --all at 10, 50 and 100 instances"
  fleet "$work/gr" benchgr
  "$A" runtime build --root "$work/gr" >/dev/null
  row "instances" "up --no-wait" "status" "backup --all"
  have=0
  for n in 10 50 100; do
    for i in $(seq $((have + 1)) $n); do mk "g$i" --root "$work/gr"; done
    have=$n
    u=(); s=(); k=()
    for _ in 1 2 3; do
      "$A" down --root "$work/gr" >/dev/null 2>&1 || true; nonets benchgr
      u+=("$(msok "$A" up --no-wait --root "$work/gr")")
    done
    "$A" up --root "$work/gr" >/dev/null
    for _ in 1 2 3; do s+=("$(msok "$A" status --root "$work/gr")"); done
    for _ in 1 2 3; do rm -rf "$work/gr/backups"; k+=("$(msok "$A" backup --all --root "$work/gr")"); done
    U=$(median "${u[@]}"); S=$(median "${s[@]}"); K=$(median "${k[@]}")
    row "$n" "$U ($((U / n))/inst)" "$S ($((S / n))/inst)" "$K ($((K / n))/inst)"
  done
  note "ms, medians of 3; (ms per instance) in brackets: flat or falling means linear or better."
  "$A" down --root "$work/gr" >/dev/null 2>&1 || true
fi
if [ "$what" = isolation ] || [ "$what" = all ]; then
  section "what isolation costs: up (until healthy) per network mode and storage, backup per storage"
  docker ps -aq --filter label=dev.agentctl.fleet=benchiso | xargs -r docker rm -f >/dev/null
  docker volume ls -q --filter label=dev.agentctl.fleet=benchiso | xargs -r docker volume rm >/dev/null
  fleet "$work/iso" benchiso
  "$A" runtime build --root "$work/iso" >/dev/null
  for mode in fleet isolated internal none; do
    for i in 1 2 3 4; do mk "$mode$i" --network "$mode" --root "$work/iso"; done
  done
  for i in 1 2 3 4; do mk "vol$i" --storage volume --root "$work/iso"; done
  row "" "up ms" "4 instances" ""
  for mode in fleet isolated internal none vol; do
    t=()
    for _ in 1 2 3; do
      "$A" down "${mode}"{1..4} --root "$work/iso" >/dev/null 2>&1 || true
      t+=("$(msok "$A" up "${mode}"{1..4} --root "$work/iso")")
    done
    label="network $mode, bind storage"; [ "$mode" = vol ] && label="network isolated, volume storage"
    row "$label" "$(median "${t[@]}")" "" ""
  done
  # ~100 MB of workspace data in each storage (half random, half text), the container running
  data=$(mktemp -d "$work/iso/data.XXXX"); head -c 50000000 /dev/urandom > "$data/random.bin"
  python3 -c "import random; random.seed(1); open('$data/history.jsonl','w').write(''.join('{\"role\": \"user\", \"n\": %d}\n' % random.randint(0, 10**9) for _ in range(1600000)))"
  "$A" cp "$data" fleet1:workspace/data --root "$work/iso" >/dev/null
  "$A" cp "$data" vol1:workspace/data --root "$work/iso" >/dev/null
  b=(); v=(); p=()
  for _ in 1 2 3; do
    b+=("$(msok "$A" backup fleet1 --root "$work/iso")")
    v+=("$(msok "$A" backup vol1 --root "$work/iso")")
    p+=("$(ms sh -c "tar czf $work/iso/peer.tar.gz -C $work/iso/instances fleet1")")
  done
  row "" "agentctl ms" "tar czf ms" "ratio"
  row "backup, bind storage (~100 MB)" "$(median "${b[@]}")" "$(median "${p[@]}")" "$(ratio "$(median "${b[@]}")" "$(median "${p[@]}")")"
  row "backup, volume storage (~100 MB)" "$(median "${v[@]}")" "$(median "${p[@]}")" "$(ratio "$(median "${v[@]}")" "$(median "${p[@]}")")"
  note "held: bind $("$A" backup fleet1 --root "$work/iso" | grep -o 'for [0-9]* ms'), volume $("$A" backup vol1 --root "$work/iso" | grep -o 'for [0-9]* ms')"
  for i in 1 2 3 4; do "$A" rm "vol$i" --yes --purge --no-backup --root "$work/iso" >/dev/null; done
  "$A" down --root "$work/iso" >/dev/null 2>&1 || true
  docker network ls -q --filter label=dev.agentctl.fleet=benchiso | xargs -r docker network rm >/dev/null || true
fi
for f in benchlist benchrt benchfl benchbk benchgr benchiso; do
  docker ps -aq --filter label=dev.agentctl.fleet=$f | xargs -r docker rm -f >/dev/null
  docker volume ls -q --filter label=dev.agentctl.fleet=$f | xargs -r docker volume rm >/dev/null
  docker network ls -q --filter label=dev.agentctl.fleet=$f | xargs -r docker network rm >/dev/null || true
  docker images --format '{{.Repository}}:{{.Tag}}' | grep "^$f-runtime" | xargs -r docker rmi -f >/dev/null  || true
done
if [ "$what" = all ]; then cp "$md" "$repo/BENCHMARKS.md"; echo "wrote $repo/BENCHMARKS.md"; else echo "wrote $md"; fi
