#!/usr/bin/env bash
# Compression at rest benchmark (issue 14): a JVM-like and a Redis-like workload (hack/bench/agent/memhog.c's jvm and
# redis modes, 512 MiB each by default) in a container-shaped tree; checkpoints with compression zstd alternated with
# plain ones of the same memory, then restores of each alternated, every copy's memory checked. Figures (JSON lines,
# one set per "workload"): compressed_bytes_ratio (stored bytes, compressed / plain), compressed_dump_vs_plain_ratio,
# compressed_restore_vs_plain_ratio (medians of 3, side by side). Reported, no target: what a user weighs.
# Usage: sudo hack/bench.sh compression [--sizes 512] [--repeats N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/bench-agent.sh" --only compression "$@"
