#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs every test project, then the leak check
# (deploy/leak-check.sh: nothing of orch left on the machine, counted as one test), and ends with
# "N passed, N failed, N skipped". Needs root (real containers). Extra args go to `dotnet test`
# (e.g. deploy/test.sh --filter "FullyQualifiedName~Runtime").
# Without extra args, the tests of trait Category=LongIdle (a TCP connection idle for 15.5 min through the
# routing mesh, tests/Orch.Cluster.Tests/IdleConnectionTests.cs) run as their own `dotnet test` process in the
# background, started first, so they add nothing to a suite that takes longer than they do; the main run leaves
# them out, and their result (idle-*.trx) counts in the totals like any other. With extra args everything runs as
# `dotnet test` selects it (a filter that matches the idle test runs it in line: ~16 min).
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
SHOW='^\s+(Passed|Failed|Skipped) |^\s+(Error Message|Stack Trace)|^(Passed|Failed)!|error'
main_args=("$@")
idle_pid=""
idle_lost=0
if (($# == 0)); then
    # The hang timeout is per test: the idle test is silent for 15.5 min by design.
    dotnet test tests/Orch.Cluster.Tests -c Release --no-build -nologo --filter "Category=LongIdle" \
        --logger "trx;LogFileName=idle-cluster.trx" --logger "console;verbosity=normal" --results-directory "$RESULTS" \
        --blame-hang-timeout 30m >"$RESULTS/idle-console.log" 2>&1 &
    idle_pid=$!
    main_args=(--filter "Category!=LongIdle")
fi
dotnet test Orchestrator.sln -c Release --no-build -nologo \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$RESULTS" \
    --blame-hang-timeout 15m "${main_args[@]}" 2>&1 | tee "$RESULTS/console.log" | grep -E --line-buffered "$SHOW"
rc=${PIPESTATUS[0]}
if [[ -n $idle_pid ]]; then
    echo "waiting for the idle-connection test (tests/Orch.Cluster.Tests, Category=LongIdle; $RESULTS/idle-console.log)"
    wait "$idle_pid"
    idle_rc=$?
    grep -E "$SHOW" "$RESULTS/idle-console.log"
    ((idle_rc == 0)) || rc=$idle_rc
    # No result, or a result without an executed test (crash, hang kill, a filter that matches nothing any more):
    # a failure, never a silent skip.
    if ! grep -qE '<Counters [^>]* executed="[1-9]' "$RESULTS/idle-cluster.trx" 2>/dev/null; then
        idle_lost=1
        echo "the idle-connection test did not run to a result:"
        tail -n 30 "$RESULTS/idle-console.log"
    fi
fi

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
failed=$((failed + leak_failed + idle_lost))
if ((rc != 0 && failed == 0)); then
    failed=1   # the runner itself failed (crash, hang, build) without a failing test to show for it
fi
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0 && passed > 0))
