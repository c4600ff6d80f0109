# agentctl runtime image: a slim image WITHOUT Python. The agent runtime (a venv with its own interpreter,
# made by builder.Dockerfile) is bind-mounted read-only at MOUNT_PATH; the entrypoint runs commands from it.
# Plain Dockerfile for the classic builder (Engine 20.10 POST /build, no BuildKit features).
#
# Build context (tar): Dockerfile (this file), agent-entrypoint, agent-health
# Build args:
#   BASE_IMAGE  glibc-based image with /bin/sh, bash, coreutils, grep, useradd/groupadd (passwd) and no Python;
#               same Debian release as the builder image (its glibc must not be older). Default debian:bookworm-slim
#   MOUNT_PATH  where instances mount the runtime, = the builder's VENV (default /opt/venv)
# Run: -v RUNTIME:/opt/venv:ro -v CONFIGDIR:/home/nanobot/.nanobot [-e GATEWAY_PORT=N if not 18790]
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
ARG MOUNT_PATH=/opt/venv

# uid/gid 1000 belong to nanobot (an image such as ubuntu:24.04 ships its own user 1000: it goes);
# Python must not be there: the mounted runtime brings its own.
RUN set -eu; \
    old=$(getent passwd 1000 | cut -d: -f1); if [ -n "$old" ]; then userdel -r "$old" 2>/dev/null || userdel "$old"; fi; \
    old=$(getent group 1000 | cut -d: -f1); if [ -n "$old" ]; then groupdel "$old"; fi; \
    groupadd -g 1000 nanobot; \
    useradd -u 1000 -g 1000 -d /home/nanobot -m -s /bin/bash nanobot; \
    install -d -o 1000 -g 1000 -m 0700 /home/nanobot/.nanobot; \
    install -d -m 0755 "$MOUNT_PATH"; \
    found=$(command -v python3 python || true; \
            find /usr \( -path '*/bin/python*' -o -name 'libpython3*' -o -path '/usr/lib/python3*' \
                      -o -path '/usr/local/lib/python3*' \) -prune -print 2>/dev/null); \
    if [ -n "$found" ]; then echo "runtime image: BASE_IMAGE must not contain Python, found: $found" >&2; exit 1; fi

COPY agent-entrypoint agent-health /usr/local/bin/
RUN chmod 0755 /usr/local/bin/agent-entrypoint /usr/local/bin/agent-health

ENV AGENT_MOUNT=${MOUNT_PATH} \
    PATH=${MOUNT_PATH}/bin:${PATH} \
    HOME=/home/nanobot
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["/usr/local/bin/agent-health"]
USER 1000:1000
WORKDIR /home/nanobot
ENTRYPOINT ["/usr/local/bin/agent-entrypoint"]
CMD ["nanobot", "gateway"]
