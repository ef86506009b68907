#!/usr/bin/env bash
# Operator benchmark: 1000 Checkpoints created at once against the loopback test API server, with fast
# in-process agents on 4 nodes and the real operator binary as a child process. Prints one JSON per line:
#   {"metric":"operator_1000_checkpoints_seconds",...}   target < 60 s
#   {"metric":"operator_peak_rss_mib",...}               target < 150 MiB (VmHWM of the operator process)
# Usage: hack/bench-operator.sh [COUNT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-1000}
art=${CRYO_BENCH_ARTIFACTS:-/tmp/art-bench-operator}
dotnet build "$root/src/Cryo.Operator/Cryo.Operator.csproj" -c Release --artifacts-path "$art" -v quiet -nologo >&2
dotnet build "$root/hack/bench/operator/OperatorBench.csproj" -c Release --artifacts-path "$art" -v quiet -nologo >&2
exec dotnet "$art/bin/OperatorBench/release/OperatorBench.dll" "$art/bin/Cryo.Operator/release/Cryo.Operator.dll" "$count"
