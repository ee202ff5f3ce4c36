#!/usr/bin/env bash
# A real multi-node orch cluster on one machine: one orchd per network namespace, all on one test bridge.
#
#   deploy/cluster.sh up N [--managers M]   start N nodes; node 1 inits, nodes 2..M join as managers, the rest as workers
#   deploy/cluster.sh orch K ARGS...        run `orch ARGS...` against node K (its local socket)
#   deploy/cluster.sh addr K                node K's address (reachable from this machine through the bridge)
#   deploy/cluster.sh kill K                kill -9 of node K's orchd
#   deploy/cluster.sh stop K                SIGTERM, wait for it to exit
#   deploy/cluster.sh start K               start node K's orchd again on the same state
#   deploy/cluster.sh cut K | heal K        take node K's link down / up again (a real partition)
#   deploy/cluster.sh logs K                node K's orchd log
#   deploy/cluster.sh client CMD...         run CMD where the switch's own address is (the host, or the switch netns)
#   deploy/cluster.sh pid K                 node K's orchd PID (empty when it is not running)
#   deploy/cluster.sh down                  stop everything and remove all it made (idempotent)
#
# Layout: host bridge ${NAME}0 with ${NET}.254/24; node K in netns ${NAME}-nK, eth0 = ${NET}.K/24 (default route
# via the bridge address), veth ${NAME}-nK on the host side. Each orchd also runs in its own mount and UTS
# namespace: hostname nK, and a /sys mounted in its netns (so /sys/class/net shows its own interfaces) with the
# host's cgroup hierarchies bound back under /sys/fs/cgroup. Per node: state $STATE/nK (data root, log),
# runtime $RUN/nK (socket, exec root, pid file), cgroup parent orch-cluster-${NAME}-nK, container bridge orch0
# with subnet 10.88.K.0/24 (bridges and iptables are per netns; cgroups are global, hence the per-node parent).
#
# Environment (so that several clusters can run at once, e.g. one per test fixture):
#   ORCH_CLUSTER_NAME   instance name, [a-z0-9]{1,8} (default orchc)
#   ORCH_CLUSTER_NET    first three octets of the node network (default 10.77.0)
#   ORCH_CLUSTER_STATE  state directory (default /var/lib/orch-cluster/$NAME)
#   ORCH_CLUSTER_RUN    runtime directory (default /run/orch-cluster/$NAME)
#   ORCH_CLUSTER_TIMEOUT seconds to wait for a daemon or for all nodes Ready (default 90)
#   ORCH_CLUSTER_ORCHD_ARGS extra orchd flags for every node this command starts (up, start), e.g.
#                       "--node-memory 256MiB" for nodes that advertise less than the machine has
#   ORCH_CLUSTER_ORCHD_ARGS_K the same for node K only, instead of ORCH_CLUSTER_ORCHD_ARGS (e.g. _4 for node 4);
#                       both for the netns backend only
#   ORCH_BIN            where orch and orchd are (default out/bin; built by deploy/build.sh when missing)
#   ORCH_CLUSTER_SWITCH host (default) or netns: where the bridge between the nodes lives. host: on this machine,
#                       with ${NET}.254 reachable from it; bridged frames between nodes then also pass this
#                       machine's br_netfilter (its conntrack and iptables), which no real switch does. netns:
#                       in its own netns ${NAME}-sw with br_netfilter off there and ${NET}.254 on the bridge;
#                       this machine cannot reach the nodes, `client CMD` runs CMD in the switch netns (the
#                       load balancer bench uses it, so node-to-node forwarding is measured without that cost)
#   ORCH_CLUSTER_BACKEND netns (default) or compose: the nodes are docker-compose.test.yml's containers
#                       (see deploy/node-image/compose-backend.sh); every verb and the layout stay the same
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME=${ORCH_CLUSTER_NAME:-orchc}
NET=${ORCH_CLUSTER_NET:-10.77.0}
STATE=${ORCH_CLUSTER_STATE:-/var/lib/orch-cluster/$NAME}
RUN=${ORCH_CLUSTER_RUN:-/run/orch-cluster/$NAME}
TIMEOUT=${ORCH_CLUSTER_TIMEOUT:-90}
BIN=${ORCH_BIN:-$ROOT/out/bin}
BR="${NAME}0"
SWITCH=${ORCH_CLUSTER_SWITCH:-host}
SW="${NAME}-sw"
[[ $SWITCH == host || $SWITCH == netns ]] || { echo "cluster: ORCH_CLUSTER_SWITCH must be host or netns: '$SWITCH'" >&2; exit 1; }
PORT=2377
FWD_COMMENT="orch-cluster:$NAME"

die() { echo "cluster: $*" >&2; exit 1; }
say() { echo "cluster: $*" >&2; }

[[ $NAME =~ ^[a-z0-9]{1,8}$ ]] || die "ORCH_CLUSTER_NAME must be 1-8 of [a-z0-9] (interface names are at most 15 bytes): '$NAME'"
[[ $NET =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || die "ORCH_CLUSTER_NET must be three octets like 10.77.0: '$NET'"

ns() { echo "${NAME}-n$1"; }
veth() { echo "${NAME}-n$1"; }
addr() { echo "$NET.$1"; }
sock() { echo "$RUN/n$1/orchd.sock"; }
pidfile() { echo "$RUN/n$1/orchd.pid"; }
cgparent() { echo "orch-cluster-${NAME}-n$1"; }
orch() { local k=$1; shift; "$BIN/orch" -H "unix://$(sock "$k")" "$@"; }
# ip(8) where the bridge and the host ends of the node veths are.
swip() { if [[ $SWITCH == netns ]]; then ip -n "$SW" "$@"; else ip "$@"; fi; }

check_node() {
    [[ $1 =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= 253)) || die "node number must be 1..253: '$1'"
    nodes | grep -qx "$1" || die "node $1 does not exist in cluster $NAME (run 'up' first)"
}

need_root() { [[ $(id -u) -eq 0 ]] || die "run as root (network namespaces, bridges, cgroups)"; }

need_bin() {
    if [[ ! -x $BIN/orch || ! -x $BIN/orchd ]]; then
        [[ -z ${ORCH_BIN:-} ]] || die "$BIN has no orch/orchd"
        say "out/bin is missing: running deploy/build.sh"
        "$ROOT/deploy/build.sh" >&2
    fi
}

# The PID in node K's pid file if that process is still our orchd (guards against a recycled PID).
live_pid() {
    local f pid
    f=$(pidfile "$1")
    [[ -f $f ]] || return 1
    pid=$(<"$f")
    [[ -r /proc/$pid/cmdline ]] || return 1
    grep -qa -- "$(sock "$1")" "/proc/$pid/cmdline" 2>/dev/null || return 1
    [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
    echo "$pid"
}

wait_gone() {
    local pid=$1 secs=$2 i
    for ((i = 0; i < secs * 10; i++)); do
        [[ -d /proc/$pid ]] || return 0
        [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && return 0
        sleep 0.1
    done
    return 1
}

# Runs inside the node's namespaces before exec'ing orchd: see the header for why /sys is remounted.
# shellcheck disable=SC2016
NODE_INIT='set -e
hostname "$1"; cg="$2"; shift 2
mkdir -p "$cg"
mount --rbind /sys/fs/cgroup "$cg"
mount -t sysfs sysfs /sys
mount --rbind "$cg" /sys/fs/cgroup
umount -l "$cg"; rmdir "$cg"
exec "$@"'

start_node() {
    local k=$1 dir="$STATE/n$1" run="$RUN/n$1" pid i extra_var="ORCH_CLUSTER_ORCHD_ARGS_$1"
    local -a extra
    # Flags only (no spaces inside a value), split on whitespace.
    read -r -a extra <<<"${!extra_var-${ORCH_CLUSTER_ORCHD_ARGS:-}}"
    if pid=$(live_pid "$k"); then
        say "node $k already runs (pid $pid)"
        return 0
    fi
    mkdir -p "$dir/data" "$run"
    rm -f "$(sock "$k")"
    # Not a process-group leader (no job control in scripts), so setsid does not fork: $! is orchd's PID
    # (nsenter, unshare and sh all exec). stdio goes to a file so no caller's pipe is held open.
    setsid nsenter --net="/run/netns/$(ns "$k")" -- unshare --mount --uts --propagation private -- \
        /bin/sh -c "$NODE_INIT" node-init "n$k" "$run/.cgroup" \
        "$BIN/orchd" --host "unix://$(sock "$k")" --data-root "$dir/data" --exec-root "$run/exec" \
        --cgroup-parent "$(cgparent "$k")" --bridge orch0 --subnet "10.88.$k.0/24" \
        --log-file "$dir/orchd.log" --log-level "${ORCH_CLUSTER_LOG_LEVEL:-debug}" --cleanup-on-exit "${extra[@]}" \
        </dev/null >>"$dir/orchd.out" 2>&1 &
    pid=$!
    echo "$pid" >"$(pidfile "$k")"
    for ((i = 0; i < TIMEOUT * 10; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$dir/orchd.out" "$dir/orchd.log" >&2 2>/dev/null || true
            die "orchd of node $k exited during start"
        fi
        if [[ -S $(sock "$k") ]] && orch "$k" version >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    die "orchd of node $k did not answer 'orch version' within ${TIMEOUT}s (log: $dir/orchd.log)"
}

stop_node() {
    local k=$1 pid
    pid=$(live_pid "$k") || return 0
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "${2:-30}"; then
        say "node $k did not stop within ${2:-30}s of SIGTERM: kill -9"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 10 || die "node $k (pid $pid) does not die"
    fi
    rm -f "$(pidfile "$k")"
}

kill_node() {
    local k=$1 pid
    pid=$(live_pid "$k") || die "node $k is not running"
    kill -KILL "$pid"
    wait_gone "$pid" 10 || die "node $k (pid $pid) does not die"
    rm -f "$(pidfile "$k")"
}

setup_net() {
    if [[ $SWITCH == netns ]]; then
        ip netns add "$SW" 2>/dev/null || [[ -e /run/netns/$SW ]] || die "cannot create netns $SW"
        ip -n "$SW" link set lo up
        # A switch forwards frames; it does not conntrack or filter them.
        for t in iptables ip6tables arptables; do ip netns exec "$SW" sysctl -qw "net.bridge.bridge-nf-call-$t=0" 2>/dev/null || true; done
        if ! ip -n "$SW" link show "$BR" >/dev/null 2>&1; then
            ip -n "$SW" link add "$BR" type bridge
            ip -n "$SW" addr add "$NET.254/24" dev "$BR"
            ip -n "$SW" link set "$BR" up
        fi
        return 0
    fi
    if ip -4 route show | grep -q "^$NET\.0/24 "; then die "$NET.0/24 is already routed on this machine: pick another ORCH_CLUSTER_NET"; fi
    if ! ip link show "$BR" >/dev/null 2>&1; then
        ip link add "$BR" type bridge
        ip addr add "$NET.254/24" dev "$BR"
        ip link set "$BR" up
    fi
    # With br_netfilter loaded, bridged frames traverse the host's FORWARD chain; a DROP policy there
    # (as Docker sets) would cut the nodes off from each other.
    iptables -w -C FORWARD -i "$BR" -o "$BR" -m comment --comment "$FWD_COMMENT" -j ACCEPT 2>/dev/null ||
        iptables -w -I FORWARD 1 -i "$BR" -o "$BR" -m comment --comment "$FWD_COMMENT" -j ACCEPT
}

cut_node() { swip link set "$(veth "$1")" down; }
heal_node() { swip link set "$(veth "$1")" up; }

add_node_net() {
    local k=$1 n v
    n=$(ns "$k") v=$(veth "$k")
    ip netns add "$n"
    ip link add "$v" type veth peer name eth0 netns "$n"
    [[ $SWITCH == host ]] || ip link set "$v" netns "$SW"
    swip link set "$v" master "$BR" up
    ip -n "$n" link set lo up
    ip -n "$n" addr add "$(addr "$k")/24" dev eth0
    ip -n "$n" link set eth0 up
    ip -n "$n" route add default via "$NET.254"
}

# Nodes (numbers) that exist: every netns of this cluster.
nodes() {
    local f
    for f in /run/netns/"${NAME}"-n*; do
        [[ -e $f ]] || continue
        f=${f##*-n}
        [[ $f =~ ^[0-9]+$ ]] && echo "$f"
    done | sort -n
}

# Waits until node 1's `node ls` shows $1 nodes, all Ready.
wait_ready() {
    local want=$1 i out ready
    for ((i = 0; i < TIMEOUT * 2; i++)); do
        if out=$(orch 1 node ls 2>&1); then
            ready=$(awk 'NR > 1 && / Ready /' <<<"$out" | wc -l)
            if [[ $(($(wc -l <<<"$out") - 1)) -eq $want && $ready -eq $want ]]; then
                return 0
            fi
        fi
        sleep 0.5
    done
    die "not all $want nodes Ready within ${TIMEOUT}s; last 'node ls':
$out"
}

up() {
    local n="" m=1 engine_only=0 k token
    while (($#)); do
        case $1 in
            --managers) m=${2:?--managers needs a number}; shift 2 ;;
            --managers=*) m=${1#*=}; shift ;;
            --engine-only) engine_only=1; shift ;; # hidden: daemons and network only, no swarm
            *) [[ -z $n ]] || die "up takes one node count"; n=$1; shift ;;
        esac
    done
    [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 253)) || die "usage: up N [--managers M] (N = 1..253)"
    [[ $m =~ ^[0-9]+$ ]] && ((m >= 1 && m <= n)) || die "--managers must be 1..$n"
    need_root
    need_bin
    [[ -z $(nodes) ]] || die "cluster $NAME is already up (run 'down' first)"
    # Anything that fails from here on leaves state that 'down' removes.
    trap 'say "up failed: run \"$0 down\" to remove what was made"' ERR
    mkdir -p "$STATE" "$RUN"
    setup_net
    for ((k = 1; k <= n; k++)); do
        add_node_net "$k"
        start_node "$k"
    done
    if ((engine_only)); then
        say "$n engine-only nodes up"
        return 0
    fi
    orch 1 swarm init --advertise-addr "$(addr 1)" >/dev/null
    for ((k = 2; k <= n; k++)); do
        if ((k <= m)); then token=$(orch 1 swarm join-token -q manager); else token=$(orch 1 swarm join-token -q worker); fi
        orch "$k" swarm join --token "$token" --advertise-addr "$(addr "$k")" "$(addr 1):$PORT" >/dev/null
    done
    wait_ready "$n"
    say "$n nodes up ($m manager$( ((m == 1)) || echo s)); try: $0 orch 1 node ls"
}

# Node K's cgroup parent in every hierarchy: at the top of a hierarchy, or below orchd's own group (on hybrid
# machines the engine nests container groups under its own memory cgroup, as runc does), hence the search.
cgparent_dirs() {
    find /sys/fs/cgroup -maxdepth 5 -type d -name "$(cgparent "$1")" 2>/dev/null || true
}

# kill -9 of every process in node K's cgroup parent, then waits (up to 10 s) until the groups are empty.
kill_cgroup_procs() {
    local k=$1 i pids pid cg
    for ((i = 0; i < 100; i++)); do
        pids=$(for cg in $(cgparent_dirs "$k"); do find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null; done | sort -u)
        [[ -n $pids ]] || return 0
        for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
        sleep 0.1
    done
    say "node $k: processes left in its cgroups after kill -9: $pids"
}

# Removes everything this cluster made; works after a partial 'up' and when called twice.
down() {
    need_root
    local k pid n cg d
    for k in $(nodes); do
        # Containers first, so that orchd's exit cleanup finds its bridge free.
        if pid=$(live_pid "$k") && orch "$k" version >/dev/null 2>&1; then
            local ids
            ids=$(orch "$k" ps -aq 2>/dev/null || true)
            [[ -z $ids ]] || orch "$k" rm -f $ids >/dev/null 2>&1 || true
        fi
    done
    for k in $(nodes); do stop_node "$k" 30 & done
    wait
    for k in $(nodes); do
        n=$(ns "$k")
        # Processes left in the netns (containers of a node that was killed -9) were started by our orchd.
        for pid in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        # Bridge-mode containers have a netns of their own, so the loop above misses them; every process in the
        # node's cgroup parent is one of its containers (the parent is named after this cluster and node).
        kill_cgroup_procs "$k"
        ip link del "$(veth "$k")" 2>/dev/null || true
        ip netns del "$n" 2>/dev/null || true
        # Cgroups of a node killed -9 and never restarted (orchd removes its own on a clean exit).
        for cg in $(cgparent_dirs "$k"); do
            find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
        done
    done
    # Interfaces of nodes whose netns is already gone (a half-made node).
    for d in /sys/class/net/"${NAME}"-n*; do
        [[ -e $d ]] && ip link del "${d##*/}" 2>/dev/null || true
    done
    while iptables -w -D FORWARD -i "$BR" -o "$BR" -m comment --comment "$FWD_COMMENT" -j ACCEPT 2>/dev/null; do :; done
    ip link del "$BR" 2>/dev/null || true
    # The switch netns, with its bridge and the host ends of the veths (either layout: a cluster made with the other).
    ip netns del "$SW" 2>/dev/null || true
    rm -rf "$RUN" "$STATE"
    say "cluster $NAME down"
}

# The same verbs on docker-compose.test.yml's containers instead of network namespaces.
if [[ ${ORCH_CLUSTER_BACKEND:-netns} == compose ]]; then
    # shellcheck source=node-image/compose-backend.sh
    source "$ROOT/deploy/node-image/compose-backend.sh"
fi

cmd=${1:-}
shift || true
case $cmd in
    up) up "$@" ;;
    down) down ;;
    orch) check_node "${1:-}"; k=$1; shift; exec "$BIN/orch" -H "unix://$(sock "$k")" "$@" ;;
    addr) check_node "${1:-}"; addr "$1" ;;
    client) if [[ $SWITCH == netns ]]; then exec ip netns exec "$SW" "$@"; else exec "$@"; fi ;;
    pid) check_node "${1:-}"; live_pid "$1" || true ;;
    kill) need_root; check_node "${1:-}"; kill_node "$1" ;;
    stop) need_root; check_node "${1:-}"; stop_node "$1" ;;
    start) need_root; check_node "${1:-}"; need_bin; start_node "$1" ;;
    cut) need_root; check_node "${1:-}"; cut_node "$1" ;;
    heal) need_root; check_node "${1:-}"; heal_node "$1" ;;
    logs) check_node "${1:-}"; cat "$STATE/n$1/orchd.log" 2>/dev/null || die "node $1 has no log yet" ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
