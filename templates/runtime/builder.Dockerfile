# agentctl runtime builder: makes ONE venv holding the agent together with its own copy of the
# interpreter, standard library and non-glibc shared libraries, so that the venv runs when it is
# bind-mounted read-only, at the same path, into the runtime image (image.Dockerfile), which has no Python.
# Plain Dockerfile for the classic builder (Engine 20.10 POST /build, no BuildKit features).
#
# Build context (tar):
#   Dockerfile    this file
#   src/          optional: a local pyproject project to install (e.g. the test stand-in); wins over PACKAGE
#   wheels/       optional: wheels for offline installs; then PIP_ARGS="--no-index --find-links /ctx/wheels"
#   (the whole context is copied to /ctx)
# Build args:
#   BUILDER_IMAGE glibc-based image with python3 >= 3.10 incl. its venv module, same Debian release as the
#                 runtime base image (glibc there must not be older). Python under /usr or /usr/local.
#   PACKAGE       pip requirement used when there is no src/, e.g. "nanobot-ai==0.3.0" or "nanobot-ai[matrix]==0.3.0"
#   PIP_ARGS      extra `pip install` arguments, e.g. "--no-index --no-build-isolation" offline
#   CHANNEL_REQS  pip requirements of the chat channels to carry (fleet.yaml runtime.channels): nanobot would
#                 pip-install them when the gateway starts, which cannot work on a read-only runtime
#   VENV          path of the venv = the mount path in instances (default /opt/venv)
# Result (take it out with a container + GET /containers/{id}/archive?path=/opt/venv, i.e. docker cp):
#   /opt/venv/bin/python3.X    /bin/sh wrapper (PYTHONHOME, LD_LIBRARY_PATH) -> libexec/python3.X;
#                              python, python3 are symlinks to it; console scripts (#!/opt/venv/bin/python) work
#   /opt/venv/libexec/python3.X  the real interpreter binary
#   /opt/venv/lib/python3.X      standard library (incl. lib-dynload) + site-packages, .pyc as unchecked-hash
#   /opt/venv/lib/native         shared libraries beyond glibc (ldd of interpreter, lib-dynload, site-packages)
#   /opt/venv/etc/ssl/cert.pem   the builder's CA bundle, if it has one (used when SSL_CERT_FILE is unset)
#   /opt/venv/share/zoneinfo     the builder's tz database (used when PYTHONTZPATH is unset): nanobot refuses even
#                                "UTC" without one, and a slim base image may have none
#   /opt/venv/BUILD-INFO.json    python version, builder image, requirement, agent, package list
ARG BUILDER_IMAGE=python:3.12-slim-bookworm
FROM ${BUILDER_IMAGE}
ARG BUILDER_IMAGE
ARG PACKAGE=
ARG PIP_ARGS=
ARG CHANNEL_REQS=
ARG VENV=/opt/venv
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

COPY . /ctx/

# 1. venv + agent. Debian's setuptools 66 needs the `wheel` package to build a local project without
#    build isolation, so install the distro's wheel .whl first when there is one (offline).
RUN set -eu; \
    python3 -m venv "$VENV"; \
    for whl in /usr/share/python-wheels/wheel-*.whl; do \
        if [ -f "$whl" ]; then "$VENV/bin/python" -m pip install --no-index --no-compile "$whl"; fi; \
    done; \
    if [ -d /ctx/src ]; then target=/ctx/src; \
    elif [ -n "$PACKAGE" ]; then target=$PACKAGE; \
    else echo "builder: give build arg PACKAGE or put a project under src/ in the build context" >&2; exit 2; fi; \
    echo "$target" > /ctx/.requirement; \
    "$VENV/bin/python" -m pip install --no-compile $PIP_ARGS "$target"; \
    test -x "$VENV/bin/nanobot" || { echo "builder: $target installed no 'nanobot' console script" >&2; exit 1; }; \
    if [ -n "$CHANNEL_REQS" ]; then \
        echo "builder: channel libraries: $CHANNEL_REQS"; \
        set -f; "$VENV/bin/python" -m pip install --no-compile $PIP_ARGS $CHANNEL_REQS; set +f; \
    fi

# 2. Make the venv self-contained and relocatable. All paths come from the builder's sysconfig.
RUN set -eu; \
    eval "$(python3 -c 'import os, sys, sysconfig; \
print("VER=%d.%d" % sys.version_info[:2]); \
print("REAL=" + os.path.realpath(sys.executable)); \
print("STDLIB=" + sysconfig.get_path("stdlib")); \
print("DYNLOAD=" + os.path.join(sysconfig.get_path("platstdlib"), "lib-dynload")); \
print("PLATLIBDIR=" + sys.platlibdir)')"; \
    dst="$VENV/$PLATLIBDIR/python$VER"; native="$VENV/lib/native"; \
    echo "builder: interpreter $REAL, stdlib $STDLIB, lib-dynload $DYNLOAD -> $dst"; \
    mkdir -p "$VENV/libexec" "$native" "$dst/lib-dynload"; \
    cp -L "$REAL" "$VENV/libexec/python$VER"; \
    (cd "$STDLIB" && tar -ch --exclude=site-packages --exclude=dist-packages --exclude=__pycache__ \
        --exclude=EXTERNALLY-MANAGED --exclude='*.a' --exclude='_tkinter*' .) | tar -x -C "$dst"; \
    (cd "$DYNLOAD" && tar -ch --exclude='_tkinter*' .) | tar -x -C "$dst/lib-dynload"; \
    # shared libraries: everything ldd resolves outside the venv, except glibc's own (the base image has glibc)
    find "$VENV/libexec" "$dst/lib-dynload" "$VENV/lib/python$VER/site-packages" -type f \
        \( -path "$VENV/libexec/*" -o -name '*.so' -o -name '*.so.*' \) -exec ldd {} + 2>/dev/null \
      | awk '/:$/ { file = substr($0, 1, length($0) - 1) }; \
             $2 == "=>" && $3 == "not" { print "MISSING", $1, file }; \
             $2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u > /tmp/libs; \
    while read -r name path file; do \
        case "$name" in \
            MISSING) echo "builder: warning: $file needs $path, which the builder does not have" >&2; continue ;; \
            ld-linux*|libc.so.*|libm.so.*|libmvec.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libutil.so.*) continue ;; \
            libresolv.so.*|libanl.so.*|libnsl.so.1|libBrokenLocale.so.*|libthread_db.so.*|libnss_*|libc_malloc_debug.so.*) continue ;; \
        esac; \
        case "$path" in "$VENV"/*) continue ;; esac; \
        cp -L "$path" "$native/$name"; \
    done < /tmp/libs; \
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then \
        mkdir -p "$VENV/etc/ssl"; cp -L /etc/ssl/certs/ca-certificates.crt "$VENV/etc/ssl/cert.pem"; \
    fi; \
    if [ -f /usr/share/zoneinfo/UTC ]; then \
        mkdir -p "$VENV/share"; cp -a /usr/share/zoneinfo "$VENV/share/zoneinfo"; \
    else echo "builder: warning: no tz database in the builder (/usr/share/zoneinfo): the agent refuses any timezone on a base image without one" >&2; fi; \
    # bin/python*: a /bin/sh wrapper instead of symlinks to the builder's interpreter
    rm -f "$VENV/bin/python" "$VENV/bin/python3" "$VENV/bin/python$VER"; \
    { echo '#!/bin/sh'; \
      echo "# runs the interpreter relocated into $VENV (made by agentctl's builder.Dockerfile)"; \
      echo "PYTHONHOME=$VENV; export PYTHONHOME"; \
      echo "case \":\${LD_LIBRARY_PATH:-}:\" in *:$native:*) ;; *) LD_LIBRARY_PATH=$native\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}; export LD_LIBRARY_PATH ;; esac"; \
      echo "if [ -z \"\${SSL_CERT_FILE:-}\" ] && [ -f $VENV/etc/ssl/cert.pem ]; then SSL_CERT_FILE=$VENV/etc/ssl/cert.pem; export SSL_CERT_FILE; fi"; \
      echo "if [ -z \"\${PYTHONTZPATH:-}\" ] && [ -d $VENV/share/zoneinfo ]; then PYTHONTZPATH=$VENV/share/zoneinfo; export PYTHONTZPATH; fi"; \
      echo "exec $VENV/libexec/python$VER \"\$@\""; \
    } > "$VENV/bin/python$VER"; \
    chmod 755 "$VENV/bin/python$VER"; \
    ln -s "python$VER" "$VENV/bin/python3"; ln -s "python$VER" "$VENV/bin/python"; \
    sed -i -e "s|^home = .*|home = $VENV/libexec|" -e "s|^executable = .*|executable = $VENV/libexec/python$VER|" "$VENV/pyvenv.cfg"; \
    # PYTHONHOME makes prefix == base_prefix; Debian's patched site.py then skips lib/pythonX.Y/site-packages.
    # Bridge it with a .pth in a directory that site.py does scan (so nested .pth files still work).
    sp="$VENV/lib/python$VER/site-packages"; \
    if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.argv[1] not in sys.path)' "$sp"; then \
        pthdir=$("$VENV/bin/python" -c 'import site, sys; print([p for p in site.getsitepackages() if p.startswith(sys.prefix + "/")][-1])'); \
        mkdir -p "$pthdir"; echo "import site; site.addsitedir('$sp')" > "$pthdir/00-venv-site-packages.pth"; \
    fi; \
    "$VENV/bin/python" -c 'import sys; out = [p for p in sys.path if p and not p.startswith(sys.argv[1] + "/")]; \
sys.exit("builder: sys.path leaves the venv: %s" % out if out else (sys.argv[2] not in sys.path and "builder: site-packages not on sys.path"))' "$VENV" "$sp"; \
    "$VENV/bin/python" -c 'import ssl, ctypes, sqlite3, lzma, bz2, zlib, hashlib, decimal, json'; \
    # read-only at run time: compile once, .pyc valid whatever mtimes the copy ends up with
    "$VENV/bin/python" -m compileall -q -f -j 0 --invalidation-mode unchecked-hash "$VENV/lib" > /tmp/compileall.log \
        || { echo "builder: warning: some files did not compile:" >&2; grep -v '^Listing' /tmp/compileall.log | head -20 >&2; }; \
    "$VENV/bin/python" -c 'import datetime, json, platform, sys; from importlib import metadata; \
dists = {d.metadata["Name"]: d.version for d in metadata.distributions()}; \
agent = [{"distribution": ep.dist.name, "version": ep.dist.version, "command": ep.name} for ep in metadata.entry_points(group="console_scripts", name="nanobot")]; \
info = {"python": platform.python_version(), "implementation": platform.python_implementation(), \
 "builderImage": sys.argv[1], "requirement": sys.argv[2], "venv": sys.prefix, \
 "builtAt": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), \
 "agent": agent[0] if agent else None, \
 "packages": [{"name": n, "version": dists[n]} for n in sorted(dists, key=str.lower)]}; \
open(sys.prefix + "/BUILD-INFO.json", "w").write(json.dumps(info, indent=2) + "\n")' "$BUILDER_IMAGE" "$(cat /ctx/.requirement)"; \
    "$VENV/bin/nanobot" --version; \
    # no hard links: agentctl copies the venv out with an extractor that refuses them (as it does for backups)
    find "$VENV" -type f -links +1 -exec sh -c 'for f; do cp -p "$f" "$f.cp" && mv -f "$f.cp" "$f"; done' sh {} +; \
    du -sh "$VENV"
