#!/usr/bin/env bash
# Push and pull of a 100 MiB single-layer image and of a busybox image, orch against skopeo copy, to the same
# local docker-registry in one run (issue 3's anchor: skopeo ≈ 680 ms push, ≈ 490 ms pull for 100 MiB).
# Prints each time and the ratio orch/skopeo. Pulls are timed PULL_RUNS times each (default 11, alternating orch and
# skopeo, each into an empty store) and the medians compared: a single ~70 ms sample swung ±30 % between runs on 2
# noisy cores. orch's pulls go to a running daemon whose store `orch rmi` emptied (checked: no blob, no snapshot
# left), as a node's long-lived orchd pulls; its very first pull after start (cold code paths, first connection)
# is printed beside them but not compared. skopeo is a new process each time, as it always is, into a new OCI dir.
# Usage: deploy/bench/registry.sh [MiB]   (default 100; needs root, out/bin from deploy/build.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MIB="${1:-100}"
PULL_RUNS="${PULL_RUNS:-11}"
ORCH="$ROOT/out/bin/orch"
work="$(mktemp -d /tmp/orch-bench-XXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))
cat >"$work/registry.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
YML
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 & pids+=($!)
# Daemons of their own (bridge, subnet, cgroup parent no test uses), which remove their bridge and rules when stopped.
declare -A daemon_pid
start_daemon() { # NAME SUBNET-INDEX
    rm -f "$work/$1.sock"
    "$ROOT/out/bin/orchd" --host "unix://$work/$1.sock" --data-root "$work/$1" --exec-root "$work/$1-exec" \
        --bridge "orchr${1}0" --subnet "10.197.$2.0/24" --cgroup-parent "orch-bench-reg$1" --cleanup-on-exit >/dev/null 2>&1 &
    pids+=($!); daemon_pid[$1]=$!
    for _ in $(seq 100); do [[ -S $work/$1.sock ]] && "$ORCH" -H "unix://$work/$1.sock" version >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "registry: orchd $1 did not start" >&2; exit 1
}
# Empties the pulling daemon b's store after a pull: every timed pull fetches and unpacks everything.
empty_b() {
    "$ORCH" -H "unix://$work/b.sock" rmi "$1" >/dev/null
    local left
    left=$(find "$work/b/blobs" "$work/b/snapshots" -mindepth 2 -maxdepth 2 2>/dev/null | grep -cv '/ingest/\|/\.tmp' || true)
    [[ $left -eq 0 ]] || { echo "registry: rmi left $left entries in b's store; pulls would not be comparable" >&2; find "$work/b/blobs" "$work/b/snapshots" -mindepth 2 -maxdepth 2 >&2; exit 1; }
}
start_daemon a 1
start_daemon b 2
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done

# The big image: one layer of incompressible data (random bytes), gzip as registries usually store layers.
# The small one: busybox as its image ships it (one binary, a hardlink per applet).
mkdir -p "$work/rootfs" "$work/small/bin"
head -c "$((MIB << 20))" /dev/urandom >"$work/rootfs/blob"
tar -C "$work/rootfs" -cf - . | gzip -1 >"$work/big.tar.gz"
cp /usr/bin/busybox "$work/small/bin/busybox"
for applet in $(busybox --list); do [[ -e $work/small/bin/$applet ]] || ln "$work/small/bin/busybox" "$work/small/bin/$applet"; done
tar -C "$work/small" -cf - . | gzip >"$work/small.tar.gz"
for name in big small; do
    "$ORCH" -H "unix://$work/a.sock" import "$work/$name.tar.gz" "127.0.0.1:$port/bench/$name:v1" >/dev/null
    "$ORCH" -H "unix://$work/a.sock" save -o "$work/$name.tar" "127.0.0.1:$port/bench/$name:v1"
done

# A failed transfer must not pass for a fast one: its output goes to stderr and the bench stops.
# Each step starts from a clean page cache (sync first): otherwise the step right after import/save (orch's)
# pays for writing back their ~500 MiB of dirty pages and skopeo, measured last, does not.
ms() { local s e; sync; s=$(date +%s%N); "$@" >"$work/out.txt" 2>&1 || { echo "FAILED: $*" >&2; cat "$work/out.txt" >&2; exit 1; }; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
. "$ROOT/deploy/bench/result.sh"
# bench NAME LABEL METRIC: push and pull of bench/NAME:v1 by orch, then the same by skopeo (to bench/NAME-skopeo).
bench() {
    local name=$1 label=$2 metric=$3 img="127.0.0.1:$port/bench/$1:v1" orch_push orch_pull skopeo_push skopeo_pull
    local -a op sp
    local first
    orch_push=$(ms "$ORCH" -H "unix://$work/a.sock" push "$img")
    skopeo_push=$(ms skopeo copy -q --dest-tls-verify=false "oci-archive:$work/$name.tar" "docker://127.0.0.1:$port/bench/$name-skopeo:v1")
    first=$(ms "$ORCH" -H "unix://$work/b.sock" pull "$img")
    empty_b "$img"
    for ((k = 1; k <= PULL_RUNS; k++)); do
        op+=("$(ms "$ORCH" -H "unix://$work/b.sock" pull "$img")")
        empty_b "$img"
        rm -rf "$work/pulled-$name"
        sp+=("$(ms skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$port/bench/$name-skopeo:v1" "oci:$work/pulled-$name:v1")")
    done
    orch_pull=$(median "${op[@]}"); skopeo_pull=$(median "${sp[@]}")
    echo "push $label: orch ${orch_push} ms, skopeo ${skopeo_push} ms, ratio $(ratio "$orch_push" "$skopeo_push")"
    echo "pull $label (median of $PULL_RUNS): orch ${orch_pull} ms (includes unpacking; ${op[*]}), skopeo ${skopeo_pull} ms (no unpacking; ${sp[*]}), ratio $(ratio "$orch_pull" "$skopeo_pull"); orch's first pull after daemon start ${first} ms"
    result "registry.push-$metric" ms "$orch_push" "$skopeo_push" 'ratio<=1.0'
    result "registry.pull-$metric" ms "$orch_pull" "$skopeo_pull" 'ratio<=1.0'
}
bench big "${MIB} MiB" "${MIB}mib"
bench small busybox busybox
