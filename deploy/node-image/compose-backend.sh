# shellcheck shell=bash
# cluster.sh's compose backend (ORCH_CLUSTER_BACKEND=compose), sourced by deploy/cluster.sh: the nodes are the
# privileged containers n1..n5 of docker-compose.test.yml instead of network namespaces. Everything else is
# the same: the same addresses (ORCH_CLUSTER_NET.K, bridge address .254), the same state and runtime layout
# (the containers bind-mount $STATE/nK and $RUN/nK, so the host's `orch -H unix://$RUN/nK/orchd.sock` and
# `cluster.sh logs K` work unchanged), the same swarm init/join steps in `up`, the same verbs.
# kill = docker kill -s KILL (orchd is the container's PID 1), cut/heal = docker network disconnect/connect.

export ORCH_CLUSTER_NAME=$NAME ORCH_CLUSTER_NET=$NET ORCH_CLUSTER_STATE=$STATE ORCH_CLUSTER_RUN=$RUN
COMPOSE=(docker compose -f "$ROOT/docker-compose.test.yml" -p "$NAME")
command -v docker >/dev/null || die "the compose backend needs docker (apt-get install docker.io docker-compose)"

container() { "${COMPOSE[@]}" ps -a -q "n$1"; }

nodes() {
    "${COMPOSE[@]}" ps -a --format '{{.Service}}' 2>/dev/null | sed -n 's/^n\([0-9]\+\)$/\1/p' | sort -n
}

live_pid() {
    local c pid
    c=$(container "$1") && [[ -n $c ]] || return 1
    pid=$(docker inspect -f '{{if .State.Running}}{{.State.Pid}}{{end}}' "$c")
    [[ -n $pid ]] && echo "$pid"
}

setup_net() { :; } # the compose file's network (gateway .254, as the netns backend's bridge)

add_node_net() { mkdir -p "$STATE/n$1" "$RUN/n$1"; }

start_node() {
    local k=$1 i v="ORCH_CLUSTER_ORCHD_ARGS_$1"
    [[ -z ${ORCH_CLUSTER_ORCHD_ARGS:-}${!v:-} ]] || die "ORCH_CLUSTER_ORCHD_ARGS: extra orchd flags are for the netns backend only"
    add_node_net "$k"
    (($(docker image ls -q orch-node:test | wc -l))) || die "no orch-node:test image: run deploy/node-image/build.sh"
    "${COMPOSE[@]}" up -d --no-recreate "n$k" >&2
    for ((i = 0; i < TIMEOUT * 10; i++)); do
        [[ -S $(sock "$k") ]] && orch "$k" version >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "orchd of node $k did not answer 'orch version' within ${TIMEOUT}s (docker compose -p $NAME logs n$k)"
}

stop_node() { "${COMPOSE[@]}" stop -t "${2:-30}" "n$1" >&2; }

kill_node() { "${COMPOSE[@]}" kill -s KILL "n$1" >&2; }

cut_node() { docker network disconnect -f "${NAME}_orchnet" "$(container "$1")"; }

heal_node() { docker network connect --ip "$(addr "$1")" "${NAME}_orchnet" "$(container "$1")"; }

down() {
    need_root
    "${COMPOSE[@]}" down -v -t 30 >&2 || true
    rm -rf "$RUN" "$STATE"
    say "cluster $NAME down"
}
