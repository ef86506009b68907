#!/usr/bin/env bash
# Installs the Debian packages the agent and its tests use, then CRIU (hack/install-criu.sh).
# Idempotent and quick when everything is present.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# command -> package: the agent runs CRIU under nsenter/unshare (util-linux) and removes the network
# lock of a killed --tcp-established dump with nft (nftables), the tests build container-shaped
# workloads from busybox-static and bring up loopback with iproute2; the agent's build compiles
# libcryo-sha256.so (src/cryo-sha256) with gcc and make, and the static cryo-action-hook (src/cryo-action-hook)
# with libc6-dev (as the node tests a static pause);
# the Deploy tests lint hack/*.sh with shellcheck.
# The node tests (tests/Cryo.Agent.Tests/Node) run pods as a kubelet does, through containerd's CRI with
# runc and the CNI bridge plugins: they start a containerd of their own (own config, socket, root and state
# under /tmp), so a system containerd the package may start is neither used nor disturbed.
declare -A need=([gcc]="gcc libc6-dev" [make]=make [patchelf]=patchelf [busybox]=busybox-static [nsenter]=util-linux [unshare]=util-linux [ip]=iproute2 [openssl]=openssl [nft]=nftables [containerd]=containerd [ctr]=containerd [containerd-shim-runc-v2]=containerd [runc]=runc [shellcheck]=shellcheck)
# file -> package, for what is not on PATH: the CNI plugins live in /usr/lib/cni.
declare -A need_files=([/usr/lib/cni/bridge]=containernetworking-plugins [/usr/lib/cni/host-local]=containernetworking-plugins [/usr/lib/cni/loopback]=containernetworking-plugins [/usr/lib/x86_64-linux-gnu/libc.a]=libc6-dev)
missing=()
for cmd in "${!need[@]}"; do command -v "$cmd" >/dev/null || missing+=("${need[$cmd]}"); done
for file in "${!need_files[@]}"; do [ -e "$file" ] || missing+=("${need_files[$file]}"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
  echo "install-deps: installing ${missing[*]}"
  apt-get update -qq >/dev/null
  mapfile -t packages < <(printf '%s\n' "${missing[@]}" | tr ' ' '\n' | sort -u)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
"$here/install-criu.sh"
