#!/usr/bin/env bash
# Command-line benchmark: how fast kubectl-cryo and cryo start, as Native AOT executables (as installed by
# hack/install-kubectl-cryo.sh and in the agent image) beside the JIT-started .NET programs, in one run:
# kubectl_cryo_help_*, kubectl_cryo_ls_* (ls of 20 Checkpoints from the loopback API test server) and cryo_help_*,
# each *_native_ms, *_jit_ms and *_native_vs_jit_ratio (medians). Target: kubectl cryo well under 100 ms.
# Usage: hack/bench-cli.sh [--runs N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# Builds and binaries per checkout by default: two checkouts benchmarking at once never overwrite each other's.
artifacts=${CRYO_BENCH_ARTIFACTS:-/tmp/cryo-bench-artifacts-$(printf %s "$here" | cksum | cut -d" " -f1)}/cli
case $(uname -m) in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) echo "bench-cli: no Native AOT for $(uname -m)" >&2; exit 1 ;; esac
"$here/install-native-toolchain.sh"
for project in Cryo.Kubectl Cryo.Cli; do
  echo "bench-cli: publishing $project as Native AOT and building it for the JIT" >&2
  dotnet publish "$repo/src/$project" -c Release -r "$rid" -p:PublishAot=true --artifacts-path "$artifacts/aot" -nologo -v q -clp:ErrorsOnly >&2
  dotnet build "$repo/src/$project" -c Release --artifacts-path "$artifacts/jit" -nologo -v q -clp:ErrorsOnly >&2
done
dotnet build "$here/bench/cli/CliBench.csproj" -c Release --artifacts-path "$artifacts/bench" -nologo -v q -clp:ErrorsOnly >&2
dotnet "$artifacts/bench/bin/CliBench/release/CliBench.dll" \
  --kubectl-cryo "$artifacts/aot/publish/Cryo.Kubectl/release_$rid/kubectl-cryo" \
  --kubectl-cryo-dll "$artifacts/jit/bin/Cryo.Kubectl/release/kubectl-cryo.dll" \
  --cryo "$artifacts/aot/publish/Cryo.Cli/release_$rid/cryo" \
  --cryo-dll "$artifacts/jit/bin/Cryo.Cli/release/cryo.dll" "$@"
