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
exec dotnet "$ROOT/tests/Orch.Manager.Bench/bin/Release/net10.0/Orch.Manager.Bench.dll" "${1:-2000}" "${2:-16}"
