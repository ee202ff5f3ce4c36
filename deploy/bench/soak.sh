#!/usr/bin/env bash
# Soak (issue 7; not in CI): a 3-node cluster (deploy/cluster.sh), a 3-replica web service published through the
# load balancer, wrk sending requests to every node's published port for the whole run (a new connection per
# request, so every request goes through a balancing decision), and a rolling update every minute.
# Reports failed requests (target 0) and, per node, orchd's RSS and open file descriptors at the start and at the
# end (target: flat), as lines and as RESULT lines for deploy/bench/report.sh.
# Needs root. Usage: deploy/bench/soak.sh [--minutes M] [--update-every SECONDS]   (default 10 and 60)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MINUTES=10 EVERY=60
while (($#)); do
    case $1 in
        --minutes) MINUTES=$2; shift 2 ;;
        --update-every) EVERY=$2; shift 2 ;;
        *) echo "usage: $0 [--minutes M] [--update-every SECONDS]" >&2; exit 2 ;;
    esac
done
[[ $(id -u) -eq 0 ]] || { echo "soak: needs root" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }
[[ -x $ROOT/out/bin/orch && -x $ROOT/out/bin/orchd ]] || "$ROOT/deploy/build.sh" >/dev/null
source "$ROOT/deploy/bench/result.sh"

export ORCH_CLUSTER_NAME="${ORCH_CLUSTER_NAME:-orchsoak}" ORCH_CLUSTER_NET="${ORCH_CLUSTER_NET:-10.77.236}" ORCH_CLUSTER_LOG_LEVEL=warn
export ORCH_CLUSTER_RUN="${ORCH_CLUSTER_RUN:-/run/orch-cluster/$ORCH_CLUSTER_NAME}"
C="$ROOT/deploy/cluster.sh"
work="$(mktemp -d /tmp/orch-soak-XXXXXX)"
wrks=()
cleanup() {
    for p in "${wrks[@]}"; do kill "$p" 2>/dev/null || true; done
    "$C" down >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
"$C" down >/dev/null 2>&1 || true
"$C" up 3 >/dev/null
orch() { "$C" orch 1 "$@"; }

# The demo's web image (busybox httpd that exits on SIGTERM), built on node 1 only.
ORCH="$ROOT/out/bin/orch" ORCH_HOST="unix://$ORCH_CLUSTER_RUN/n1/orchd.sock" "$ROOT/deploy/images/busybox.sh" busybox:latest >/dev/null
mkdir -p "$work/app"
echo "soak" >"$work/app/index.html"
printf '%s\n' 'FROM busybox' 'COPY index.html /srv/index.html' \
    'CMD ["sh", "-c", "trap '"'"'exit 0'"'"' TERM; httpd -f -p 8080 -h /srv & wait"]' >"$work/app/Dockerfile"
orch build -q -t soak:v1 "$work/app" >/dev/null
orch service create -q --name web --replicas 3 -p 8080:8080 --update-order start-first soak:v1 >/dev/null

addrs=()
for k in 1 2 3; do addrs+=("$("$C" addr "$k")"); done
for a in "${addrs[@]}"; do
    for _ in $(seq 300); do curl -fsS -m 2 "http://$a:8080/" >/dev/null 2>&1 && break; sleep 0.2; done
done

usage() { # node -> "RSS_MiB FDS" of its orchd
    local pid
    pid=$("$C" pid "$1")
    echo "$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status") $(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)"
}
declare -A start
for k in 1 2 3; do start[$k]=$(usage "$k"); done

total=$((MINUTES * 60))
echo "soak: ${MINUTES} min, rolling update every ${EVERY} s, wrk -c2 (new connection per request) on each of ${addrs[*]} port 8080"
for i in 0 1 2; do
    wrk -t1 -c2 -d"${total}s" --timeout 5s -H "Connection: close" "http://${addrs[$i]}:8080/" >"$work/wrk-$i.txt" 2>&1 &
    wrks+=($!)
done
began=$(date +%s) round=0 update_failures=0
while (($(date +%s) - began + EVERY <= total)); do
    sleep "$EVERY"
    round=$((round + 1))
    if orch service update -q --env-add "SOAK_ROUND=$round" web >/dev/null 2>"$work/update.err"; then
        echo "soak: update $round done at +$(($(date +%s) - began)) s"
    else
        update_failures=$((update_failures + 1))
        echo "soak: update $round FAILED: $(tail -1 "$work/update.err")"
    fi
done
for p in "${wrks[@]}"; do wait "$p" || true; done
wrks=()

requests=0 failed=0
for i in 0 1 2; do
    f="$work/wrk-$i.txt"
    n=$(awk '/requests in/ {print $1}' "$f")
    errs=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$f")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$f")
    requests=$((requests + ${n:-0})) failed=$((failed + ${errs:-0} + ${non2xx:-0}))
    echo "soak: node $((i + 1)): ${n:-0} requests, $((${errs:-0} + ${non2xx:-0})) failed"
done
echo "soak: $requests requests, $failed failed, $round rolling updates ($update_failures failed)"
result soak.failed-requests requests "$failed" - "orch<=0"
result soak.failed-updates updates "$update_failures" - "orch<=0"
for k in 1 2 3; do
    read -r rss0 fd0 <<<"${start[$k]}"
    read -r rss1 fd1 <<<"$(usage "$k")"
    echo "soak: n$k orchd RSS ${rss0} -> ${rss1} MiB, open fds ${fd0} -> ${fd1}"
    # "Flat": within 20 % of where it started (a long-running .NET process settles its heap in the first minutes).
    result "soak.n$k.rss" MiB "$rss1" "$rss0" "ratio<=1.2"
    result "soak.n$k.fds" fds "$fd1" "$fd0" "ratio<=1.2"
done
