#!/usr/bin/env bash
# Load balancer throughput and latency, side by side in one run (issue 6):
#   through the balancer: client → NODE:8080 (orchd's listener) → NODE:EPHEMERAL (engine DNAT) → task
#   straight to the task: client → NODE:EPHEMERAL (engine DNAT) → task
# for keep-alive requests and for a new connection per request (wrk -t2 -c10 -d10s, as the Docker anchor
# in ../shared/anchors/docker-swarm.md), plus p99 latency at moderate load (wrk -t1 -c2). The task is a
# tiny keep-alive HTTP server (lb/kaserver.c, built static) in the busybox image; one node
# (deploy/cluster.sh, its own netns), one replica. Prints req/s, the ratios (target ≥ 0.9) and the
# p99 added by the balancer (target < 1 ms).
# Needs root. Usage: deploy/bench/loadbalancer.sh [SECONDS]   (default 10)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SECS="${1:-10}"
[[ $(id -u) -eq 0 ]] || { echo "loadbalancer: needs root" >&2; exit 1; }
for tool in wrk gcc; do
    command -v "$tool" >/dev/null || { apt-get install -y -qq "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }; }
done
[[ -x $ROOT/out/bin/orch && -x $ROOT/out/bin/orchd ]] || "$ROOT/deploy/build.sh"

export ORCH_CLUSTER_NAME="${ORCH_CLUSTER_NAME:-orchlbb}" ORCH_CLUSTER_NET="${ORCH_CLUSTER_NET:-10.77.233}"
export ORCH_CLUSTER_LOG_LEVEL=warn
cluster="$ROOT/deploy/cluster.sh"
work="$(mktemp -d /tmp/orch-bench-lb-XXXXXX)"
cleanup() {
    "$cluster" down >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

"$cluster" down >/dev/null 2>&1 || true
"$cluster" up 1 >/dev/null
orch() { "$cluster" orch 1 "$@"; }
node="$ORCH_CLUSTER_NET.1"
ORCH_HOST="unix://${ORCH_CLUSTER_RUN:-/run/orch-cluster/$ORCH_CLUSTER_NAME}/n1/orchd.sock" "$ROOT/deploy/images/busybox.sh" busybox:latest >/dev/null

gcc -O2 -static -pthread -o "$work/kaserver" "$ROOT/deploy/bench/lb/kaserver.c"
printf 'FROM busybox\nCOPY kaserver /kaserver\nCMD ["/kaserver", "8080"]\n' >"$work/Dockerfile"
orch build -q -t kaserver:bench "$work" >/dev/null
orch service create --detach --name web --replicas 1 -p 8080:8080 kaserver:bench >/dev/null

# The task's ephemeral node port (orch ps: 0.0.0.0:EPH->8080/tcp) and both paths answering.
eph=
for _ in $(seq 300); do
    eph="$(orch ps | sed -n 's/.*0\.0\.0\.0:\([0-9]*\)->8080\/tcp.*/\1/p' | head -n1)"
    if [[ -n $eph ]] && wrk -t1 -c1 -d1s "http://$node:$eph/" >/dev/null 2>&1 \
        && curl -fsS -m 2 "http://$node:8080/" >/dev/null 2>&1; then
        break
    fi
    sleep 0.2
done
[[ -n $eph ]] || { echo "loadbalancer: the task never published its port" >&2; "$cluster" logs 1 | tail -20 >&2; exit 1; }

rps() { wrk "$@" | awk '/Requests\/sec/ {print $2}'; }
p99() { wrk --latency "$@" | awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/, "", v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else if (v ~ /s$/) {sub(/s$/, "", v); v*=1000}; print v}'; }
quiet() { sleep 2; } # lets TIME_WAIT of the previous run's connections age a little (different tuples anyway)

echo "one node, one replica (lb/kaserver), wrk ${SECS}s; balancer = $node:8080, direct = $node:$eph; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
ka_direct=$(rps -t2 -c10 -d"${SECS}s" "http://$node:$eph/"); quiet
ka_lb=$(rps -t2 -c10 -d"${SECS}s" "http://$node:8080/"); quiet
nc_direct=$(rps -t2 -c10 -d"${SECS}s" -H "Connection: close" "http://$node:$eph/"); quiet
nc_lb=$(rps -t2 -c10 -d"${SECS}s" -H "Connection: close" "http://$node:8080/"); quiet
p99_direct=$(p99 -t1 -c2 -d"${SECS}s" "http://$node:$eph/"); quiet
p99_lb=$(p99 -t1 -c2 -d"${SECS}s" "http://$node:8080/")

printf '%-34s %12s %12s %8s\n' "" "direct" "balancer" "ratio"
printf '%-34s %12.0f %12.0f %8.2f\n' "keep-alive req/s" "$ka_direct" "$ka_lb" "$(echo "$ka_lb / $ka_direct" | bc -l)"
printf '%-34s %12.0f %12.0f %8.2f\n' "new connection per request req/s" "$nc_direct" "$nc_lb" "$(echo "$nc_lb / $nc_direct" | bc -l)"
printf '%-34s %12.3f %12.3f %8s\n' "p99 latency ms (wrk -t1 -c2)" "$p99_direct" "$p99_lb" ""
printf 'p99 added by the balancer: %.3f ms (target < 1 ms); ratios target >= 0.9\n' "$(echo "$p99_lb - $p99_direct" | bc -l)"
source "$ROOT/deploy/bench/result.sh"
result loadbalancer.keepalive req/s "$ka_lb" "$ka_direct" "ratio>=0.9"
result loadbalancer.new-connection req/s "$nc_lb" "$nc_direct" "ratio>=0.9"
result loadbalancer.p99-added ms "$(echo "$p99_lb - $p99_direct" | bc -l | awk '{printf "%.3f", $1}')" - "orch<1"
