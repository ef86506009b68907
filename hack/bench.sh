#!/usr/bin/env bash
# Benchmarks: `hack/bench.sh agent|operator|demo|incremental|compression` prints one JSON object per line
# ({"metric": …, "value": …, "unit": …}). Each kind lives in hack/bench-<kind>.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kind=${1:-}
script="$here/bench-$kind.sh"
if [ -z "$kind" ] || [ ! -x "$script" ]; then
  echo "usage: hack/bench.sh KIND   (kinds: $(ls "$here" | sed -n 's/^bench-\(.*\)\.sh$/\1/p' | tr '\n' ' '))" >&2
  exit 2
fi
shift
exec "$script" "$@"
