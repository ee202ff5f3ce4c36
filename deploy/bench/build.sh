#!/usr/bin/env bash
# orch build against `buildah bud --layers` on the same 10-step Dockerfile and context, in one run (issue 4).
# Cold build (empty caches), then the fully cached rebuild, CLI to image ID (median of N runs).
# Goals: cached ≤ 0.15× buildah, cold ≤ 1.0× buildah. Prints each time and the ratio orch/buildah.
# Usage: deploy/bench/build.sh [N]   (default 5; needs root, buildah, out/bin from deploy/build.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="${1:-5}"
ORCH="$ROOT/out/bin/orch"
work="$(mktemp -d /tmp/orch-bench-XXXX)"
sock="unix://$work/orchd.sock"
B=(buildah --root "$work/buildah" --runroot "$work/buildah-run" --storage-driver overlay)
pid=""
cleanup() {
    set +e # best effort: one failing step (e.g. grep finding no mount) must not skip the rest
    [[ -n $pid ]] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
    "${B[@]}" rmi --all --force >/dev/null 2>&1 || true
    grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
# Its own bridge, subnet and cgroup parent: the bench may run next to tests and other daemons.
"$ROOT/out/bin/orchd" --host "$sock" --data-root "$work/data" --exec-root "$work/exec" --bridge orchbench0 \
    --subnet 10.199.251.0/24 --cgroup-parent orch-bench --cleanup-on-exit --log-file "$work/orchd.log" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -S $work/orchd.sock ]] && "$ORCH" -H "$sock" version >/dev/null 2>&1 && break; sleep 0.1; done
ORCH_HOST="$sock" ORCH="$ORCH" "$ROOT/deploy/images/busybox.sh" busybox:latest >/dev/null
"$ORCH" -H "$sock" save -o "$work/busybox.tar" busybox
"${B[@]}" pull -q "docker-archive:$work/busybox.tar" >/dev/null

ctx="$work/ctx"
mkdir -p "$ctx/src"
cat >"$ctx/Dockerfile" <<'DF'
FROM busybox
ARG VERSION=1
ENV APP_HOME=/app VERSION=$VERSION
WORKDIR /app
COPY deps.txt ./
RUN cp deps.txt installed.txt && echo installed
COPY . .
RUN ls -la > listing.txt
EXPOSE 8080
CMD ["sh"]
DF
echo "rack 1.0" >"$ctx/deps.txt"
for i in $(seq 20); do echo "file $i" >"$ctx/src/f$i.rb"; done

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ours() { "$ORCH" -H "$sock" build -q -t bench:latest "$ctx"; }
peer() { "${B[@]}" bud --layers --runtime /usr/sbin/runc --pull-never -q -t bench:latest "$ctx"; }

ours_cold=$(ms ours)
peer_cold=$(ms peer)
o=(); p=()
for _ in $(seq "$N"); do o+=("$(ms ours)"); p+=("$(ms peer)"); done
ours_cached=$(echo "${o[*]}" | median)
peer_cached=$(echo "${p[*]}" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "cold build, 10 steps:   orch ${ours_cold} ms, buildah ${peer_cold} ms, ratio $(ratio "$ours_cold" "$peer_cold") (goal <= 1.0)"
echo "cached rebuild (median of $N): orch ${ours_cached} ms, buildah ${peer_cached} ms, ratio $(ratio "$ours_cached" "$peer_cached") (goal <= 0.15)"
. "$ROOT/deploy/bench/result.sh"
result build.cold ms "$ours_cold" "$peer_cold" 'ratio<=1.0'
result build.cached ms "$ours_cached" "$peer_cached" 'ratio<=0.15'
