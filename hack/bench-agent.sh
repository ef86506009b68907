#!/usr/bin/env bash
# Agent benchmark, two parts. "engine": checkpoint and restore through the real engines vs raw CRIU with the
# same options, for memhog workloads of 64, 512 and 2048 MiB. "grpc": the same engines called through the
# agent's gRPC service (hosted in-process, a real client on its Unix socket) vs called directly, at 512 MiB:
# grpc_vs_engine_checkpoint_ratio and grpc_vs_engine_restore_ratio. "lazy": lazy (criu lazy-pages) against
# eager restores of one 2 GiB checkpoint: lazy_vs_eager_time_to_running_ratio (until the copy answers) and
# lazy_time_to_all_memory_vs_eager_ratio. "inpod" (only with --only inpod: it starts a containerd node of its own from
# tests/Cryo.Testing.Node): restores into a real CRI pod's placeholder container against standalone restores of the
# same checkpoint, for a ~60 MB JVM-like tree and 512 MiB of memhog: in_pod_vs_standalone_restore_ratio, with the
# restore engine's step timings of both. Figures: one JSON object per line on
# stdout; notes on stderr.
# "beforeafter" (with --before DIR, another checkout such as the code before a change): that checkout's agent
# beside this one's in one run, on one workload, each against the same bare CRIU runs (before_/after_agent_vs_criu_*).
# Usage: hack/bench-agent.sh [--sizes 64,512] [--repeats N] [--only engine|grpc|lazy|hashing|incremental|compression|inpod|beforeafter] [--before DIR]
#   (--only grpc runs the gRPC part alone, at 512 MiB or at the --sizes given; --only hashing compares the
#   hashing primitives, reads against mmap and libcryo-sha256 against .NET, on a cached 512 MiB file)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "bench-agent: needs root (CRIU, namespaces, cgroups)" >&2; exit 1; }
"$here/install-deps.sh" >&2

# Builds and binaries per checkout by default: two checkouts benchmarking at once never overwrite each other's.
artifacts=${CRYO_BENCH_ARTIFACTS:-/tmp/cryo-bench-artifacts-$(printf %s "$here" | cksum | cut -d" " -f1)}
mkdir -p "$artifacts"
memhog="$artifacts/memhog"
gcc -static -O2 -o "$memhog" "$here/bench/agent/memhog.c" >&2
# The placeholder init of restore pods, for the in-pod part: built as its Makefile builds it, outside the source tree.
placeholder="$artifacts/cryo-placeholder"
gcc -Os -Wall -Wextra -Werror -std=gnu11 -static -o "$placeholder" "$repo/src/cryo-placeholder/cryo-placeholder.c" >&2
strip "$placeholder"

dll="$artifacts/bin/AgentBench/release/AgentBench.dll"
# On a busy 2-core machine even a no-op MSBuild run takes a minute or two: skip it when no input of the
# program (its sources, the shared test-support libraries, the agent and what it references, the repo's props) is newer than it
# (directories too: deleting a file changes its directory's time).
inputs=("$here/bench/agent" "$repo/tests/Cryo.Testing.Agent" "$repo/tests/Cryo.Testing.Node" "$repo/tests/Cryo.Testing" "$repo/src/Cryo.Agent" "$repo/src/Cryo.Criu" "$repo/src/Cryo.Contracts"
        "$repo/src/Cryo.Operator" "$repo/src/Cryo.Api" "$repo/src/cryo-action-hook"
        "$repo/Directory.Build.props" "$repo/Directory.Packages.props")
if [ -f "$dll" ] && [ -z "$(find "${inputs[@]}" \( -path '*/bin' -o -path '*/obj' \) -prune -o -newer "$dll" -print -quit)" ]; then
  echo "bench-agent: $dll is up to date" >&2
else
  echo "bench-agent: building hack/bench/agent (Release, artifacts in $artifacts)" >&2
  dotnet build "$here/bench/agent/AgentBench.csproj" -c Release --artifacts-path "$artifacts" -nologo -v q >&2
  touch "$dll"
fi

# --before DIR: build DIR's own benchmark (its agent with it) into a directory of its own, and run it beside this one.
args=()
before_args=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--before" ]; then
    before_dir=$(cd "$2" && pwd)
    before_artifacts="$artifacts/before-$(printf %s "$before_dir" | cksum | cut -d" " -f1)"
    echo "bench-agent: building $before_dir/hack/bench/agent (Release, artifacts in $before_artifacts)" >&2
    dotnet build "$before_dir/hack/bench/agent/AgentBench.csproj" -c Release --artifacts-path "$before_artifacts" -nologo -v q >&2
    before_args=(--before "$before_artifacts/bin/AgentBench/release/AgentBench.dll")
    shift 2
  else
    args+=("$1")
    shift
  fi
done

# The program cleans up after itself (processes, cgroups, temp dirs) in finally blocks; this trap only
# covers a program killed outright: sweep what its workloads and restored copies leave behind.
# This run's cgroup parents end with its PID (CRYO_BENCH_RUN), so the sweep of another run on the same machine leaves them alone.
export CRYO_BENCH_RUN=$$
cleanup() {
  for parent in cryo-bench cryo-bench-incremental cryo-bench-compression cryo-bench-migration cryo-bench-restores cryo-bench-lazy-pages; do
    parent="$parent-$CRYO_BENCH_RUN"
    for dir in /sys/fs/cgroup/*/"$parent"/*/; do
      [ -d "$dir" ] || continue
      [ -f "$dir/freezer.state" ] && echo THAWED > "$dir/freezer.state" 2>/dev/null || true
      while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < "$dir/cgroup.procs"
      rmdir "$dir" 2>/dev/null || true
    done
    rmdir /sys/fs/cgroup/*/"$parent" 2>/dev/null || true
  done
}
trap cleanup EXIT
dotnet "$dll" --memhog "$memhog" --placeholder "$placeholder" "${before_args[@]}" "${args[@]}"
