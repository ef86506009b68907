#!/usr/bin/env bash
# Installs the Debian packages the agent and its tests use, then CRIU (hack/install-criu.sh).
# Idempotent and quick when everything is present.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# command -> package: the agent runs CRIU under nsenter/unshare (util-linux) and removes the network
# lock of a killed --tcp-established dump with nft (nftables), the tests build container-shaped
# workloads from busybox-static and bring up loopback with iproute2; the agent's build compiles
# libcryo-sha256.so (src/cryo-sha256) with gcc and make; the Deploy tests lint hack/*.sh with shellcheck.
declare -A need=([gcc]="gcc libc6-dev" [make]=make [patchelf]=patchelf [busybox]=busybox-static [nsenter]=util-linux [unshare]=util-linux [ip]=iproute2 [openssl]=openssl [nft]=nftables [shellcheck]=shellcheck)
missing=()
for cmd in "${!need[@]}"; do command -v "$cmd" >/dev/null || missing+=("${need[$cmd]}"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
  echo "install-deps: installing ${missing[*]}"
  apt-get update -qq >/dev/null
  mapfile -t packages < <(printf '%s\n' "${missing[@]}" | tr ' ' '\n' | sort -u)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
"$here/install-criu.sh"
