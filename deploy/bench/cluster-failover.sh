#!/usr/bin/env bash
# Cluster fault timings on a real 3-manager cluster (deploy/cluster.sh, one orchd per network namespace):
#   failover:  kill -9 of the leader -> first successful write (node update --label-add) through a surviving
#              manager; target < 2 s (Swarm's defaults elect after 10-20 s)
#   no quorum: two of three managers killed -> the write through the survivor fails; target < 5 s
#   idle RSS:  each manager's orchd after the fresh cluster settled and sat idle 10 s; target < 100 MB (issue 8)
# Prints the median and max of each and its ratio to the target. Needs root.
# Usage: deploy/bench/cluster-failover.sh [RUNS]   (default 5)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUNS="${1:-5}"
[[ $(id -u) -eq 0 ]] || { echo "cluster-failover: needs root" >&2; exit 1; }
export ORCH_CLUSTER_NAME=ocbench ORCH_CLUSTER_NET=${ORCH_CLUSTER_NET:-10.77.251} ORCH_CLUSTER_LOG_LEVEL=info
C="$ROOT/deploy/cluster.sh"
trap '"$C" down >/dev/null 2>&1 || true' EXIT
"$C" down >/dev/null 2>&1 || true
"$C" up 3 --managers 3 >/dev/null

now() { date +%s.%N; }
leader() { "$C" orch "$1" node ls 2>/dev/null | awk '/ Leader /{for (i = 1; i <= NF; i++) if ($i ~ /^n[0-9]+$/) {sub("n", "", $i); print $i}}'; }
write() { "$C" orch "$1" node update --label-add "bench=$2" "n$1" >/dev/null 2>&1; }
settle() { # all three managers back, one leader, writes work
    for _ in $(seq 600); do
        l=$(leader 1 || true)
        [[ -n $l ]] && write "$l" settle && [[ $("$C" orch "$l" node ls 2>/dev/null | grep -cE ' (Leader|Reachable) ') -eq 3 ]] && return 0
        sleep 0.1
    done
    echo "cluster-failover: the cluster did not settle" >&2; exit 1
}
stats() { sort -n | awk -v target="$1" '{v[NR] = $1} END {m = v[int((NR + 1) / 2)]; printf "median %.2f s, max %.2f s (n=%d); median/target = %.2f\n", m, v[NR], NR, m / target}'; }

settle
sleep 10
rss_mb=()
for k in 1 2 3; do rss_mb+=("$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$("$C" pid "$k")/status")"); done

fail_times=() quorum_times=()
for run in $(seq "$RUNS"); do
    settle
    old=$(leader 1)
    other=$(( old % 3 + 1 ))
    "$C" kill "$old"
    t0=$(now)
    until write "$other" "f$run"; do sleep 0.05; done
    fail_times+=("$(echo "$(now) - $t0" | bc)")
    "$C" start "$old" >/dev/null

    settle
    l=$(leader 1)
    for k in 1 2 3; do [[ $k -eq $l ]] || "$C" kill "$k"; done
    t0=$(now)
    if write "$l" "q$run"; then echo "cluster-failover: a write without quorum succeeded" >&2; exit 1; fi
    quorum_times+=("$(echo "$(now) - $t0" | bc)")
    for k in 1 2 3; do [[ $k -eq $l ]] || "$C" start "$k" >/dev/null; done
done
echo "failover (kill -9 leader -> first write through a survivor), target 2 s: $(printf '%s\n' "${fail_times[@]}" | stats 2)"
echo "no quorum (2 of 3 managers killed -> write fails), target 5 s:        $(printf '%s\n' "${quorum_times[@]}" | stats 5)"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "manager orchd idle RSS (n1 n2 n3): ${rss_mb[*]} MB, target < 100 MB"
. "$ROOT/deploy/bench/result.sh"
result cluster.failover s "$(printf '%s\n' "${fail_times[@]}" | median)" - 'orch<2'
result cluster.no-quorum-error s "$(printf '%s\n' "${quorum_times[@]}" | median)" - 'orch<=5'
result cluster.manager-idle-rss MB "$(printf '%s\n' "${rss_mb[@]}" | median)" - 'orch<100'
