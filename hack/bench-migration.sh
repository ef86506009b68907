#!/usr/bin/env bash
# Migration benchmark, part one: transfer throughput. A checkpoint of SIZE MiB (default 1024) pulled from
# one agent's store into another's over loopback mutual TLS (the agents' CheckpointTransfer stream, every
# chunk verified against the manifest on arrival, committed in the target store) against `cat` of the
# same files through a pipe into a file on the same file system; runs alternate, medians compared:
#   {"metric":"transfer_vs_copy_ratio",...}   target <= 1.25
# (plus transfer_seconds, copy_seconds and both throughputs; the puller pulls over its default parallel
# streams, one connection each, and transfer_single_stream_* is the same pull over one stream, measured in
# the same runs). Figures on stdout, one JSON a line; notes on stderr.
# Part two: migration_downtime_ms, a memhog of SIZE MiB (random memory) moved between two in-process agents with
# separate stores, pulls over their mutual TLS, in both modes ({"workload":"stopAndCopy"} and {"workload":"precopy"},
# target < 1000 ms): from the start of the final dump to the restored copy running (precopy restores lazily, as its
# Migration does: all_memory_after_running_ms is how long its pages took to follow), every copy's memory checked; each
# final dump's note splits it into CRIU's run, its memory dump and write, and the CPU CRIU and the agents burned
# (hack/bench/agent/MigrationDowntimeBench.cs, run through hack/bench-agent.sh --only migration).
# --profile instead takes one single-stream pull apart: each stage alone over the same bytes (reads, the stream over the
# Unix socket and over mutual TLS with the chunks dropped, over gRPC and as a plain body, hashing, writes), wall and CPU.
# --pull-only runs the single-stream pull alone REPEATS times, printing its pid first, for `perf record -p`.
# --plain-digests lists the pages image by its plain SHA-256 (as before manifest schema 4) instead of by its pages'
# digests, as the checkpoint engine lists a dump's pages images.
# --transfer-only / --downtime-only run one part.
# Usage: hack/bench-migration.sh [SIZE_MIB] [REPEATS] [--profile | --pull-only | --transfer-only | --downtime-only] [--plain-digests]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "bench-migration: needs root (the agent starts only with its CRIU)" >&2; exit 1; }
# Builds and binaries per checkout by default: two checkouts benchmarking at once never overwrite each other's.
artifacts=${CRYO_BENCH_ARTIFACTS:-/tmp/cryo-bench-artifacts-$(printf %s "$here" | cksum | cut -d" " -f1)}
size=1024; repeats=3; part=both; pass=()
for arg in "$@"; do
  case "$arg" in
    --transfer-only) part=transfer ;;
    --downtime-only) part=downtime ;;
    --profile|--pull-only) part=transfer; pass+=("$arg") ;;
    *) pass+=("$arg") ;;
  esac
done
positional=("${pass[@]/--*/}")
[ -n "${positional[0]:-}" ] && size=${positional[0]}
[ -n "${positional[1]:-}" ] && repeats=${positional[1]}
if [ "$part" != downtime ]; then
  dotnet build "$here/bench/migration/MigrationBench.csproj" -c Release --artifacts-path "$artifacts" -nologo -v q >&2
  dotnet "$artifacts/bin/MigrationBench/release/MigrationBench.dll" "${pass[@]}"
fi
if [ "$part" != transfer ]; then
  "$here/bench-agent.sh" --only migration --sizes "$size" --repeats "$repeats"
fi
