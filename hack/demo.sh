#!/usr/bin/env bash
# Cryo's first command: a slow-starting workload, checkpointed once warm, restored three times side by side.
#
#   sudo hack/demo.sh            prints a table: cold vs restored time-to-ready, speed-up, PIDs, checkpoint size
#   sudo hack/demo.sh --json     the same as one JSON object on the last line of standard output
#   sudo hack/demo.sh --lazy     also restores the checkpoint once eagerly and once lazily (`cryo restore --lazy`)
#                                and reports lazy_vs_eager_time_to_running_ratio (until the restore call returned
#                                with the tree running) and lazy_time_to_all_memory_vs_eager_ratio (until every
#                                page is in); use a big table (--mib 1024) to see the difference
#
# What it does: installs what it needs (hack/install-deps.sh), builds the agent and the CLI (Release), starts
# the agent with a temporary store and socket, starts hack/demo/warmapp.c as a container-shaped process tree
# (own PID, mount, UTS, IPC and network namespaces, its own cgroups, a busybox root mounted as an overlay the
# way containerd mounts one, a volume at /data). The
# app computes a large table in memory (>= 10 s) and then answers HTTP on 127.0.0.1:8080 inside its network
# namespace with the table's checksum (recomputed per request), its PID and a request counter. The demo times
# that cold start, checkpoints the warm app with `cryo checkpoint --stop`, restores three copies in parallel
# with `cryo restore`, times each from the restore call until its HTTP endpoint answers, and checks that every
# copy answers with the warm table's checksum, PID 1 in its namespace and the counter continued.
# Progress goes to standard error. Exits non-zero if any step fails; removes everything it started.
#
# Options: --json  --lazy  --copies N (3)  --mib N (table size, 32)  --passes N (work: passes over the table, 5)
#          --min-seconds S (warm-up lasts at least this long even on a fast machine, 14)  --keep (keep temp dir)
# Environment: CRYO_DEMO_ARTIFACTS (build output, default /tmp/cryo-demo-artifacts), CRYO_DEMO_SKIP_BUILD=1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

json=0 lazy=0 copies=3 mib=32 passes=5 min_seconds=14 keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --json) json=1 ;;
    --lazy) lazy=1 ;;
    --copies) copies=$2; shift ;;
    --mib) mib=$2; shift ;;
    --passes) passes=$2; shift ;;
    --min-seconds) min_seconds=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for n in "$copies" "$mib" "$passes"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "demo: --copies, --mib and --passes take positive integers" >&2; exit 2; }
done
[[ $min_seconds =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "demo: --min-seconds takes a number of seconds" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (CRIU, namespaces, cgroups): sudo $0 $*" >&2; exit 1; }

say() { echo "demo: $*" >&2; }
die() { echo "demo: FAILED: $*" >&2; exit 1; }
now_us() { local t=${EPOCHREALTIME/./}; echo $((10#$t)); }
secs() { awk -v us="$1" 'BEGIN { printf "%.3f", us / 1e6 }'; }
# A number field of the CLI's JSON (protobuf JSON writes int64 as a string): json_num KEY FILE.
json_num() { grep -o "\"$1\": *\"\\{0,1\\}[0-9]*" "$2" | head -n1 | grep -o '[0-9]*$' || true; }

# ---------------------------------------------------------------------------------------------- install, build
say "installing dependencies (hack/install-deps.sh)"
"$here/install-deps.sh" >&2
criu=/opt/cryo/criu/bin/criu
[ -x "$criu" ] || die "CRIU is missing at $criu after hack/install-deps.sh"
command -v gcc >/dev/null || { say "installing gcc"; apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null; }
command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not on PATH"

artifacts=${CRYO_DEMO_ARTIFACTS:-/tmp/cryo-demo-artifacts}
mkdir -p "$artifacts/demo"
gcc -static -O2 -o "$artifacts/demo/warmapp" "$here/demo/warmapp.c" >&2
gcc -static -O2 -o "$artifacts/demo/probe" "$here/demo/probe.c" >&2
probe=$artifacts/demo/probe
# The agent is published ReadyToRun (precompiled) where the SDK can: the first restores must not wait for the JIT.
agent_r2r=$artifacts/agent/publish/Cryo.Agent/release_linux-x64/Cryo.Agent.dll
agent_jit=$artifacts/agent/bin/Cryo.Agent/release/Cryo.Agent.dll
# The CLI is started once per call, and its start-up counts in every restored copy's time-to-ready: a JIT-ed
# .NET start costs ~0.5 s of CPU, seconds on a busy machine. So the demo builds it as a native executable
# (Native AOT: needs clang and lld, installed here), falling back to ReadyToRun, then to the plain build.
# CRYO_DEMO_CLI=aot|r2r|jit picks the first one to try.
cli_aot=$artifacts/publish/Cryo.Cli/release_linux-x64/cryo
cli_r2r=$artifacts/r2r/publish/Cryo.Cli/release_linux-x64/cryo.dll
cli_jit=$artifacts/bin/Cryo.Cli/release/cryo.dll
cli_kind=${CRYO_DEMO_CLI:-aot}
build_cli() {
  case $cli_kind in
    aot)
      "$here/install-native-toolchain.sh" || true
      # Release treats trim and AOT warnings as errors: the CLI's JSON is source-generated (CliJsonContext),
      # so a warning here means new code that would misbehave in the native binary.
      dotnet publish "$repo/src/Cryo.Cli" -c Release -r linux-x64 -p:PublishAot=true \
        --artifacts-path "$artifacts" -nologo -v q -clp:ErrorsOnly >&2 && return 0
      say "Native AOT publish of the CLI failed; trying ReadyToRun"; rm -f "$cli_aot"; cli_kind=r2r ;;
  esac
  case $cli_kind in
    r2r)
      dotnet publish "$repo/src/Cryo.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
        --artifacts-path "$artifacts/r2r" -nologo -v q >&2 && return 0
      say "ReadyToRun publish of the CLI failed; using the plain build"; rm -f "$cli_r2r"; cli_kind=jit ;;
  esac
  dotnet build "$repo/src/Cryo.Cli" -c Release --artifacts-path "$artifacts" -nologo -v q >&2
}
if [ "${CRYO_DEMO_SKIP_BUILD:-0}" != 1 ]; then
  say "building the agent and the CLI (Release, output in $artifacts; the first build takes a few minutes)"
  if ! dotnet publish "$repo/src/Cryo.Agent" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
        --artifacts-path "$artifacts/agent" -nologo -v q >&2; then
    say "ReadyToRun publish of the agent failed; using the plain build"; rm -f "$agent_r2r"
    dotnet build "$repo/src/Cryo.Agent" -c Release --artifacts-path "$artifacts/agent" -nologo -v q >&2 || die "building src/Cryo.Agent"
  fi
  build_cli || die "building src/Cryo.Cli"
fi
if [ -x "$cli_aot" ] && [ "$cli_kind" = aot ]; then cli=("$cli_aot")
elif [ -f "$cli_r2r" ] && [ "$cli_kind" != jit ]; then cli=(dotnet "$cli_r2r")
elif [ -f "$cli_jit" ]; then cli=(dotnet "$cli_jit")
else die "no build of the CLI in $artifacts"; fi
agent_dll=$agent_r2r; [ -f "$agent_dll" ] || agent_dll=$agent_jit
[ -f "$agent_dll" ] || die "no build of the agent in $artifacts/agent"
say "CLI: ${cli[*]}"

# ---------------------------------------------------------------------------------------------- cleanup
work=$(mktemp -d /tmp/cryo-demo.XXXXXX)
id=demo-$$-$RANDOM
socket=$work/agent.sock
controllers=(memory freezer pids cpu)
agent_pid=""
log_pid=""
init_pid=""
restore_pids=()

cgroup_pids() { cat "$@" 2>/dev/null || true; }
kill_cgroup() { # kill_cgroup DIR...: SIGKILL everything in them until empty (a frozen cgroup is thawed first), then remove them
  local dir pids tries=0
  for dir in "$@"; do [ -f "$dir/freezer.state" ] && echo THAWED > "$dir/freezer.state" 2>/dev/null || true; done
  while :; do
    pids=$(for dir in "$@"; do cgroup_pids "$dir/cgroup.procs"; done | sort -u)
    [ -z "$pids" ] && break
    [ $tries -ge 250 ] && { echo "demo: cleanup: processes $pids would not die" >&2; break; }
    kill -9 $pids 2>/dev/null || true
    sleep 0.02; tries=$((tries + 1))
  done
  for dir in "$@"; do [ -d "$dir" ] && rmdir "$dir" 2>/dev/null || true; done
}
cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  # The restored copies live in the cgroups the agent made for them (cryo/restore-<operation>-*), the
  # original in ours (cryo-demo/<id>); kill them first so nothing is left writing into the work directory.
  sweep() {
    local c d dirs=()
    for c in "${controllers[@]}"; do
      for d in /sys/fs/cgroup/$c/cryo/restore-$id-* /sys/fs/cgroup/$c/cryo-demo/$id; do [ -d "$d" ] && dirs+=("$d"); done
    done
    [ ${#dirs[@]} -gt 0 ] && kill_cgroup "${dirs[@]}"
  }
  [ ${#restore_pids[@]} -gt 0 ] && kill "${restore_pids[@]}" 2>/dev/null
  sweep
  [ -n "$init_pid" ] && kill -9 "$init_pid" 2>/dev/null
  if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
    kill -TERM "$agent_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$agent_pid" 2>/dev/null
  fi
  [ -n "$agent_pid" ] && wait "$agent_pid" 2>/dev/null
  # A restore still in flight when the agent stopped may have placed processes since the first sweep.
  sweep
  for c in "${controllers[@]}"; do rmdir "/sys/fs/cgroup/$c/cryo-demo" 2>/dev/null; done
  [ -n "$log_pid" ] && { kill "$log_pid" 2>/dev/null; wait "$log_pid" 2>/dev/null; }
  if [ $status -ne 0 ] && [ -f "$work/agent.log" ]; then
    echo "demo: last lines of the agent's log:" >&2; tail -n 30 "$work/agent.log" >&2
    [ -f "$work/workload.log" ] && { echo "demo: the workload's output:" >&2; tail -n 20 "$work/workload.log" >&2; }
  fi
  # Only the overlay root should be mounted below the work directory (the tree's mounts were in its own namespace).
  grep -o " ${work}[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | while read -r m; do umount -l "$m"; done
  if [ $keep = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------- the agent
say "starting the agent (store $work/store, socket $socket)"
mkdir -p "$work/store" "$work/run"
# Standalone restores put each copy's stdout under the run directory: keep it in the work directory.
Agent__Engine__RunDirectory=$work/run setsid dotnet "$agent_dll" --store "$work/store" --socket "$socket" \
  --max-parallel "$copies" --node-name "$(hostname)" </dev/null >"$work/agent.log" 2>&1 &
agent_pid=$!
cryo() { "${cli[@]}" --socket "$socket" "$@"; }
deadline=$((SECONDS + 180))
until cryo node --output json >"$work/node.json" 2>"$work/node.err"; do
  kill -0 "$agent_pid" 2>/dev/null || die "the agent exited: $(tail -n 20 "$work/agent.log")"
  [ $SECONDS -lt $deadline ] || die "the agent did not answer within 180 s: $(cat "$work/node.err")"
  sleep 0.5
done
criu_version=$(grep -o '"criuVersion": *"[^"]*"' "$work/node.json" | cut -d'"' -f4)
say "agent ready (CRIU $criu_version)"

# ---------------------------------------------------------------------------------------------- the workload
image=$work/image
rootfs=$work/rootfs
volume=$work/volume
mkdir -p "$image"/{bin,proc,sys,dev,tmp,data,app,etc,root} "$volume"
chmod 1777 "$image/tmp"
cp /usr/bin/busybox "$image/bin/busybox"
for applet in $(/usr/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$image/bin/$applet"
done
ln -s bin "$image/sbin"
mknod -m 666 "$image/dev/null" c 1 3; mknod -m 666 "$image/dev/zero" c 1 5; mknod -m 666 "$image/dev/urandom" c 1 9
echo "root:x:0:0:root:/root:/bin/sh" > "$image/etc/passwd"
echo "127.0.0.1 localhost" > "$image/etc/hosts"
cp "$artifacts/demo/warmapp" "$image/app/warmapp"
echo "the demo's volume" > "$volume/README"
# The root is an overlay, as containerd mounts a container's: the image as the read-only lower layer and an
# upper layer that collects what the app writes there, which the agent stores with the checkpoint (a root of
# another kind is refused unless the checkpoint opts out with --skip-rootfs). Cleanup unmounts it.
mkdir -p "$rootfs" "$work/upper" "$work/overlay-work"
mount -t overlay overlay -o "lowerdir=$image,upperdir=$work/upper,workdir=$work/overlay-work" "$rootfs"

for c in "${controllers[@]}"; do mkdir -p "/sys/fs/cgroup/$c/cryo-demo/$id"; done
hostname_in=warmapp
# Runs as PID 1 of the new namespaces (the child of unshare), on the host's root until pivot_root.
# Inherited fds above 2 would make the dump fail ("Can't lookup mount=N for fd=…"): close them first.
launch='set -eu
for p in /proc/self/fd/*; do fd=${p##*/}; case $fd in 0|1|2) ;; *) eval "exec $fd>&-" 2>/dev/null || true;; esac; done
for c in memory freezer pids cpu; do echo 0 > /sys/fs/cgroup/$c/cryo-demo/$ID/cgroup.procs; done
ip link set lo up
mount --bind "$ROOT" "$ROOT"
mount --bind "$VOLUME" "$ROOT/data"
mount -t proc proc "$ROOT/proc"
read -r hostpid _ < /proc/self/stat; echo "$hostpid" > "$PIDFILE.tmp"; mv "$PIDFILE.tmp" "$PIDFILE"
hostname "$NAME"
cd "$ROOT"; mkdir -p .oldroot; pivot_root . .oldroot; cd /; /bin/umount -l /.oldroot; /bin/rmdir /.oldroot
exec /bin/setsid /bin/env -i PATH=/bin HOME=/ HOSTNAME="$NAME" /app/warmapp -m "$MIB" -r "$PASSES" -t "$MIN_SECONDS" -p 8080 </dev/null'

say "starting the workload: a ${mib} MiB table, at least $passes passes and ${min_seconds} s of warm-up"
pidfile=$work/init.pid
cold_start=$(now_us)
# Standard output and error must be pipes (as a container runtime's are): CRIU cannot dump a file that lies
# outside the container's mounts. `cat` drains the pipe into the log.
( exec env ID="$id" ROOT="$rootfs" VOLUME="$volume" PIDFILE="$pidfile" NAME="$hostname_in" MIB="$mib" PASSES="$passes" \
    MIN_SECONDS="$min_seconds" setsid unshare -p -m -u -i -n -f --propagation private -- bash -c "$launch" 2>&1 </dev/null \
  ) | cat >>"$work/workload.log" &
log_pid=$!
for _ in $(seq 1500); do [ -s "$pidfile" ] && break; sleep 0.02; done
[ -s "$pidfile" ] || die "the workload did not start: $(cat "$work/workload.log")"
init_pid=$(cat "$pidfile")
# In the background and waited for: a signal to the demo then ends it at once (bash defers traps while a
# foreground command runs). The probe itself ends when the process it watches is gone.
"$probe" "$init_pid" 8080 600 20 >"$work/cold.body" & wait $! || die "the workload never answered: $(tail -n 5 "$work/workload.log")"
cold_us=$(( $(now_us) - cold_start ))
read -r cold_checksum cold_nspid cold_requests _ < <(sed 's/[a-z]*=//g' "$work/cold.body")
say "cold start ready in $(secs $cold_us) s: $(cat "$work/cold.body")"

# ---------------------------------------------------------------------------------------------- checkpoint
say "checkpointing the warm workload (host PID $init_pid) and stopping it"
cryo checkpoint --pid "$init_pid" --name warmapp --stop --timeout 120 --operation-id "$id-checkpoint" --output json >"$work/checkpoint.json" &
wait $! || die "cryo checkpoint: $(cat "$work/checkpoint.json")"
checkpoint_bytes=$(json_num sizeBytes "$work/checkpoint.json")
checkpoint_freeze_ms=$(json_num freezeMs "$work/checkpoint.json"); checkpoint_freeze_ms=${checkpoint_freeze_ms:-0}
checkpoint_total_ms=$(json_num totalMs "$work/checkpoint.json")
[ -n "$checkpoint_bytes" ] || die "no size in the checkpoint result: $(cat "$work/checkpoint.json")"
# --stop: CRIU killed the tree after the dump. Make sure nothing of it is left.
for _ in $(seq 500); do kill -0 "$init_pid" 2>/dev/null || break; sleep 0.02; done
kill -0 "$init_pid" 2>/dev/null && die "the workload (PID $init_pid) still runs after cryo checkpoint --stop"
old_dirs=(); for c in "${controllers[@]}"; do old_dirs+=("/sys/fs/cgroup/$c/cryo-demo/$id"); done
kill_cgroup "${old_dirs[@]}"
init_pid=""
say "checkpoint committed: $checkpoint_bytes bytes in ${checkpoint_total_ms} ms; the original is gone"

# ---------------------------------------------------------------------------------------------- restore copies
say "restoring $copies copies side by side"
restore_copy() { # restore_copy N: restore, then wait until it answers; writes copy-N.{json,body,times}
  local n=$1 start end called host
  start=$(now_us)
  cryo restore warmapp --timeout 120 --operation-id "$id-copy-$n" --output json >"$work/copy-$n.json" 2>"$work/copy-$n.err" || return 1
  called=$(now_us)
  host=$(json_num hostPid "$work/copy-$n.json")
  [ -n "$host" ] || return 1
  "$probe" "$host" 8080 120 20 >"$work/copy-$n.body" 2>>"$work/copy-$n.err" || return 1
  end=$(now_us)
  echo "$((called - start)) $((end - start))" >"$work/copy-$n.times"
}
for n in $(seq "$copies"); do restore_copy "$n" & restore_pids+=($!); done
failed=0
for n in $(seq "$copies"); do
  wait "${restore_pids[$((n - 1))]}" || { failed=1; echo "demo: copy $n failed: $(cat "$work/copy-$n.err" "$work/copy-$n.json" 2>/dev/null)" >&2; }
done
[ $failed = 0 ] || die "restoring the copies"

# ---------------------------------------------------------------------------------------------- check, report
rows=() copies_json=() slowest_us=0 host_pids=()
for n in $(seq "$copies"); do
  read -r call_us ready_us <"$work/copy-$n.times"
  host=$(json_num hostPid "$work/copy-$n.json"); nspid=$(json_num namespacePid "$work/copy-$n.json")
  restore_ms=$(json_num restoreMs "$work/copy-$n.json")
  read -r checksum body_pid requests _ < <(sed 's/[a-z]*=//g' "$work/copy-$n.body")
  [ "$checksum" = "$cold_checksum" ] || die "copy $n answered checksum $checksum, the warm workload $cold_checksum: $(cat "$work/copy-$n.body")"
  [ "$body_pid" = "$cold_nspid" ] || die "copy $n runs as PID $body_pid in its namespace, the original as $cold_nspid"
  [ "$nspid" = "$cold_nspid" ] || die "the agent reports in-namespace PID $nspid for copy $n, the app says $cold_nspid"
  [ "$requests" = $((cold_requests + 1)) ] || die "copy $n's request counter is $requests, expected $((cold_requests + 1)) (continued from the checkpoint)"
  for other in "${host_pids[@]}"; do [ "$other" != "$host" ] || die "two copies report the same host PID $host"; done
  host_pids+=("$host")
  [ "$ready_us" -gt "$slowest_us" ] && slowest_us=$ready_us
  rows+=("$(printf '%-10s %10s s %10s s %8.1fx %8s %9s  %s' "copy $n" "$(secs "$ready_us")" "$(secs "$call_us")" \
    "$(awk -v c="$cold_us" -v r="$ready_us" 'BEGIN { print c / r }')" "$nspid" "$host" "$checksum (request $requests)")")
  copies_json+=("{\"copy\":$n,\"time_to_ready_s\":$(secs "$ready_us"),\"restore_call_s\":$(secs "$call_us"),\"criu_restore_ms\":${restore_ms:-0},\"namespace_pid\":$nspid,\"host_pid\":$host,\"checksum\":\"$checksum\",\"request_counter\":$requests}")
done
ratio=$(awk -v s="$slowest_us" -v c="$cold_us" 'BEGIN { printf "%.4f", s / c }')
speedup=$(awk -v s="$slowest_us" -v c="$cold_us" 'BEGIN { printf "%.1f", c / s }')
size_mib=$(awk -v b="$checkpoint_bytes" 'BEGIN { printf "%.1f", b / 1048576 }')

# ---------------------------------------------------------------------------------------------- --lazy
# One eager and one lazy restore of the same checkpoint, one after the other, each then killed. "Running" is
# when `cryo restore` returned (the tree runs); "all memory" is then for the eager one, and for the lazy one when
# its criu lazy-pages daemon recorded its end (lazy-pages.exit in the restore's run directory). The copy's first
# answer reads its whole table, so it comes once all memory is in either way.
lazy_json=""
restore_timed() { # restore_timed KIND FLAGS...: prints "running_us all_memory_us answered_us"
  local kind=$1 start called host done_us exit_file; shift
  start=$(now_us)
  cryo restore warmapp --timeout 120 --operation-id "$id-$kind" --output json "$@" >"$work/$kind.json" 2>"$work/$kind.err" || die "cryo restore $*: $(cat "$work/$kind.err")"
  called=$(now_us); done_us=$called
  host=$(json_num hostPid "$work/$kind.json"); restore_pids+=("$host")
  if [ "$kind" = lazy ]; then
    grep -q '"lazy": *true' "$work/$kind.json" || die "the lazy restore was eager: $(cat "$work/$kind.json")"
    local pattern="$work/run/restores/$id-$kind.*/lazy-pages.exit"
    for _ in $(seq 6000); do exit_file=$(compgen -G "$pattern" | head -n1) && [ -n "$exit_file" ] && break; sleep 0.01; done
    [ -n "$exit_file" ] && [ "$(cat "$exit_file")" = 0 ] || die "the lazy restore's page server did not finish cleanly"
    done_us=$(now_us)
  fi
  "$probe" "$host" 8080 120 20 >"$work/$kind.body" || die "the $kind copy never answered"
  read -r checksum _ < <(sed 's/[a-z]*=//g' "$work/$kind.body")
  [ "$checksum" = "$cold_checksum" ] || die "the $kind copy answered checksum $checksum, the warm workload $cold_checksum"
  echo "$((called - start)) $((done_us - start)) $(( $(now_us) - start ))"
  kill -9 "$host" 2>/dev/null || true
}
if [ $lazy = 1 ]; then
  say "restoring once eagerly and once lazily (cryo restore --lazy)"
  restore_timed eager >"$work/eager.times"
  restore_timed lazy --lazy >"$work/lazy.times"
  read -r eager_run eager_all eager_answer <"$work/eager.times"
  read -r lazy_run lazy_all lazy_answer <"$work/lazy.times"
  lazy_run_ratio=$(awk -v l="$lazy_run" -v e="$eager_run" 'BEGIN { printf "%.4f", l / e }')
  lazy_all_ratio=$(awk -v l="$lazy_all" -v e="$eager_all" 'BEGIN { printf "%.4f", l / e }')
  lazy_report="lazy restore: running after $(secs "$lazy_run") s vs $(secs "$eager_run") s eager (lazy_vs_eager_time_to_running_ratio $lazy_run_ratio); all memory after $(secs "$lazy_all") s vs $(secs "$eager_all") s (lazy_time_to_all_memory_vs_eager_ratio $lazy_all_ratio); first answer $(secs "$lazy_answer") s vs $(secs "$eager_answer") s"
  lazy_json=",\"lazy_vs_eager_time_to_running_ratio\":$lazy_run_ratio,\"lazy_time_to_all_memory_vs_eager_ratio\":$lazy_all_ratio"
fi

report() {
  echo
  echo "Cryo demo: a ${mib} MiB warm table, checkpointed once, restored $copies times side by side (CRIU $criu_version)"
  echo
  printf '%-10s %12s %12s %9s %8s %9s  %s\n' "" "to ready" "restore call" "speed-up" "ns PID" "host PID" "answer: table checksum"
  printf '%-10s %10s s %12s %9s %8s %9s  %s\n' "cold start" "$(secs "$cold_us")" "-" "1.0x" "$cold_nspid" "$cold_host_pid" "$cold_checksum (request $cold_requests)"
  printf '%s\n' "${rows[@]}"
  echo
  echo "checkpoint: $size_mib MiB ($checkpoint_bytes bytes), frozen ${checkpoint_freeze_ms} ms, ${checkpoint_total_ms} ms in all"
  echo "slowest restored copy: ready in $(secs "$slowest_us") s vs $(secs "$cold_us") s cold: ${speedup}x faster (ratio $ratio)"
  echo "every copy answered with the warm table's checksum, PID $cold_nspid in its own namespace, and the request counter continued"
  [ $lazy = 1 ] && echo "$lazy_report"
  return 0
}
cold_host_pid=$(cat "$pidfile")
if [ $json = 1 ]; then
  report >&2
  joined=$(IFS=,; echo "${copies_json[*]}")
  echo "{\"restore_vs_cold_time_to_ready_ratio\":$ratio,\"cold_time_to_ready_s\":$(secs "$cold_us"),\"slowest_restored_time_to_ready_s\":$(secs "$slowest_us"),\"speedup\":$speedup,\"checkpoint_size_bytes\":$checkpoint_bytes,\"checkpoint_freeze_ms\":$checkpoint_freeze_ms,\"checkpoint_total_ms\":${checkpoint_total_ms:-0},\"table_mib\":$mib,\"checksum\":\"$cold_checksum\",\"cold\":{\"namespace_pid\":$cold_nspid,\"host_pid\":$cold_host_pid},\"copies\":[$joined],\"criu_version\":\"$criu_version\"$lazy_json}"
else
  report
fi
