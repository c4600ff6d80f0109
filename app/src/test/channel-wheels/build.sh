#!/bin/sh
# Builds every channel-library stand-in under this folder into a wheel in OUTDIR, offline:
#   build.sh OUTDIR
# Uses $PYTHON (default python3) -m pip wheel --no-index --no-build-isolation --no-deps, so that Python needs pip,
# setuptools >= 61 and wheel (Debian bookworm: setuptools 66 + wheel 0.38). Sources are copied to a temporary
# folder first, so the build leaves no build/ or *.egg-info behind here.
# In the test builder image (whose system python3 has no pip), e.g.:
#   docker run --rm --network none -v "$PWD":/src:ro -v "$OUT":/out agentctl-test/python:bookworm sh -c \
#     'python3 -m venv /tmp/v && /tmp/v/bin/pip install -q --no-index /usr/share/python-wheels/wheel-*.whl \
#      && PYTHON=/tmp/v/bin/python sh /src/build.sh /out'
set -eu
if [ $# -ne 1 ]; then echo "usage: $0 OUTDIR" >&2; exit 2; fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
python=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for dir in "$here"/*/; do
  [ -f "$dir/pyproject.toml" ] || continue
  name=$(basename "$dir")
  cp -R "$dir" "$tmp/$name"
  "$python" -m pip wheel --quiet --no-index --no-build-isolation --no-deps --disable-pip-version-check \
    -w "$out" "$tmp/$name"
  n=$((n + 1))
done
echo "built $n channel-library stand-in wheels in $out"
