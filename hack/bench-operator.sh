#!/usr/bin/env bash
# Operator benchmark: 1000 Checkpoints created at once against the loopback test API server, with fast
# in-process agents on 4 nodes and the real operator binary as a child process, run with the environment of
# the Dockerfile's operator stage (the image's memory settings). Prints one JSON per line:
#   {"metric":"operator_1000_checkpoints_seconds",...}   target < 60 s
#   {"metric":"operator_peak_rss_mib",...}               target < 150 MiB (VmHWM of the operator process)
# Usage: hack/bench-operator.sh [COUNT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-1000}
# Builds per checkout by default: two checkouts benchmarking at once never overwrite each other's.
art=${CRYO_BENCH_ARTIFACTS:-/tmp/art-bench-operator-$(printf %s "$root" | cksum | cut -d" " -f1)}
dotnet build "$root/src/Cryo.Operator/Cryo.Operator.csproj" -c Release --artifacts-path "$art" -v quiet -nologo >&2
dotnet build "$root/hack/bench/operator/OperatorBench.csproj" -c Release --artifacts-path "$art" -v quiet -nologo >&2
# The operator runs with the ENV of the Dockerfile's operator stage (memory settings only the environment carries).
image_env=$(awk '/^FROM .* AS operator$/ { stage = 1; next } /^FROM / { stage = 0 } stage && /^ENV / { sub(/^ENV /, ""); print }' "$root/Dockerfile")
[ -n "$image_env" ] || { echo "bench-operator: no ENV line in the Dockerfile's operator stage" >&2; exit 1; }
CRYO_BENCH_OPERATOR_ENV="$image_env" exec dotnet "$art/bin/OperatorBench/release/OperatorBench.dll" "$art/bin/Cryo.Operator/release/Cryo.Operator.dll" "$count"
