#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs every test project, then the leak check
# (deploy/leak-check.sh: nothing of orch left on the machine, counted as one test), and ends with
# "N passed, N failed, N skipped". Needs root (real containers). Extra args go to `dotnet test`
# (e.g. deploy/test.sh --filter "FullyQualifiedName~Runtime").
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ $(id -u) -ne 0 ]]; then
    echo "test: the suite runs real containers and needs root (try: sudo $0)" >&2
    exit 1
fi
"$ROOT/deploy/build.sh" || { echo "0 passed, 1 failed"; exit 1; }

RESULTS="$ROOT/out/test-results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
dotnet test Orchestrator.sln -c Release --no-build -nologo \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$RESULTS" \
    --blame-hang-timeout 15m "$@" 2>&1 | tee "$RESULTS/console.log" | grep -E --line-buffered '^\s+(Passed|Failed|Skipped) |^\s+(Error Message|Stack Trace)|^(Passed|Failed)!|error' 
rc=${PIPESTATUS[0]}

# After every test project: nothing of orch may be left on the machine (counted as one test).
if "$ROOT/deploy/leak-check.sh" | tee "$RESULTS/leak-check.log"; then
    leak_passed=1; leak_failed=0
else
    leak_passed=0; leak_failed=1
fi

passed=0; failed=0; skipped=0
for trx in "$RESULTS"/*.trx; do
    [[ -f $trx ]] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
    get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
    passed=$((passed + $(get passed)))
    failed=$((failed + $(get failed)))
    skipped=$((skipped + $(get notExecuted)))
done
passed=$((passed + leak_passed))
failed=$((failed + leak_failed))
if ((rc != 0 && failed == 0)); then
    failed=1   # the runner itself failed (crash, hang, build) without a failing test to show for it
fi
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0 && passed > 0))
