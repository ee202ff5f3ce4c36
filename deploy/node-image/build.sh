#!/usr/bin/env bash
# Makes the orch-node:test image for docker-compose.test.yml without pulling anything:
#   1. orch-node-base: debootstrap (Debian mirror) of a minimal system with what orchd runs (ip, iptables,
#      busybox, the .NET runtime's native dependencies), imported with `docker import` (once; --rebase redoes it);
#   2. orch-node:test: that base plus out/bin, out/lib/orchd and this machine's .NET runtime.
# Needs: apt-get install -y docker.io docker-compose debootstrap (and deploy/build.sh for out/).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-$(sed -n 's/^deb \(http[^ ]*\) .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
[[ -x $ROOT/out/bin/orch && -x $ROOT/out/bin/orchd ]] || "$ROOT/deploy/build.sh"

if [[ ${1:-} == --rebase ]] || [[ -z $(docker image ls -q orch-node-base:latest) ]]; then
    rootfs=$(mktemp -d)
    trap 'rm -rf "$rootfs"' EXIT
    debootstrap --variant=minbase --include=iproute2,iptables,busybox-static,procps,ca-certificates,libssl3,libicu72,zlib1g,libstdc++6 \
        "$SUITE" "$rootfs" "$MIRROR"
    tar -C "$rootfs" -c . | docker import - orch-node-base:latest
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx" ${rootfs:+"$rootfs"}' EXIT
mkdir -p "$ctx/out/lib" "$ctx/out/bin" "$ctx/dotnet/shared"
cp -a "$ROOT/out/lib/orchd" "$ctx/out/lib/"
cp -a "$ROOT/out/bin/orch" "$ROOT/out/bin/orch-launch" "$ctx/out/bin/"
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$ctx/dotnet/"
cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$dotnet_root/shared/Microsoft.AspNetCore.App" "$ctx/dotnet/shared/"
docker build -t orch-node:test -f "$ROOT/deploy/node-image/Dockerfile" "$ctx"
echo "node-image: orch-node:test ready"
