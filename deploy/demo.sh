#!/usr/bin/env bash
# The two-minute demo: a 3-node orch cluster on this machine (deploy/cluster.sh: one orchd per network namespace),
# a small web image built on node 1 only, run as a 3-replica service that every node answers (the managers carry
# the image to the other nodes; no registry anywhere), then a rolling update to v2.
#   deploy/demo.sh        build, bring the cluster up (or reuse it), run the demo; safe to run again
#   deploy/demo.sh down   remove the cluster: every process, namespace, veth, rule and directory it made
# Its own cluster name and network (ORCH_CLUSTER_NAME / ORCH_CLUSTER_NET override them), so it never meets a
# test cluster or a real /var/lib/orch.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ORCH_CLUSTER_NAME=${ORCH_CLUSTER_NAME:-orchdemo}
export ORCH_CLUSTER_NET=${ORCH_CLUSTER_NET:-10.77.240}
export ORCH_CLUSTER_RUN=${ORCH_CLUSTER_RUN:-/run/orch-cluster/$ORCH_CLUSTER_NAME}
CLUSTER="$ROOT/deploy/cluster.sh"
PORT=8080

if [[ $(id -u) -ne 0 ]]; then echo "demo: run as root (namespaces, cgroups, containers need it)" >&2; exit 1; fi
if [[ ${1:-} == down ]]; then "$CLUSTER" down; echo "demo: removed"; exit 0; fi

orch1() { "$CLUSTER" orch 1 "$@"; }
show() { echo; echo "+ orch $*"; orch1 "$@"; }
# bash's /dev/tcp: no HTTP client needed on a fresh machine. Prints the body, or nothing.
get() {
    local out
    out=$(exec 3<>"/dev/tcp/$1/$PORT" && printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" >&3 && cat <&3) 2>/dev/null || return 0
    printf '%s' "${out#*$'\r\n\r\n'}"
}
curl_all() {
    local k a
    for k in 1 2 3; do
        a=$("$CLUSTER" addr "$k")
        echo "+ GET http://$a:$PORT/   $(get "$a")"
    done
}

"$ROOT/deploy/build.sh" >/dev/null
if ! orch1 node ls >/dev/null 2>&1; then
    "$CLUSTER" down >/dev/null 2>&1 || true
    "$CLUSTER" up 3
fi
show node ls

# A web image that answers its version, built on node 1 only: nodes 2 and 3 have no image at all.
ORCH="$ROOT/out/bin/orch" ORCH_HOST="unix://$ORCH_CLUSTER_RUN/n1/orchd.sock" "$ROOT/deploy/images/busybox.sh" busybox:latest >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build() {
    mkdir -p "$work/$1"
    echo "hello from app $1" > "$work/$1/index.html"
    # busybox httpd as PID 1 ignores SIGTERM: trap it so that a rolling update does not wait the grace period.
    printf '%s\n' 'FROM busybox' 'COPY index.html /srv/index.html' \
        'CMD ["sh", "-c", "trap '"'"'exit 0'"'"' TERM; httpd -f -p 8080 -h /srv & wait"]' > "$work/$1/Dockerfile"
    echo; echo "+ orch build -q -t app:$1 ."; orch1 build -q -t "app:$1" "$work/$1"
}
build v1
build v2

orch1 service rm web >/dev/null 2>&1 || true
show service create --name web --replicas 3 -p $PORT:8080 --update-parallelism 1 app:v1
show service ps web
echo; curl_all
show service inspect --pretty web

show service update --image app:v2 web
echo; curl_all
show service ps web

cat <<TXT

The cluster keeps running. Try:
  export ORCH_CLUSTER_NAME=$ORCH_CLUSTER_NAME ORCH_CLUSTER_NET=$ORCH_CLUSTER_NET
  deploy/cluster.sh orch 1 service ls
  deploy/cluster.sh orch 2 image ls          # node 2 got app:v1 and app:v2 from the managers (by digest)
  deploy/cluster.sh orch 1 service scale web=6
Remove everything with: deploy/demo.sh down
TXT
