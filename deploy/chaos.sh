#!/usr/bin/env bash
# The chaos test of issue 7, standalone: a 3-manager + 2-worker cluster in network namespaces, clients
# changing services and node labels while a seeded fault schedule kills the leader, kills a worker, cuts a
# manager's link and restarts nodes; then the history checker judges what every manager and engine reports.
#
#   deploy/chaos.sh [--seed N] [--minutes M] [--faults KIND,...] [--clients C]
#
#   --seed N       replay a run (the seed decides the fault schedule and each client's choices; default random)
#   --minutes M    how long the workload and the faults run (default 2; setup and settling add 1-3 minutes)
#   --faults K,... fault kinds: KillLeader, KillWorker, CutManager, RestartNode (default: all four)
#   --clients C    concurrent clients (default 2)
#
# Runs tests/Orch.Chaos.Tests' ChaosTests through `dotnet test` (builds first when out/bin is missing) and ends
# with one line: "chaos: seed N: X operations, Y acknowledged (...), F faults injected, V violations".
# The history, the faults, the final state and the violations are kept in out/chaos/seed-N/. Needs root.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
seed="" minutes=2 faults="" clients=2
while (($#)); do
    case $1 in
        --seed) seed=${2:?--seed needs a number}; shift 2 ;;
        --minutes) minutes=${2:?--minutes needs a number}; shift 2 ;;
        --faults) faults=${2:?--faults needs a list}; shift 2 ;;
        --clients) clients=${2:?--clients needs a number}; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "chaos: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $(id -u) -eq 0 ]] || { echo "chaos: needs root (network namespaces, containers)" >&2; exit 1; }
[[ -z $seed ]] && seed=$((RANDOM * 32768 % 999999 + RANDOM % 1000 + 1))
[[ $seed =~ ^[0-9]+$ ]] || { echo "chaos: --seed must be a number: '$seed'" >&2; exit 2; }
[[ $minutes =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "chaos: --minutes must be a number: '$minutes'" >&2; exit 2; }
[[ $clients =~ ^[1-9][0-9]*$ ]] || { echo "chaos: --clients must be a positive number: '$clients'" >&2; exit 2; }

if [[ ! -x out/bin/orch || ! -x out/bin/orchd || ! -d tests/Orch.Chaos.Tests/bin/Release ]]; then
    deploy/build.sh >&2
fi
out="$ROOT/out/chaos"
rm -f "$out/seed-$seed/summary.txt"
echo "chaos: seed $seed, $minutes minute(s), faults ${faults:-all}, $clients client(s); details in $out/seed-$seed/" >&2
rc=0
ORCH_CHAOS_SEED=$seed ORCH_CHAOS_MINUTES=$minutes ORCH_CHAOS_FAULTS=$faults ORCH_CHAOS_CLIENTS=$clients ORCH_CHAOS_OUT=$out \
    dotnet test tests/Orch.Chaos.Tests -c Release --no-build -nologo --filter "FullyQualifiedName~ChaosTests" \
    --logger "console;verbosity=normal" >&2 || rc=$?
if [[ -f $out/seed-$seed/summary.txt ]]; then
    cat "$out/seed-$seed/summary.txt"
else
    echo "chaos: seed $seed: the run did not complete (dotnet test exit $rc; see above)"
    ((rc != 0)) || rc=1
fi
exit "$rc"
