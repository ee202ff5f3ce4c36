#!/usr/bin/env bash
# Raft write latency and throughput of the manager store: 3 managers in one process, real TCP
# Raft and gRPC on 127.0.0.1, production timeouts (election 1000/2000 ms, request 900 ms).
# Prints p50/p99/max and writes/s for: proposals on the leader (sequential and concurrent),
# proposals forwarded by a follower, `node update` through the control API (gRPC) via the leader
# and via a follower, and the failover time from a stopped leader to the first committed write.
# Usage: deploy/bench/raft-write.sh [WRITES=2000] [IN_FLIGHT=16]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$ROOT/tests/Orch.Manager.Bench/Orch.Manager.Bench.csproj" -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
dotnet "$ROOT/tests/Orch.Manager.Bench/bin/Release/net10.0/Orch.Manager.Bench.dll" "${1:-2000}" "${2:-16}" | tee "$out"
. "$ROOT/deploy/bench/result.sh"
field() { grep -F "$1" "$out" | sed -n "s/.* $2=[[:space:]]*\([0-9.]*\) ms.*/\1/p" | head -1; }
result raft.update-node-via-leader.p50 ms "$(field 'Control.UpdateNode via the leader' p50)" - -
result raft.update-node-via-leader.p99 ms "$(field 'Control.UpdateNode via the leader' p99)" - -
# Issue 8: failover < 2 s with default settings (Swarm's defaults elect after 10-20 s).
result raft.failover ms "$(sed -n 's/^failover: .*: \([0-9]*\) ms$/\1/p' "$out")" - 'orch<2000'
