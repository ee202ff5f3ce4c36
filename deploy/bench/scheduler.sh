#!/usr/bin/env bash
# In-process scheduler benchmark: one planning pass of TASKS pending tasks onto NODES nodes
# (reservations, constraints and spread preferences on half the services). Goal: 10,000 tasks
# onto 100 nodes in < 1 s; prints the time and the ratio to that goal.
# Usage: deploy/bench/scheduler.sh [TASKS=10000] [NODES=100]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$ROOT/tests/Orch.Manager.Bench/Orch.Manager.Bench.csproj" -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
line=$(dotnet "$ROOT/tests/Orch.Manager.Bench/bin/Release/net10.0/Orch.Manager.Bench.dll" scheduler "${1:-10000}" "${2:-100}")
echo "$line"
. "$ROOT/deploy/bench/result.sh"
result "scheduler.plan-${1:-10000}-tasks-${2:-100}-nodes" ms "$(sed -n 's/.* nodes in \([0-9]*\) ms .*/\1/p' <<<"$line")" - 'orch<1000'
