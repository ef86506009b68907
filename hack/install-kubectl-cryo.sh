#!/usr/bin/env bash
# Builds `kubectl cryo` (src/Cryo.Kubectl) as a native executable and installs it as DIR/kubectl-cryo, where
# kubectl finds plugins (any directory on PATH). Native AOT starts in milliseconds instead of the ~0.3 s a .NET
# program spends starting its JIT; it links with clang and lld, installed here with apt when missing.
# Usage: hack/install-kubectl-cryo.sh [DIR]        (default /usr/local/bin; ARTIFACTS=... keeps the build elsewhere)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
dir=${1:-/usr/local/bin}
artifacts=${ARTIFACTS:-/tmp/cryo-kubectl-artifacts}
case $(uname -m) in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "install-kubectl-cryo: no Native AOT build for $(uname -m)" >&2; exit 1 ;;
esac
"$here/install-native-toolchain.sh"
dotnet publish "$repo/src/Cryo.Kubectl" -c Release -r "$rid" -p:PublishAot=true \
  --artifacts-path "$artifacts" -nologo -v q -clp:ErrorsOnly >&2
mkdir -p "$dir"
install -m 0755 "$artifacts/publish/Cryo.Kubectl/release_$rid/kubectl-cryo" "$dir/kubectl-cryo"
echo "installed $dir/kubectl-cryo: try 'kubectl cryo --help'" >&2
