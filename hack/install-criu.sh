#!/usr/bin/env bash
# Installs CRIU >= 4.2 from Debian's archive into a private prefix (default /opt/cryo/criu),
# without touching the system's apt sources or dpkg database.
#
# Why not `apt-get install criu`: Debian 12's 3.17 fails on recent kernels (vDSO bounds) and
# Debian 13's 4.1.1 cannot dump TCP/UDP sockets on kernels >= 6.16. Debian testing (forky) and
# unstable (sid) carry 4.2.x, which needs a newer glibc than Debian 12 has, so CRIU and its whole
# library closure are unpacked into the prefix and the binary is pointed at them with patchelf.
#
# Idempotent: when a working CRIU >= 4.2 is already in the prefix it only prints its path.
set -euo pipefail

PREFIX=${CRYO_CRIU_PREFIX:-/opt/cryo/criu}
MIN_MAJOR=4 MIN_MINOR=2
CRIU="$PREFIX/bin/criu"

version_ok() {
  local v
  v=$("$1" --version 2>/dev/null | awk '/^Version:/ {print $2}') || return 1
  [ -n "$v" ] || return 1
  local major=${v%%.*} rest=${v#*.}; local minor=${rest%%.*}
  [ "$major" -gt "$MIN_MAJOR" ] || { [ "$major" -eq "$MIN_MAJOR" ] && [ "$minor" -ge "$MIN_MINOR" ]; }
}

if [ -x "$CRIU" ] && version_ok "$CRIU"; then
  echo "criu: $("$CRIU" --version | awk '/^Version:/ {print $2}') at $CRIU"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "install-criu: run as root (it installs into $PREFIX)" >&2; exit 1; }

if ! command -v patchelf >/dev/null; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf >/dev/null
fi

work=$(mktemp -d /tmp/cryo-criu-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The archive this machine already uses serves every suite; take its address from the system's sources.
uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$uri" ] || uri=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$uri" ] || { echo "install-criu: cannot find a Debian archive address in the apt sources" >&2; exit 1; }
arch=$(dpkg --print-architecture)

fetch_from() { # suite -> downloads criu and its dependency closure into $work/$suite/cache/archives
  local suite=$1 d="$work/$1"
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/dpkg"
  : > "$d/dpkg/status"   # an empty status: apt resolves the full closure, libc6 included
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" > "$d/sources.list"
  local o=(-oDir::Etc::SourceList="$d/sources.list" -oDir::Etc::SourceParts=/nonexistent
           -oDir::State::Lists="$d/lists" -oDir::State::status="$d/dpkg/status" -oDir::Cache="$d/cache"
           -oAPT::Architecture="$arch" -oAPT::Architectures::="$arch" -oDebug::NoLocking=1 -oAPT::Sandbox::User=root -qq)
  apt-get "${o[@]}" update >/dev/null
  apt-get "${o[@]}" install --download-only -y --no-install-recommends criu >/dev/null
}

installed=""
# Testing moves more slowly than unstable; prefer it, fall back to unstable.
for suite in forky sid; do
  echo "install-criu: resolving criu from Debian $suite"
  if ! fetch_from "$suite"; then echo "install-criu: $suite: download failed" >&2; continue; fi
  stage="$PREFIX.new"
  rm -rf "$stage"; mkdir -p "$stage"
  for deb in "$work/$suite"/cache/archives/*.deb; do dpkg-deb -x "$deb" "$stage"; done
  lib="$PREFIX/usr/lib/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)"
  [ -e "$stage/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ] && lib="$PREFIX/usr/lib/x86_64-linux-gnu"
  # The interpreter path is absolute, so patch for the final location before moving into place.
  # --force-rpath: without it the loader takes the system's libraries through the ld.so cache.
  patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$lib" "$stage/usr/sbin/criu"
  mkdir -p "$stage/bin"; ln -sf ../usr/sbin/criu "$stage/bin/criu"
  rm -rf "$PREFIX.old"; [ -e "$PREFIX" ] && mv "$PREFIX" "$PREFIX.old"
  mv "$stage" "$PREFIX"; rm -rf "$PREFIX.old"
  if version_ok "$CRIU"; then installed=$suite; break; fi
  echo "install-criu: criu from $suite is older than $MIN_MAJOR.$MIN_MINOR or does not run" >&2
done

[ -n "$installed" ] || { echo "install-criu: no CRIU >= $MIN_MAJOR.$MIN_MINOR could be installed" >&2; exit 1; }
echo "criu: $("$CRIU" --version | awk '/^Version:/ {print $2}') at $CRIU (from Debian $installed)"
