#!/usr/bin/env bash
# A scripted stand-in for kubectl, for E2eScriptTests: a cluster in which Cryo does everything hack/e2e.sh
# expects, answering exactly the requests the script makes. It proves the script's control flow, parsing
# and cleanup, not kubectl's or Kubernetes' behaviour (nothing here can: there is no cluster).
#
# FAKE_STATE (required): a directory for the call log (calls), the applied manifests (applied-N.yaml)
# and the fake's state. Knobs: FAKE_NO_CRYO=1 (cryo.io is not served), FAKE_REFUSE_KIND=Kind (apply of
# that kind is refused), FAKE_COPY_FIRST_TICK=N (copies count from N, "app started" first when N is 1),
# FAKE_EXIT_CODE=N (the copies' container ends with N).
set -u
state=${FAKE_STATE:?FAKE_STATE must name a directory}
printf '%s\n' "$*" >>"$state/calls"

counter() { cat "$state/$1" 2>/dev/null || echo 0; }
jsonpath=""
for arg in "$@"; do
  case $arg in jsonpath=*) jsonpath=${arg#jsonpath=} ;; esac
done
all=" $* "

case $1 in
  get)
    if [ "$2" = --raw ]; then
      case $3 in
        /version) echo '{"major":"1","minor":"31","gitVersion":"v1.31.0"}' ;;
        /apis/cryo.io/v1alpha1)
          if [ -n "${FAKE_NO_CRYO:-}" ]; then
            echo 'Error from server (NotFound): the server could not find the requested resource' >&2
            exit 1
          fi
          echo '{"kind":"APIResourceList","groupVersion":"cryo.io/v1alpha1","resources":[{"name":"checkpoints"},{"name":"restores"}]}'
          ;;
      esac
      exit 0
    fi
    # Whatever was deleted is gone at once, and nothing is left over from earlier runs.
    case $all in *" --ignore-not-found "*) exit 0 ;; esac
    case $all in *" -l app.kubernetes.io/component=agent "*) echo pod/cryo-agent-x1; exit 0 ;; esac
    if [ "$2" = events ]; then
      if [ -n "$jsonpath" ]; then
        [ ! -f "$state/checkpoint-deleted" ] || printf 'deleted the images on node node-1 (4096 bytes freed)'
      else
        echo "LAST SEEN   TYPE     REASON   OBJECT   MESSAGE"
      fi
      exit 0
    fi
    case "$2|$jsonpath" in
      'pod/'*'|{.status.phase}/{.status.conditions[?(@.type=="Ready")].status}') printf 'Running/True' ;;
      'pod/'*'|{.status.conditions[?(@.type=="Ready")].status}') printf 'True' ;;
      'pod/'*'-workload|{.status.phase}') printf 'Running' ;;
      'pod/'*'|{.spec.nodeName}') printf 'node-1' ;;
      'pod/'*'|{.status.containerStatuses[?(@.name=="app")].state.terminated.exitCode}') printf '%s' "${FAKE_EXIT_CODE:-7}" ;;
      'checkpoint/'*'|{.status.phase}') printf 'Succeeded' ;;
      'checkpoint/'*'|{.status.nodeName}') printf 'node-1' ;;
      'checkpoint/'*'|{.metadata.uid}') printf 'uid-1' ;;
      'checkpoint/'*'|{.status.sizeBytes}') printf '4096' ;;
      'restore/'*'|{.status.phase}') printf 'Succeeded' ;;
      'restore/'*'|{.status.podName}') printf '%s' "${2#restore/}" ;;
      'restore/'*'|{.status.phase}/{.status.conditions[?(@.type=="PodReady")].reason}') printf 'Succeeded/ContainerEnded' ;;
      *) echo "fake kubectl: no answer for: $*" >&2; exit 1 ;;
    esac
    ;;
  apply)
    n=$(($(counter applied) + 1))
    echo "$n" >"$state/applied"
    cat >"$state/applied-$n.yaml"
    kind=$(awk '/^kind:/ { print $2; exit }' "$state/applied-$n.yaml")
    name=$(awk '/^  name:/ { print $2; exit }' "$state/applied-$n.yaml")
    if [ "$kind" = "${FAKE_REFUSE_KIND:-}" ]; then
      echo "Error from server (Forbidden): error when creating \"STDIN\": ${kind}s \"$name\" is forbidden: refused by the fake" >&2
      exit 1
    fi
    if [ "$kind" = Checkpoint ]; then
      # It holds the count the workload had reached; it exists until deleted.
      counter ticks >"$state/checkpointed-at"
      echo "$name" >"$state/checkpoint-name"
      rm -f "$state/checkpoint-deleted"
    fi
    echo "$kind/$name created" | tr '[:upper:]' '[:lower:]'
    ;;
  logs)
    case $2 in
      *-workload)
        # Three ticks at the first look, one more at each later one.
        n=$(($(counter ticks) + 1))
        [ "$n" -ge 3 ] || n=3
        echo "$n" >"$state/ticks"
        echo "app started"
        for i in $(seq 1 "$n"); do echo "tick $i"; done
        ;;
      *)
        first=${FAKE_COPY_FIRST_TICK:-$(($(counter checkpointed-at) + 1))}
        [ "$first" != 1 ] || echo "app started"
        for i in $(seq "$first" $((first + 2))); do echo "tick $i"; done
        ;;
    esac
    ;;
  exec)
    case $all in
      *" -- cat /tmp/made-at-runtime "*) echo "0b6f2c1e-7d4a-4e8b-9a51-3c2d1e0f9a87" ;;
      *" -- sh -c echo "*" > /tmp/exit-now "*) ;;
      *" -- cryo ls --namespace "*)
        echo "NAMESPACE  NAME  SIZE  PROCESSES  CREATED  NODE"
        if [ -f "$state/checkpoint-deleted" ]; then
          echo "(no checkpoints)"
        else
          ns=${all##*--namespace }
          ns=${ns%% *}
          echo "$ns  $(cat "$state/checkpoint-name")  4.0 KiB  2  2030-01-01 00:00:00Z  node-1"
        fi
        ;;
      *) echo "fake kubectl: no answer for: $*" >&2; exit 1 ;;
    esac
    ;;
  delete)
    case $all in *" checkpoint "* | *" checkpoint/"*) touch "$state/checkpoint-deleted" ;; esac
    ;;
  describe)
    echo "Name: $2"
    ;;
  *)
    echo "fake kubectl: no answer for: $*" >&2
    exit 1
    ;;
esac
