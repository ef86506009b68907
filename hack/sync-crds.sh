#!/usr/bin/env bash
# Copies the CustomResourceDefinitions from crds/ (their single source) to the places that cannot read
# them in place: the Helm chart (charts/cryo/crds/, Helm only installs CRDs from inside the chart) and the
# kustomize base (config/crd/bases/, kustomize loads no file from outside its directory), and rewrites
# config/crd/kustomization.yaml's resource list. Run it after changing crds/;
# tests/Cryo.Deploy.Tests fails while any copy differs.
#   hack/sync-crds.sh          copy
#   hack/sync-crds.sh --check  only report differences (exit 1 if any)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
check=false
[ "${1:-}" = "--check" ] && check=true

shopt -s nullglob
sources=(crds/*.yaml)
[ ${#sources[@]} -gt 0 ] || { echo "sync-crds: no CRDs in crds/" >&2; exit 1; }

kustomization() {
  cat <<'YAML'
# The CustomResourceDefinitions. bases/ holds byte-for-byte copies of the repository's crds/ (kustomize
# cannot load files from outside this directory): hack/sync-crds.sh copies them, and
# tests/Cryo.Deploy.Tests fails when they differ.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
YAML
  for f in "${sources[@]}"; do echo "  - bases/$(basename "$f")"; done
}

differs=0
for dest in charts/cryo/crds config/crd/bases; do
  # copies whose source is gone
  for f in "$dest"/*.yaml; do
    if [ ! -e "crds/$(basename "$f")" ]; then
      if $check; then echo "sync-crds: $f has no source in crds/"; differs=1; else rm -f "$f"; fi
    fi
  done
  for f in "${sources[@]}"; do
    if ! cmp -s "$f" "$dest/$(basename "$f")"; then
      if $check; then echo "sync-crds: $dest/$(basename "$f") differs from $f"; differs=1
      else mkdir -p "$dest"; cp "$f" "$dest/"; fi
    fi
  done
done
if ! kustomization | cmp -s - config/crd/kustomization.yaml; then
  if $check; then echo "sync-crds: config/crd/kustomization.yaml does not list exactly crds/*.yaml"; differs=1
  else kustomization > config/crd/kustomization.yaml; fi
fi
if $check; then
  [ "$differs" -eq 0 ] && echo "sync-crds: in step"
  exit "$differs"
fi
echo "sync-crds: charts/cryo/crds and config/crd are in step with crds/"
