#!/usr/bin/env bash
# The test command: installs what the tests need, builds, runs every test project, and ends
# with one line totalled over all projects: "N passed, N failed, N skipped".
# Agent tests run real CRIU on real process trees and need root.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

"$root/hack/install-deps.sh" || { echo "test: installing dependencies failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results=$(mktemp -d /tmp/cryo-test-results.XXXXXX)
trap 'rm -rf "$results"' EXIT

if ! dotnet build Operator.sln -c Release -nologo -v q -clp:ErrorsOnly; then
  echo "test: build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1
fi
# The benchmarks are programs outside the solution: build them too, so a change to what they call (or an analyzer
# rule) breaks the test run, not the next person who measures.
for bench in hack/bench/*/*.csproj; do
  if ! dotnet build "$bench" -c Release -nologo -v q -clp:ErrorsOnly; then
    echo "test: building $bench failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1
  fi
done

passed=0 failed=0 skipped=0 broken=0
for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  # The shared test-support libraries (tests/Cryo.Testing*) hold no tests: only test projects run.
  grep -q '<PackageReference Include="Microsoft.NET.Test.Sdk"' "$proj" || continue
  echo "== $name"
  dotnet test "$proj" -c Release --no-build -nologo -v q \
    --logger "trx;LogFileName=$results/$name.trx" --logger "console;verbosity=normal" \
    --blame-hang-timeout 10m -- RunConfiguration.TreatNoTestsAsError=false \
    || true
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then echo "test: $name produced no results"; broken=$((broken + 1)); continue; fi
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed)
  f=$((f + $(get error) + $(get timeout) + $(get aborted)))
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + total - executed))
done

failed=$((failed + broken))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
