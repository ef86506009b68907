#!/usr/bin/env bash
# The smoke test to run against a cluster where Cryo is installed, with kubectl only. A small busybox app
# that counts ("tick N") and writes a file at run time is checkpointed and restored into two new pods side
# by side; the copies must go on counting from the checkpoint, hold the file, and end with the exit code
# the app is told to exit with; deleting the Restores and the Checkpoint must remove the copies and the
# images. Everything the script creates is removed on exit, whether it passed or not (unless --keep).
#
#   hack/e2e.sh                  # uses KUBECONFIG (or ~/.kube/config); takes about a minute
#   hack/e2e.sh --keep           # leaves the namespace and its objects for a look afterwards
#
# Exit status: 0 passed; 1 a step failed (it says what it expected and what it saw, with `kubectl
# describe` and the Events); 2 no cluster with Cryo to run against, or a usage error.
# `helm test` runs this same script from the agent image (charts/cryo/templates/tests/) with
# --namespace, --name-prefix and --skip-agent-check.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: hack/e2e.sh [options]

Checkpoints a small workload, restores it twice and checks the copies, in a namespace of its own.

  --keep                  leave what the run created (the namespace, or the objects) for debugging
  --namespace NS          run in this existing namespace instead of creating one (pods must be allowed
                          to run as root there: Pod Security level baseline or privileged)
  --name-prefix P         prefix of every name the run uses (default cryo-e2e, at most 40 characters)
  --cryo-namespace NS     where Cryo's agents run (default cryo-system; env CRYO_NAMESPACE)
  --skip-agent-check      do not ask the agent on the checkpoint's node (`cryo ls` through kubectl
                          exec) whether the images are gone; the operator's ImagesDeleted Event is
                          still checked
  --timeout SECONDS       how long each wait may take (default 180; env CRYO_E2E_TIMEOUT)
  --workload-image IMAGE  image of the workload, with a POSIX sh, cat and sleep (default busybox:1.36;
                          env CRYO_E2E_WORKLOAD_IMAGE)
  -h, --help              this text

Exit status: 0 passed, 1 a step failed, 2 no cluster with Cryo installed (or a usage error).
USAGE
}

usage_error() { echo "e2e: $1 (hack/e2e.sh --help)" >&2; exit 2; }
no_cluster() { echo "e2e: $1" >&2; exit 2; }

keep=0 namespace="" prefix=cryo-e2e cryo_namespace=${CRYO_NAMESPACE:-cryo-system} agent_check=1
timeout=${CRYO_E2E_TIMEOUT:-180} image=${CRYO_E2E_WORKLOAD_IMAGE:-busybox:1.36}

# --opt=value is --opt value.
args=()
for arg in "$@"; do
  case $arg in
    --*=*) args+=("${arg%%=*}" "${arg#*=}") ;;
    *) args+=("$arg") ;;
  esac
done
set -- ${args[@]+"${args[@]}"}
while [ $# -gt 0 ]; do
  opt=$1
  shift
  case $opt in
    --keep) keep=1 ;;
    --skip-agent-check) agent_check=0 ;;
    -h | --help) usage; exit 0 ;;
    --namespace | --name-prefix | --cryo-namespace | --timeout | --workload-image)
      [ $# -gt 0 ] || usage_error "$opt needs a value"
      case $opt in
        --namespace) namespace=$1 ;;
        --name-prefix) prefix=$1 ;;
        --cryo-namespace) cryo_namespace=$1 ;;
        --timeout) timeout=$1 ;;
        --workload-image) image=$1 ;;
      esac
      shift
      ;;
    *) usage_error "unknown argument: $opt" ;;
  esac
done

dns_label='^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'
if ! [[ $prefix =~ $dns_label ]] || [ ${#prefix} -gt 40 ]; then
  usage_error "--name-prefix must be a DNS label of at most 40 characters, not '$prefix'"
fi
[ -z "$namespace" ] || [[ $namespace =~ $dns_label ]] || usage_error "--namespace must be a namespace name, not '$namespace'"
[[ $cryo_namespace =~ $dns_label ]] || usage_error "--cryo-namespace must be a namespace name, not '$cryo_namespace'"
[[ $timeout =~ ^[1-9][0-9]*$ ]] || usage_error "--timeout must be a whole number of seconds, not '$timeout'"
[[ $image =~ ^[A-Za-z0-9][A-Za-z0-9._/:@-]*$ ]] || usage_error "--workload-image must be an image reference, not '$image'"

# The names of everything the run creates. The helm test's Role grants exec, logs and deletion on exactly
# these names (charts/cryo/templates/tests/e2e.yaml): keep the two in step.
if [ -n "$namespace" ]; then
  ns=$namespace own_namespace=0
else
  ns=$prefix-$(printf '%04x%04x' "$RANDOM" "$RANDOM") own_namespace=1
fi
workload=$prefix-workload
checkpoint=$prefix-checkpoint
copies=("$prefix-copy-1" "$prefix-copy-2")
exit_code=7

# ---------------------------------------------------------------------------------------------------
# The objects.

labels() { # INDENT: the labels every object of the run carries
  local pad
  pad=$(printf '%*s' "$1" '')
  printf '%sapp.kubernetes.io/name: cryo-e2e\n%sapp.kubernetes.io/instance: %s\n' "$pad" "$pad" "$prefix"
}

# The app: it counts once a second, writes a file at run time (a random token, so a copy can only have it
# from the checkpoint), and exits with the code written into /tmp/exit-now once that file appears. A
# restored copy runs the same loop from where it was checkpointed: `kubectl exec` into the copy's pod
# creates the file in that container's filesystem, which the copy sees.
app_script() {
  cat <<'APP'
echo "app started"
cat /proc/sys/kernel/random/uuid > /tmp/made-at-runtime
n=0
while true; do
  if [ -f /tmp/exit-now ]; then code=$(cat /tmp/exit-now); echo "exiting with $code"; exit "$code"; fi
  n=$((n + 1))
  echo "tick $n"
  sleep 1
done
APP
}

namespace_manifest() {
  # baseline, not restricted: busybox runs as root, and the init container the operator adds to restored
  # pods (it copies the placeholder in) sets no securityContext.
  cat <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: $ns
  labels:
$(labels 4)
    pod-security.kubernetes.io/enforce: baseline
YAML
}

workload_manifest() {
  local script
  script=$(app_script | sed 's/^/          /')
  # restartPolicy Never: a copy that exits stays terminated with the app's code (it would be restored
  # again from the checkpoint under Always).
  cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $workload
  namespace: $ns
  labels:
$(labels 4)
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  containers:
    - name: app
      image: "$image"
      command:
        - sh
        - -c
        - |
$script
      readinessProbe:
        exec:
          command: ["cat", "/tmp/made-at-runtime"]
        periodSeconds: 1
      resources:
        requests:
          cpu: 10m
          memory: 16Mi
        limits:
          memory: 64Mi
YAML
}

checkpoint_manifest() {
  cat <<YAML
apiVersion: cryo.io/v1alpha1
kind: Checkpoint
metadata:
  name: $checkpoint
  namespace: $ns
  labels:
$(labels 4)
spec:
  podName: $workload
  containerName: app
YAML
}

restore_manifest() { # NAME
  cat <<YAML
apiVersion: cryo.io/v1alpha1
kind: Restore
metadata:
  name: $1
  namespace: $ns
  labels:
$(labels 4)
spec:
  checkpointName: $checkpoint
  newPod:
    labels:
$(labels 6)
YAML
}

# ---------------------------------------------------------------------------------------------------
# Is there a cluster with Cryo to run against? Each answer is one line and exit status 2.

command -v kubectl >/dev/null 2>&1 || no_cluster "kubectl is not on PATH"
if [ -z "${KUBECONFIG:-}" ] && [ ! -f "${HOME:-/nonexistent}/.kube/config" ] && [ -z "${KUBERNETES_SERVICE_HOST:-}" ]; then
  no_cluster "no cluster: KUBECONFIG is not set, ~/.kube/config does not exist, and this is not a pod"
fi
first_line() { printf '%s\n' "$1" | sed -n '/./{p;q;}'; }
if ! out=$(kubectl get --raw /version --request-timeout=15s 2>&1); then
  no_cluster "cannot reach the cluster${KUBECONFIG:+ of KUBECONFIG=$KUBECONFIG}: $(first_line "$out")"
fi
if ! out=$(kubectl get --raw /apis/cryo.io/v1alpha1 --request-timeout=15s 2>&1); then
  no_cluster "the cluster does not serve cryo.io/v1alpha1 (is Cryo installed? see README, Install): $(first_line "$out")"
fi
if [[ $out != *'"checkpoints"'* || $out != *'"restores"'* ]]; then
  no_cluster "the cluster serves cryo.io/v1alpha1 without checkpoints and restores: apply charts/cryo/crds/"
fi
if [ "$agent_check" = 1 ]; then
  if ! out=$(kubectl get pods -n "$cryo_namespace" -l app.kubernetes.io/component=agent -o name 2>&1) || [ -z "$out" ]; then
    no_cluster "no Cryo agent pods in namespace $cryo_namespace${out:+ ($(first_line "$out"))}: name theirs with --cryo-namespace, or pass --skip-agent-check"
  fi
fi

# ---------------------------------------------------------------------------------------------------
# Steps, waits and failures.

total=9 step=0 step_title="" step_started=0 in_step=0 started=0

now_ms() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local us=${EPOCHREALTIME//[!0-9]/}
    echo $((us / 1000))
  else
    echo $(($(date +%s) * 1000))
  fi
}
since() { local ms=$(($(now_ms) - $1)); printf '%d.%d' $((ms / 1000)) $(((ms % 1000) / 100)); }

begin() {
  step=$((step + 1)) step_title=$1 step_started=$(now_ms) in_step=1
  printf '[%d/%d] %s … ' "$step" "$total" "$1"
}
ok() { # [DETAIL]
  in_step=0
  printf 'ok (%s s%s)\n' "$(since "$step_started")" "${1:+; $1}"
}

indent() { sed 's/^/    /'; }

# fail WHAT [OBJECT...]: ends the run (the EXIT trap cleans up) with what was expected and what was seen,
# `kubectl describe` of each OBJECT, and the namespace's latest Events.
fail() {
  local what=$1 object
  shift
  [ "$in_step" = 0 ] || printf 'FAILED (%s s)\n' "$(since "$step_started")"
  in_step=0
  {
    echo "e2e: step $step/$total ($step_title) failed: $what"
    for object in "$@"; do
      echo "--- kubectl describe $object -n $ns"
      kubectl describe "$object" -n "$ns" 2>&1 | indent || true
    done
    echo "--- Events in namespace $ns (latest last)"
    kubectl get events -n "$ns" --sort-by=.metadata.creationTimestamp 2>&1 | tail -n 25 | indent || true
  } >&2
  exit 1
}

# read_path OBJECT JSONPATH: the field's value, or "(kubectl: <error>)" when kubectl cannot read it.
read_path() {
  local out
  if out=$(kubectl get "$1" -n "$ns" --request-timeout=30s -o "jsonpath=$2" 2>&1); then
    printf '%s' "$out"
  else
    printf '(kubectl: %s)' "$(first_line "$out")"
  fi
}

# await OBJECT JSONPATH WANT [GIVE_UP]: waits until the field reads WANT; fails at once when it matches the
# regular expression GIVE_UP (e.g. a phase that cannot turn into WANT), else after the timeout.
await() {
  local object=$1 path=$2 want=$3 give_up=${4:-} seen deadline=$((SECONDS + timeout))
  while :; do
    seen=$(read_path "$object" "$path")
    [ "$seen" != "$want" ] || return 0
    if [ -n "$give_up" ] && [[ $seen =~ $give_up ]]; then
      fail "$object: expected $path to read '$want', it reads '$seen'" "$object"
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "$object: expected $path to read '$want' within $timeout s, it reads '${seen:-<nothing>}'" "$object"
    sleep 1
  done
}

# await_gone OBJECT...: waits until none of the objects exists any more.
await_gone() {
  local deadline=$((SECONDS + timeout)) left
  while :; do
    left=$(kubectl get "$@" -n "$ns" --request-timeout=30s --ignore-not-found -o name 2>&1) || left="(kubectl: $(first_line "$left"))"
    [ -n "$left" ] || return 0
    [ "$SECONDS" -lt "$deadline" ] || fail "expected $* to be gone within $timeout s, still there: $(echo "$left" | tr '\n' ' ')" "$@"
    sleep 1
  done
}

apply() { # MANIFEST WHAT
  local out
  out=$(printf '%s\n' "$1" | kubectl apply -f - 2>&1) || fail "kubectl apply of $2 was refused: $out"
}

in_app() { # POD COMMAND...: runs COMMAND in the pod's app container
  local pod=$1
  shift
  kubectl exec "$pod" -n "$ns" -c app -- "$@"
}

ticks() { # POD: the numbers of the tick lines in the pod's log, in order; none while there is no log yet
  { kubectl logs "$1" -n "$ns" -c app 2>/dev/null || true; } | awk '$1 == "tick" { print $2 }'
}

# await_ticks POD AT_LEAST: waits until the pod's log holds at least AT_LEAST tick lines.
await_ticks() {
  local count=0 deadline=$((SECONDS + timeout))
  while :; do
    count=$(ticks "$1" | wc -l | tr -d ' ')
    [ "$count" -lt "$2" ] || return 0
    [ "$SECONDS" -lt "$deadline" ] || fail "expected at least $2 tick lines in the log of $1 within $timeout s, saw $count:
$(kubectl logs "$1" -n "$ns" -c app --tail=20 2>&1 | indent)" "pod/$1"
    sleep 1
  done
}

find_agent() { # NODE: sets agent to the agent pod on that node
  local out
  out=$(kubectl get pods -n "$cryo_namespace" -l app.kubernetes.io/component=agent --field-selector "spec.nodeName=$1" -o name 2>&1) \
    || fail "cannot list the agent pods in $cryo_namespace: $out"
  [ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] || fail "expected one agent pod on node $1 in namespace $cryo_namespace, found: ${out:-none}"
  agent=$out
}

list_stored() { # sets stored to the line of `cryo ls` in $agent for the checkpoint, empty when it is not listed
  local out
  out=$(kubectl exec "$agent" -n "$cryo_namespace" -c agent -- cryo ls --namespace "$ns" 2>&1) \
    || fail "\`cryo ls\` in $agent failed: $out"
  stored=$(printf '%s\n' "$out" | awk -v name="$checkpoint" 'NR > 1 && $2 == name')
}

# await_tick_above POD N: waits until the pod's log goes past tick N.
await_tick_above() {
  local last deadline=$((SECONDS + timeout))
  while :; do
    last=$(ticks "$1" | tail -n 1)
    [ "${last:-0}" -le "$2" ] || return 0
    [ "$SECONDS" -lt "$deadline" ] || fail "expected $1 to count past tick $2 within $timeout s, its last tick is ${last:-none}" "pod/$1"
    sleep 1
  done
}

# Removes what the run created: the namespace it made, or its objects by name in --namespace (which is
# also how leftovers of an interrupted run are removed before a new one: a copy's pod still terminating
# would take the name of the next run's). Waits up to 120 s for them to be gone, the Checkpoint's finalizer
# included (the operator deletes the images first). Returns non-zero with removal_problem set.
remove_objects() {
  local deadline=$((SECONDS + 120)) out left
  removal_problem=""
  if [ "$own_namespace" = 1 ]; then
    out=$(kubectl delete namespace "$ns" --ignore-not-found --wait=false 2>&1) \
      || { removal_problem="kubectl delete namespace $ns failed: $(first_line "$out")"; return 1; }
    left=(namespace/"$ns")
  else
    out=$(kubectl delete "restore/${copies[0]}" "restore/${copies[1]}" "checkpoint/$checkpoint" "pod/$workload" \
      -n "$ns" --ignore-not-found --wait=false 2>&1) || { removal_problem="kubectl delete failed: $(first_line "$out")"; return 1; }
    left=("restore/${copies[0]}" "restore/${copies[1]}" "checkpoint/$checkpoint" "pod/$workload" "pod/${copies[0]}" "pod/${copies[1]}")
  fi
  while out=$(kubectl get "${left[@]}" -n "$ns" --request-timeout=30s --ignore-not-found -o name 2>&1) && [ -n "$out" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { removal_problem="still there after 120 s: $(echo "$out" | tr '\n' ' ')"; return 1; }
    sleep 1
  done
  [ -z "$out" ] || { removal_problem="cannot tell whether they are gone: $(first_line "$out")"; return 1; }
}

cleanup() {
  local status=$? t0
  set +e
  trap - EXIT
  [ "$in_step" = 0 ] || printf 'interrupted (%s s)\n' "$(since "$step_started")"
  if [ "$started" = 1 ]; then
    if [ "$keep" = 1 ]; then
      if [ "$own_namespace" = 1 ]; then
        echo "kept namespace $ns; remove it with: kubectl delete namespace $ns"
      else
        echo "kept the objects in $ns; remove them with: kubectl delete restore/${copies[0]} restore/${copies[1]} checkpoint/$checkpoint pod/$workload -n $ns"
      fi
    else
      t0=$(now_ms)
      printf 'cleaning up … '
      if remove_objects; then
        printf 'ok (%s s)\n' "$(since "$t0")"
      else
        printf 'not done (%s s): %s\n' "$(since "$t0")" "$removal_problem"
      fi
    fi
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------------
# The run.

run_started=$(now_ms)
started=1
if [ "$own_namespace" = 1 ]; then
  begin "creating namespace $ns"
  apply "$(namespace_manifest)" "namespace $ns"
  ok
else
  begin "removing what an earlier run left in namespace $ns"
  remove_objects || fail "cannot remove the leftovers of an earlier run: $removal_problem" "checkpoint/$checkpoint"
  ok
fi

begin "starting the workload $workload"
apply "$(workload_manifest)" "pod $workload"
await "pod/$workload" '{.status.phase}/{.status.conditions[?(@.type=="Ready")].status}' "Running/True" '^(Failed|Succeeded)/'
await_ticks "$workload" 3
token=$(in_app "$workload" cat /tmp/made-at-runtime 2>&1) || fail "cannot read /tmp/made-at-runtime in $workload: $token" "pod/$workload"
[ -n "$token" ] || fail "/tmp/made-at-runtime in $workload is empty" "pod/$workload"
ok "ticking, /tmp/made-at-runtime holds $token"

begin "checkpointing it"
before=$(ticks "$workload" | tail -n 1)
apply "$(checkpoint_manifest)" "checkpoint $checkpoint"
await "checkpoint/$checkpoint" '{.status.phase}' Succeeded '^Failed$'
node=$(read_path "checkpoint/$checkpoint" '{.status.nodeName}')
uid=$(read_path "checkpoint/$checkpoint" '{.metadata.uid}')
size=$(read_path "checkpoint/$checkpoint" '{.status.sizeBytes}')
# leaveRunning (the default): the workload goes on counting.
at_success=$(ticks "$workload" | tail -n 1)
await_tick_above "$workload" "$at_success"
ok "taken after tick $before on node $node, $size bytes; the workload goes on"

begin "restoring two copies side by side"
for copy in "${copies[@]}"; do
  apply "$(restore_manifest "$copy")" "restore $copy"
done
for copy in "${copies[@]}"; do
  await "restore/$copy" '{.status.phase}' Succeeded '^Failed$'
  await "restore/$copy" '{.status.podName}' "$copy"
done
for copy in "${copies[@]}"; do
  await "pod/$copy" '{.status.phase}/{.status.conditions[?(@.type=="Ready")].status}' "Running/True" '^(Failed|Succeeded)/'
done
# Both at once, not one after the other.
for copy in "${copies[@]}"; do
  await "pod/$copy" '{.status.conditions[?(@.type=="Ready")].status}' True
done
ok "pods ${copies[*]} Ready on nodes $(read_path "pod/${copies[0]}" '{.spec.nodeName}') and $(read_path "pod/${copies[1]}" '{.spec.nodeName}')"

begin "checking that the copies count on from the checkpoint"
firsts=()
for copy in "${copies[@]}"; do
  await_ticks "$copy" 3
  log=$(kubectl logs "$copy" -n "$ns" -c app 2>&1) || fail "cannot read the log of $copy: $log" "pod/$copy"
  # A copy that started over would print "app started" and count from 1.
  if printf '%s\n' "$log" | grep -q '^app started$'; then
    fail "expected $copy to go on from the checkpoint, but its log shows the app starting anew:
$(printf '%s\n' "$log" | head -n 10 | indent)" "pod/$copy"
  fi
  first=$(printf '%s\n' "$log" | awk '$1 == "tick" { print $2; exit }')
  [ "$first" -gt "$before" ] || fail "expected the first tick of $copy to be above $before (the last tick before the checkpoint), saw $first:
$(printf '%s\n' "$log" | head -n 10 | indent)" "pod/$copy"
  # One a second, in order, no gap and no repeat.
  gaps=$(printf '%s\n' "$log" | awk '$1 == "tick" { if (seen && $2 != last + 1) print last " then " $2; last = $2; seen = 1 }')
  [ -z "$gaps" ] || fail "expected the ticks of $copy to follow each other, saw $(echo "$gaps" | head -n 3 | tr '\n' ',')" "pod/$copy"
  firsts+=("$first")
done
# Both copies come from the same memory: they take up the count at the same number.
[ "${firsts[0]}" = "${firsts[1]}" ] || fail "expected both copies to go on from the same tick, ${copies[0]} began at ${firsts[0]} and ${copies[1]} at ${firsts[1]}" \
  "pod/${copies[0]}" "pod/${copies[1]}"
ok "both go on at tick ${firsts[0]}, the workload was at tick $before before the checkpoint"

begin "checking the file written at run time in both copies"
for copy in "${copies[@]}"; do
  seen=$(in_app "$copy" cat /tmp/made-at-runtime 2>&1) || fail "expected /tmp/made-at-runtime in $copy, cat says: $seen" "pod/$copy"
  [ "$seen" = "$token" ] || fail "expected /tmp/made-at-runtime in $copy to hold $token (the workload's), it holds: $seen" "pod/$copy"
done
ok "both hold $token"

begin "telling both copies to exit with code $exit_code"
for copy in "${copies[@]}"; do
  out=$(in_app "$copy" sh -c "echo $exit_code > /tmp/exit-now" 2>&1) || fail "cannot create /tmp/exit-now in $copy: $out" "pod/$copy"
done
for copy in "${copies[@]}"; do
  # Any other number is an exit the app was not told to make.
  await "pod/$copy" '{.status.containerStatuses[?(@.name=="app")].state.terminated.exitCode}' "$exit_code" '^[0-9]+$'
  # The Restore records the end and stays Succeeded (README, "When a restored application ends").
  await "restore/$copy" '{.status.phase}/{.status.conditions[?(@.type=="PodReady")].reason}' "Succeeded/ContainerEnded" '^Failed/'
done
await "pod/$workload" '{.status.phase}' Running '^(Failed|Succeeded)$'
ok "both pods show exit code $exit_code, their Restores say ContainerEnded; the workload still runs"

begin "deleting the Restores removes their pods"
out=$(kubectl delete restore "${copies[@]}" -n "$ns" --wait=false 2>&1) || fail "kubectl delete restore ${copies[*]} failed: $out"
await_gone "restore/${copies[0]}" "restore/${copies[1]}"
# The garbage collector deletes them: they are owned by their Restores.
await_gone "pod/${copies[0]}" "pod/${copies[1]}"
ok

begin "deleting the Checkpoint removes its images"
if [ "$agent_check" = 1 ]; then
  find_agent "$node"
  list_stored
  [ -n "$stored" ] || fail "expected \`cryo ls\` in $agent to list $ns/$checkpoint before its deletion, it does not" "checkpoint/$checkpoint"
fi
out=$(kubectl delete checkpoint "$checkpoint" -n "$ns" --wait=false 2>&1) || fail "kubectl delete checkpoint $checkpoint failed: $out"
# The finalizer goes only after the agent answered the deletion.
await_gone "checkpoint/$checkpoint"
deleted=$(kubectl get events -n "$ns" --field-selector "involvedObject.uid=$uid,reason=ImagesDeleted" -o 'jsonpath={.items[*].message}' 2>&1) \
  || fail "cannot read the Events of the deleted checkpoint: $deleted"
[[ $deleted == *"deleted the images"* ]] || fail "expected an ImagesDeleted Event saying the images were deleted, saw: '${deleted:-no such Event}'"
if [ "$agent_check" = 1 ]; then
  list_stored
  [ -z "$stored" ] || fail "expected \`cryo ls\` in $agent to no longer list $ns/$checkpoint, it lists: $stored"
  ok "the operator says \"$deleted\"; \`cryo ls\` in $agent no longer lists it"
else
  ok "the operator says \"$deleted\""
fi

echo "e2e: passed, $total steps in $(since "$run_started") s"
