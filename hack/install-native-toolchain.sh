#!/usr/bin/env bash
# What Native AOT links with on Linux: clang and lld (and zlib's headers). Installs them with apt when one is
# missing, as root; says what to install otherwise. Idempotent: does nothing when they are there.
set -euo pipefail
missing=()
command -v clang >/dev/null || missing+=(clang)
command -v ld.lld >/dev/null || missing+=(lld)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-native-toolchain: Native AOT needs ${missing[*]}: install them (apt-get install ${missing[*]}) and run again" >&2
  exit 1
fi
echo "install-native-toolchain: installing ${missing[*]}" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
