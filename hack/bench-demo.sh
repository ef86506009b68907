#!/usr/bin/env bash
# Demo benchmark: runs `hack/demo.sh --json` (the sample workload's cold start vs its restored copies) and
# prints one JSON object per line ({"metric": …, "value": …, "unit": …}). Target: restored time-to-ready of
# the slowest copy ≤ 0.10 of the cold start. The demo's own progress and table go to standard error.
# With --lazy, also the demo's lazy_vs_eager_time_to_running_ratio and lazy_time_to_all_memory_vs_eager_ratio.
# Usage: hack/bench-demo.sh [demo options, e.g. --copies 3 --mib 64 --lazy]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$("$here/demo.sh" --json "$@")
last=$(printf '%s\n' "$out" | tail -n 1)
field() { printf '%s' "$last" | grep -o "\"$1\":[0-9.]*" | head -n 1 | cut -d: -f2; }
ratio=$(field restore_vs_cold_time_to_ready_ratio)
[ -n "$ratio" ] || { echo "bench-demo: no restore_vs_cold_time_to_ready_ratio in the demo's last line: $last" >&2; exit 1; }
echo "{\"metric\":\"restore_vs_cold_time_to_ready_ratio\",\"value\":$ratio,\"unit\":\"ratio\"}"
echo "{\"metric\":\"demo_cold_time_to_ready\",\"value\":$(field cold_time_to_ready_s),\"unit\":\"s\"}"
echo "{\"metric\":\"demo_slowest_restored_time_to_ready\",\"value\":$(field slowest_restored_time_to_ready_s),\"unit\":\"s\"}"
echo "{\"metric\":\"demo_checkpoint_size\",\"value\":$(field checkpoint_size_bytes),\"unit\":\"bytes\"}"
# With --lazy the demo also restored once eagerly and once lazily: its two ratios (targets 0.2 and 1.2 at 2 GiB).
for metric in lazy_vs_eager_time_to_running_ratio lazy_time_to_all_memory_vs_eager_ratio; do
  value=$(field $metric)
  [ -z "$value" ] || echo "{\"metric\":\"$metric\",\"value\":$value,\"unit\":\"ratio\"}"
done
