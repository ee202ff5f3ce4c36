#!/usr/bin/env bash
# Container start, whole CLI round trip, side by side in one run:
#   orch run --rm --network none busybox true     vs   runc run of a bundle on the same busybox rootfs
#   orch run --rm busybox true (bridge network)   vs   the same runc run
# Prints both ratios (target: ≤ 1.0 with none, ≤ 1.5 with bridge) and orchd's idle RSS (target < 60 MB).
# Needs root. Usage: deploy/bench/container-start.sh [RUNS]   (default 50)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUNS="${1:-50}"
[[ $(id -u) -eq 0 ]] || { echo "container-start: needs root" >&2; exit 1; }
for tool in runc hyperfine; do
    command -v "$tool" >/dev/null || { apt-get install -y -qq "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }; }
done
[[ -x $ROOT/out/bin/orch && -x $ROOT/out/bin/orch-launch ]] || "$ROOT/deploy/build.sh"

work="$(mktemp -d /tmp/orch-bench-XXXXXX)"
sock="$work/orchd.sock"
orchd_pid=
cleanup() {
    if [[ -n $orchd_pid ]]; then
        for id in $("$ROOT/out/bin/orch" -H "unix://$sock" ps -aq 2>/dev/null); do
            "$ROOT/out/bin/orch" -H "unix://$sock" rm -f "$id" >/dev/null 2>&1 || true
        done
        kill "$orchd_pid" 2>/dev/null && wait "$orchd_pid" 2>/dev/null || true
    fi
    runc --root "$work/runc" delete -f orch-bench >/dev/null 2>&1 || true
    grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# A daemon of its own: bridge orchb0 on a subnet tests do not use, its own cgroup parent.
"$ROOT/out/bin/orchd" --host "unix://$sock" --data-root "$work/data" --exec-root "$work/exec" \
    --bridge orchb0 --subnet 10.198.0.0/24 --cgroup-parent orch-bench --cleanup-on-exit --log-file "$work/orchd.log" --log-level warn \
    >/dev/null 2>&1 &
orchd_pid=$!
export ORCH_HOST="unix://$sock"
for _ in $(seq 100); do "$ROOT/out/bin/orch" version >/dev/null 2>&1 && break; sleep 0.1; done
"$ROOT/deploy/images/busybox.sh" busybox:latest >/dev/null

# The runc bundle gets a copy of the very layer orch's containers use.
cid=$("$ROOT/out/bin/orch" create --network none busybox true)
layer=$("$ROOT/out/bin/orch" inspect "$cid" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["GraphDriver"]["Data"]["LowerDir"])')
"$ROOT/out/bin/orch" rm "$cid" >/dev/null
mkdir -p "$work/bundle"
cp -a "$layer" "$work/bundle/rootfs"
(cd "$work/bundle" && runc spec)
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
json.dump(c, open(p, "w"), indent=2)
PY

orch="$ROOT/out/bin/orch -H unix://$sock"
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$work/result.json" \
    -n "orch run --rm --network none" "$orch run --rm --network none busybox true" \
    -n "orch run --rm (bridge)" "$orch run --rm busybox true" \
    -n "runc run" "runc --root $work/runc run -b $work/bundle orch-bench"

sleep 2
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$orchd_pid/status")
python3 - "$work/result.json" "$rss_kb" "$work/numbers" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
runc = r["runc run"]
none, bridge = r["orch run --rm --network none"], r["orch run --rm (bridge)"]
print(f"\norch (none)   {none*1000:7.1f} ms   ratio vs runc {none/runc:.2f}  (target <= 1.0)")
print(f"orch (bridge) {bridge*1000:7.1f} ms   ratio vs runc {bridge/runc:.2f}  (target <= 1.5)")
print(f"runc          {runc*1000:7.1f} ms")
print(f"orchd idle RSS {int(sys.argv[2])/1024:.1f} MB (target < 60 MB)")
with open(sys.argv[3], "w") as f:
    f.write(f"{none*1000:.1f} {bridge*1000:.1f} {runc*1000:.1f} {int(sys.argv[2])/1024:.1f}\n")
PY
read -r none_ms bridge_ms runc_ms rss_mb <"$work/numbers"
. "$ROOT/deploy/bench/result.sh"
result container-start.none ms "$none_ms" "$runc_ms" 'ratio<=1.0'
result container-start.bridge ms "$bridge_ms" "$runc_ms" 'ratio<=1.5'
result orchd.idle-rss MB "$rss_mb" - 'orch<60'
