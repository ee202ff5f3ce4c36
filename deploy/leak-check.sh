#!/usr/bin/env bash
# What a test run (or a daemon, a demo, a cluster) of orch left on this machine: processes, mounts, cgroups,
# network interfaces, network namespaces and iptables rules. deploy/test.sh runs it after every test project
# and counts it as one test. Prints one "leak: KIND what" line per leftover and exits 1 if there is any;
# prints "leak check: nothing of orch left" and exits 0 otherwise. Needs root (iptables, /proc of others).
#
# "Of orch" means the names orch and its tests give things (tests/Orch.Testing/TestDaemon.cs, TestCluster.cs,
# deploy/cluster.sh, src/Orch.Engine/Network): binaries orchd, orch, orch-launch; paths and cgroups named
# orch*; bridges orch*/NAME0, container veths veth<8 hex>, cluster netns and veths NAME-nK; iptables chains
# ORCH-* and comments orch:… / orch-cluster:…. The same rules as tests/Orch.Testing/LeakCheck.cs uses for mounts.
set -uo pipefail
leaks=0
leak() { echo "leak: $*"; leaks=$((leaks + 1)); }

# Processes: by executable, so a shell or editor with "orch" in its arguments is not one.
for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    case "${exe##*/}" in
        orchd|orch|orch-launch) leak "process ${p#/proc/} $exe $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | cut -c1-120)" ;;
    esac
done
# orchd published framework-dependent runs as "dotnet …/orchd.dll".
for p in /proc/[0-9]*; do
    # A process may end between the glob and the read: the redirection's own error is silenced too.
    cmd=$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
    [[ $cmd == *"/orchd.dll"* ]] && leak "process ${p#/proc/} $(cut -c1-120 <<<"$cmd")"
done

# Mounts: any mount point with a path component named orch* (data roots, exec roots, overlays, netns files).
while read -r m; do leak "mount $m"; done < <(awk '{ gsub(/\\040/, " ", $5); print $5 }' /proc/self/mountinfo | grep -E '/orch[^/]*(/|$)')

# Cgroups (v1 controllers, hybrid and v2): directories named orch* down to the depth orchd nests them.
if [[ -d /sys/fs/cgroup ]]; then
    while read -r d; do leak "cgroup $d"; done < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 5 -type d -name 'orch*' -prune 2>/dev/null)
fi

# Interfaces: orch bridges, container veths (veth + 8 hex, BridgeNetworkDriver), cluster veths NAME-nK.
while read -r ifname; do
    if [[ $ifname =~ ^orch || $ifname =~ ^veth[0-9a-f]{8}$ || $ifname =~ ^[a-z0-9]{1,8}-n[0-9]+$ ]]; then
        leak "interface $ifname"
    fi
done < <(ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }')

# Network namespaces: deploy/cluster.sh names them NAME-nK.
while read -r n _; do
    [[ $n =~ ^[a-z0-9]{1,8}-(n[0-9]+|sw)$ || $n =~ ^orch ]] && leak "netns $n"
done < <(ip netns list 2>/dev/null)

# iptables (every table): orch's chains and rules carry ORCH- or an orch comment.
if command -v iptables-save >/dev/null; then
    while read -r rule; do leak "iptables $rule"; done < <(iptables-save 2>/dev/null | grep -E 'ORCH-|"?orch(-cluster)?:' | grep -v '^#')
fi

if ((leaks > 0)); then
    echo "leak check: $leaks leftover(s) of orch on this machine"
    exit 1
fi
echo "leak check: nothing of orch left"
