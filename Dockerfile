# syntax=docker/dockerfile:1
#
# Cryo's container images, one build target each:
#   docker build --target operator -t cryo/operator:0.1.0 .
#   docker build --target agent    -t cryo/agent:0.1.0 .
# Build arguments VERSION, REVISION, CREATED and SOURCE fill the OCI labels, e.g.
#   --build-arg REVISION=$(git rev-parse HEAD) --build-arg CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
#
# Build stages hold the SDK and the C toolchain; the final images receive only what they run.

ARG DOTNET_VERSION=10.0
# The agent needs CRIU >= 4.2: Debian 12's 3.17 fails `criu check` on current kernels and Debian 13's
# 4.1.1 cannot dump TCP/UDP sockets on kernels >= 6.16. Debian testing packages 4.2.x.
ARG AGENT_BASE=debian:testing-slim
# The OCI labels' values, set once for both images: each final stage names them again (without a value) to use them.
ARG VERSION=0.1.0 REVISION=unknown CREATED=unknown SOURCE=""

# ---------------------------------------------------------------------------------------------------
# .NET build: operator and agent, published framework-dependent; the `cryo` CLI as Native AOT (a person types it
# once per call: a native start takes milliseconds where a JIT start takes ~0.3 s), linked with clang.
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS dotnet-build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang lld zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
COPY Directory.Build.props Directory.Packages.props ./
COPY protos/ protos/
COPY src/ src/
# The agent runs without tiered compilation (src/Cryo.Agent/AgentRuntime.props): ReadyToRun code spares its
# start and first checkpoint from compiling everything fully optimised. This stage runs on the target
# platform, so its architecture names the runtime.
ARG TARGETARCH
RUN rid="linux-$(if [ "$TARGETARCH" = arm64 ]; then echo arm64; else echo x64; fi)" \
 && dotnet publish src/Cryo.Operator/Cryo.Operator.csproj -c Release -o /out/operator \
 && dotnet publish src/Cryo.Agent/Cryo.Agent.csproj -c Release -o /out/agent -r "$rid" --self-contained false -p:PublishReadyToRun=true \
 && dotnet publish src/Cryo.Cli/Cryo.Cli.csproj -c Release -o /out/cli -r "$rid" -p:PublishAot=true \
 && find /out -name '*.pdb' -delete -o -name '*.dbg' -delete

# ---------------------------------------------------------------------------------------------------
# The C parts, built on the same base the agent runs on: the placeholder init, a static program (it runs
# as PID 1 inside workload images that may have no libc), and libcryo-sha256.so, with which the agent
# hashes images two chunks per core, and cryo-action-hook, the static action script CRIU runs at each of its
# actions (the SDK stage has no gcc, so the agent's own build skips both there).
FROM ${AGENT_BASE} AS native-build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc libc6-dev make binutils \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY src/cryo-placeholder/Makefile src/cryo-placeholder/cryo-placeholder.c placeholder/
COPY src/cryo-sha256/Makefile src/cryo-sha256/cryo-sha256.c sha256/
COPY src/cryo-action-hook/Makefile src/cryo-action-hook/cryo-action-hook.c action-hook/
# -Werror stays for developers; a newer compiler's new warnings must not break an image build.
RUN make -C placeholder cryo-placeholder CFLAGS="-Os -Wall -Wextra -std=gnu11" \
 && if ldd placeholder/cryo-placeholder >/dev/null 2>&1; then echo "cryo-placeholder is not static" >&2; exit 1; fi \
 && make -C sha256 CFLAGS="-O2 -Wall -Wextra -std=gnu11" \
 && make -C action-hook CFLAGS="-O2 -Wall -Wextra -std=gnu11"

# The ASP.NET Core runtime, copied whole into the agent image (the agent serves gRPC over Kestrel).
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS aspnet-runtime

# ---------------------------------------------------------------------------------------------------
# The node agent: CRIU from Debian testing, the tools CRIU runs (nsenter/unshare from util-linux, ip
# from iproute2; nftables through libnftables for --network-lock nftables, and `nft`, with which the
# agent removes the lock table of a dump that was killed), the agent, the `cryo` CLI and the
# placeholder program the operator copies into restore pods. It runs privileged, as root.
# kubectl and cryo-e2e (hack/e2e.sh) are for the chart's `helm test` pod, which runs them from this image
# as a non-root user with a ServiceAccount of its own: every node already holds the image, so the test
# pulls nothing new. The agent never runs them and mounts no ServiceAccount token.
FROM ${AGENT_BASE} AS agent
ARG AGENT_BASE VERSION REVISION CREATED SOURCE
LABEL org.opencontainers.image.title="cryo-agent" \
      org.opencontainers.image.description="Cryo node agent: checkpoints and restores containers with CRIU" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.vendor="Cryo" \
      org.opencontainers.image.base.name="${AGENT_BASE}"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      criu util-linux iproute2 libnftables1 nftables tar ca-certificates libssl3t64 libstdc++6 tzdata kubectl \
 && rm -rf /var/lib/apt/lists/* \
 && criu_version=$(dpkg-query -W -f='${Version}' criu) \
 && if ! dpkg --compare-versions "$criu_version" ge 4.2; then \
      echo "criu $criu_version is older than 4.2: it cannot dump sockets on kernels >= 6.16" >&2; exit 1; \
    fi \
 && /usr/sbin/criu --version
COPY --from=aspnet-runtime /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    Agent__CriuPath=/usr/sbin/criu \
    Store__RootDirectory=/var/lib/cryo/checkpoints \
    Agent__SocketPath=/run/cryo/agent.sock
COPY --from=dotnet-build /out/agent /opt/cryo/agent
COPY --from=dotnet-build /out/cli /opt/cryo/cli
COPY --from=native-build /src/placeholder/cryo-placeholder /usr/local/bin/cryo-placeholder
COPY --from=native-build /src/sha256/libcryo-sha256.so /opt/cryo/agent/libcryo-sha256.so
COPY --from=native-build /src/action-hook/cryo-action-hook /opt/cryo/agent/cryo-action-hook
COPY --chmod=0755 hack/e2e.sh /usr/local/bin/cryo-e2e
RUN ln -s /opt/cryo/cli/cryo /usr/local/bin/cryo \
 && mkdir -p /var/lib/cryo/checkpoints /run/cryo \
 && chmod 0700 /var/lib/cryo/checkpoints
USER 0:0
EXPOSE 9443 9090
ENTRYPOINT ["dotnet", "/opt/cryo/agent/Cryo.Agent.dll"]

# ---------------------------------------------------------------------------------------------------
# The operator: the ASP.NET Core runtime image, as its non-root `app` user (UID 1654).
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS operator
ARG DOTNET_VERSION VERSION REVISION CREATED SOURCE
LABEL org.opencontainers.image.title="cryo-operator" \
      org.opencontainers.image.description="Cryo operator: reconciles Checkpoint and Restore resources" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.vendor="Cryo" \
      org.opencontainers.image.base.name="mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}"
# Memory settings that only the environment can carry (hack/bench.sh operator runs the operator with this
# stage's ENV line, so its figure is the image's):
# - MALLOC_ARENA_MAX: glibc gives each thread that contends on malloc an arena of its own (up to 8 per core),
#   each keeping what was freed into it; the operator's native allocations are few (mostly the JIT's), so two
#   arenas suffice. glibc reads it at start only (mallopt from Main is too late: tried).
# - DOTNET_GCgen0size (hex bytes, 4 MiB): the gen0 budget otherwise follows the node's L3 cache size (16 MiB
#   on a 32 MiB L3, more on large server CPUs), garbage the operator commits for nothing; runtimeconfig.json
#   has no knob for it. Each lowers the benchmark's peak RSS by about 5-7 MiB.
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MALLOC_ARENA_MAX=2 DOTNET_GCgen0size=0x400000
COPY --from=dotnet-build /out/operator /opt/cryo/operator
USER 1654:1654
EXPOSE 8080
ENTRYPOINT ["dotnet", "/opt/cryo/operator/Cryo.Operator.dll"]
