#!/usr/bin/env bash
# Load balancer throughput and latency, both paths side by side in one run (issue 6), on a 2-node cluster
# (deploy/cluster.sh, one netns per node) with one replica of a tiny keep-alive HTTP server (lb/kaserver.c,
# built static, in the busybox image) placed on n1:
#   direct         client → n1:EPHEMERAL (engine DNAT) → task
#   kernel path    client → n1:8080, the task's own node: the balancer's nth DNAT rule → task's container
#   remote         client → n2:8080, another node: n2's balancer DNATs (and masquerades) to n1:EPHEMERAL, the
#                  engine of n1 DNATs to the task (orchd's default; once established, n2's tc fast path forwards
#                  the packets past its IP stack: ORCH_LB_FASTPATH=off runs `orchd --lb-fastpath off`; with
#                  ORCH_LB_REMOTE=proxy the nodes run `orchd --lb-remote proxy` and the hop is the user-space
#                  splice proxy instead)
#   hop            client → a plain IP router (a netns of its own on the switch: no conntrack, no iptables) → n1's
#                  address 198.51.100.1:EPHEMERAL (TEST-NET-3, on n1 only for the bench) → task, and the answers back
#                  through the router too: what one more hop through a forwarding node costs here by itself, both
#                  ways as with the mesh's masquerade, the floor of any routing mesh that reaches a task on another
#                  node without keeping the client's address (reported, no goal; switch netns layout only)
# wrk runs in the switch's netns (ORCH_BENCH_SWITCH, see below).
# for keep-alive requests and a new connection per request (wrk -t2 -c10, as the Docker anchor in
# ../shared/anchors/docker-swarm.md), plus p99 latency at moderate load (wrk -t1 -c2), in ROUNDS interleaved
# rounds of SECONDS per path and kind (the order rotates). Prints the median req/s, the medians of the per-round
# ratios against direct (target >= 0.9) and of the p99 each path adds (target < 1 ms), then checks through
# `service inspect` that n1's kernel path really served its connections.
# Needs root. Usage: deploy/bench/loadbalancer.sh [SECONDS [ROUNDS]]   (default 3 s, 7 rounds: ~5 minutes)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SECS="${1:-3}"
ROUNDS="${2:-7}"
[[ $(id -u) -eq 0 ]] || { echo "loadbalancer: needs root" >&2; exit 1; }
for tool in wrk gcc conntrack; do
    command -v "$tool" >/dev/null || { apt-get install -y -qq "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }; }
done
[[ -x $ROOT/out/bin/orch && -x $ROOT/out/bin/orchd ]] || "$ROOT/deploy/build.sh"

export ORCH_CLUSTER_NAME="${ORCH_CLUSTER_NAME:-orchlbb}" ORCH_CLUSTER_NET="${ORCH_CLUSTER_NET:-10.77.233}"
export ORCH_CLUSTER_LOG_LEVEL=warn
# The nodes' switch in a netns of its own, where wrk runs too: with the default layout the bridge is this machine's,
# and frames that one node forwards to another would also pass its br_netfilter (a conntrack lookup and the
# host's iptables per packet, which no real switch does) - a cost only the remote path would pay.
# ORCH_BENCH_SWITCH=host measures that layout.
export ORCH_CLUSTER_SWITCH="${ORCH_BENCH_SWITCH:-netns}"
export ORCH_CLUSTER_ORCHD_ARGS="--lb-remote ${ORCH_LB_REMOTE:-kernel} --lb-fastpath ${ORCH_LB_FASTPATH:-on}"
cluster="$ROOT/deploy/cluster.sh"
work="$(mktemp -d /tmp/orch-bench-lb-XXXXXX)"
hop_ns="$ORCH_CLUSTER_NAME-hop" hop_addr=198.51.100.1 hop_client="$ORCH_CLUSTER_NET.249"
cleanup() {
    ip netns del "$hop_ns" 2>/dev/null || true
    "$cluster" down >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

"$cluster" down >/dev/null 2>&1 || true
"$cluster" up 2 >/dev/null
orch() { "$cluster" orch 1 "$@"; }
client() { "$cluster" client "$@"; }
node="$ORCH_CLUSTER_NET.1"
other="$ORCH_CLUSTER_NET.2"
ORCH_HOST="unix://${ORCH_CLUSTER_RUN:-/run/orch-cluster/$ORCH_CLUSTER_NAME}/n1/orchd.sock" "$ROOT/deploy/images/busybox.sh" busybox:latest >/dev/null

gcc -O2 -static -pthread -o "$work/kaserver" "$ROOT/deploy/bench/lb/kaserver.c"
printf 'FROM busybox\nCOPY kaserver /kaserver\nCMD ["/kaserver", "8080"]\n' >"$work/Dockerfile"
orch build -q -t kaserver:bench "$work" >/dev/null
orch service create --detach --name web --replicas 1 --constraint node.hostname==n1 -p 8080:8080 kaserver:bench >/dev/null

# The task's ephemeral node port (orch ps: 0.0.0.0:EPH->8080/tcp) and both paths answering.
eph=
for _ in $(seq 300); do
    eph="$(orch ps | sed -n 's/.*0\.0\.0\.0:\([0-9]*\)->8080\/tcp.*/\1/p' | head -n1)"
    if [[ -n $eph ]] && client wrk -t1 -c1 -d1s "http://$node:$eph/" >/dev/null 2>&1 \
        && client curl -fsS -m 2 "http://$node:8080/" >/dev/null 2>&1 && client curl -fsS -m 2 "http://$other:8080/" >/dev/null 2>&1; then
        break
    fi
    sleep 0.2
done
[[ -n $eph ]] || { echo "loadbalancer: the task never published its port" >&2; "$cluster" logs 1 | tail -20 >&2; exit 1; }

# One wrk run, its req/s (or its 99th percentile in ms with --latency). A run with socket errors or non-2xx answers
# is reported on stderr: its rate would not be a path's rate.
wrk_run() {
    local out
    out="$(client wrk "$@")"
    if grep -qE 'Socket errors|Non-2xx' <<<"$out"; then
        echo "loadbalancer: errors in wrk $*: $(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr -s ' ')" >&2
    fi
    if [[ " $* " == *" --latency "* ]]; then
        awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/, "", v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else if (v ~ /s$/) {sub(/s$/, "", v); v*=1000}; print v}' <<<"$out"
    else
        awk '/Requests\/sec/ {print $2}' <<<"$out"
    fi
}
# Each run starts from empty conntrack tables in both nodes, so that no path pays for the entries another left.
quiet() {
    for k in 1 2; do ip netns exec "$ORCH_CLUSTER_NAME-n$k" conntrack -F >/dev/null 2>&1 || true; done
    sleep 1
}
# A new connection per request: the client closes first (lb/kaserver waits for it), so TIME_WAIT is the client's, per
# destination, and the client may reuse its ports after 1 s as any load generator must (without it, ~28k ephemeral
# ports last 3 s at this rate). In the switch netns that is the bench's own sysctl; on the host it is put back after.
tw_old="$(client sysctl -n net.ipv4.tcp_tw_reuse)"
client sysctl -qw net.ipv4.tcp_tw_reuse=1
restore_tw() { client sysctl -qw "net.ipv4.tcp_tw_reuse=$tw_old" 2>/dev/null || true; }
trap 'restore_tw; cleanup' EXIT

# This machine's noise (another tenant, frequency, the page cache) swings a single 10 s run by ±10 %, and a fixed
# order would give it a direction. So: ROUNDS rounds, each running every path once for SECS, in an order that
# rotates from round to round; per round the ratios against that round's direct run; medians of both printed.
declare -A url=([direct]="http://$node:$eph/" [kernel]="http://$node:8080/" [remote]="http://$other:8080/" [hop]="http://$hop_addr:$eph/")
paths=(direct kernel remote)
# The plain router for the hop path: one veth on the switch's bridge, forwarding on, nothing else; n1 gets the
# extra address and a policy route that sends what it answers from that address back through the router.
if [[ $ORCH_CLUSTER_SWITCH == netns ]]; then
    sw="$ORCH_CLUSTER_NAME-sw" n1ns="$ORCH_CLUSTER_NAME-n1"
    ip netns add "$hop_ns"
    ip link add "$ORCH_CLUSTER_NAME-hop" type veth peer name eth0 netns "$hop_ns"
    ip link set "$ORCH_CLUSTER_NAME-hop" netns "$sw"
    ip -n "$sw" link set "$ORCH_CLUSTER_NAME-hop" master "${ORCH_CLUSTER_NAME}0" up
    ip -n "$hop_ns" link set lo up
    ip -n "$hop_ns" addr add "$ORCH_CLUSTER_NET.250/24" dev eth0
    ip -n "$hop_ns" link set eth0 up
    ip netns exec "$hop_ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0
    ip -n "$hop_ns" route add "$hop_addr" via "$node"
    ip -n "$n1ns" addr add "$hop_addr/32" dev eth0
    # Both directions through the router, as through a forwarding node that masquerades: the client speaks to the hop
    # address from an address of its own (the route's src), and n1 sends everything for that address back through the
    # router (its answers are routed before conntrack puts the hop address back as their source, so a rule on the
    # source would miss them and they would skip the router: half a hop).
    ip -n "$sw" addr add "$hop_client/32" dev "${ORCH_CLUSTER_NAME}0"
    ip -n "$n1ns" rule add to "$hop_client" lookup 250 pref 250
    ip -n "$n1ns" route add default via "$ORCH_CLUSTER_NET.250" table 250
    ip -n "$sw" route add "$hop_addr" via "$ORCH_CLUSTER_NET.250" src "$hop_client"
    client curl -fsS -m 2 "${url[hop]}" >/dev/null || { echo "loadbalancer: the hop path does not answer" >&2; exit 1; }
    paths+=(hop)
fi
declare -A runs=()
measure() { # KIND WRK-ARGS...: fills runs[KIND.PATH] with one value per round
    local kind=$1 r i p
    shift
    for ((r = 0; r < ROUNDS; r++)); do
        for ((i = 0; i < ${#paths[@]}; i++)); do
            p=${paths[$(((r + i) % ${#paths[@]}))]}
            runs[$kind.$p]+="$(wrk_run "$@" "${url[$p]}") "
            quiet
        done
    done
}
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
# The median over rounds of PATH's value divided by direct's in the same round (or minus it, for latency: "added").
per_round() { # KIND PATH div|sub
    local -a a b
    read -r -a a <<<"${runs[$1.$2]}"
    read -r -a b <<<"${runs[$1.direct]}"
    for ((r = 0; r < ${#a[@]}; r++)); do
        if [[ $3 == div ]]; then awk -v x="${a[r]}" -v y="${b[r]}" 'BEGIN {printf "%.4f ", x / y}'; else awk -v x="${a[r]}" -v y="${b[r]}" 'BEGIN {printf "%.4f ", x - y}'; fi
    done | median
}
quiet
measure ka -t2 -c10 -d"${SECS}s"
measure nc -t2 -c10 -d"${SECS}s" -H "Connection: close"
measure p99 --latency -t1 -c2 -d"${SECS}s"

printf '%-34s %10s %12s %12s %10s %8s %8s %8s\n' "medians of $ROUNDS rounds" "direct" "kernel(n1)" "remote(n2)" "hop" "k ratio" "r ratio" "h ratio"
for kind in ka nc; do
    label=$([[ $kind == ka ]] && echo "keep-alive req/s" || echo "new connection per request req/s")
    printf '%-34s %10.0f %12.0f %12.0f %10s %8.2f %8.2f %8s\n' "$label" \
        "$(median <<<"${runs[$kind.direct]}")" "$(median <<<"${runs[$kind.kernel]}")" "$(median <<<"${runs[$kind.remote]}")" \
        "$(median <<<"${runs[$kind.hop]:-}" | awk '{printf ($1 == "-") ? "-" : "%.0f", $1}')" \
        "$(per_round "$kind" kernel div)" "$(per_round "$kind" remote div)" "$([[ -n ${runs[$kind.hop]:-} ]] && per_round "$kind" hop div | awk '{printf "%.2f", $1}' || echo -)"
done
printf '%-34s %10.3f %12.3f %12.3f %10s\n' "p99 latency ms (wrk -t1 -c2)" \
    "$(median <<<"${runs[p99.direct]}")" "$(median <<<"${runs[p99.kernel]}")" "$(median <<<"${runs[p99.remote]}")" \
    "$(median <<<"${runs[p99.hop]:-}")"
for kind in ka nc; do
    for p in "${paths[@]}"; do echo "  $kind $p per round: ${runs[$kind.$p]}"; done
done
added_kernel=$(per_round p99 kernel sub | awk '{printf "%.3f", $1}')
added_user=$(per_round p99 remote sub | awk '{printf "%.3f", $1}')
printf 'p99 added: kernel path %s ms, remote %s ms (target < 1 ms); ratios target >= 0.9\n' "$added_kernel" "$added_user"
[[ -z ${runs[ka.hop]:-} ]] || echo "hop: a plain router between client and n1, no balancer: what the extra hop alone costs here (no goal)"
# The kernel path's own counter (its DNAT rule) must have seen the kernel runs' connections.
kc=$(orch service inspect web | tr -d ' \n' | sed -n 's/.*"KernelConnections":\([0-9]*\).*/\1/p')
echo "n1's balancer: ${kc:-?} connections served by the kernel path (service inspect KernelConnections)"
source "$ROOT/deploy/bench/result.sh"
# result prints ORCH / ANCHOR: the medians of the rates (the per-round ratio medians are in the table above).
for kind in ka nc; do
    metric=$([[ $kind == ka ]] && echo keepalive || echo new-connection)
    direct=$(median <<<"${runs[$kind.direct]}")
    result "loadbalancer.$metric" req/s "$(median <<<"${runs[$kind.kernel]}")" "$direct" "ratio>=0.9"
    result "loadbalancer.remote.$metric" req/s "$(median <<<"${runs[$kind.remote]}")" "$direct" "ratio>=0.9"
    [[ -z ${runs[$kind.hop]:-} ]] || result "loadbalancer.hop.$metric" req/s "$(median <<<"${runs[$kind.hop]}")" "$direct" -
done
result loadbalancer.p99-added ms "$added_kernel" - "orch<1"
result loadbalancer.remote.p99-added ms "$added_user" - "orch<1"
