#!/usr/bin/env bash
# Migration benchmark, part one: transfer throughput. A checkpoint of SIZE MiB (default 1024) pulled from
# one agent's store into another's over loopback mutual TLS (the agents' CheckpointTransfer stream, every
# chunk verified against the manifest on arrival, committed in the target store) against `cat` of the
# same files through a pipe into a file on the same file system; runs alternate, medians compared:
#   {"metric":"transfer_vs_copy_ratio",...}   target <= 1.25
# (plus transfer_seconds, copy_seconds and both throughputs; the puller pulls over its default parallel
# streams, one connection each, and transfer_single_stream_* is the same pull over one stream, measured in
# the same runs). Figures on stdout, one JSON a line; notes on stderr.
# --profile instead takes one single-stream pull apart: each stage alone over the same bytes (reads, the stream over the
# Unix socket and over mutual TLS with the chunks dropped, over gRPC and as a plain body, hashing, writes), wall and CPU.
# Usage: hack/bench-migration.sh [SIZE_MIB] [REPEATS] [--profile]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "bench-migration: needs root (the agent starts only with its CRIU)" >&2; exit 1; }
artifacts=${CRYO_BENCH_ARTIFACTS:-/tmp/cryo-bench-artifacts}
dotnet build "$here/bench/migration/MigrationBench.csproj" -c Release --artifacts-path "$artifacts" -nologo -v q >&2
exec dotnet "$artifacts/bin/MigrationBench/release/MigrationBench.dll" "$@"
