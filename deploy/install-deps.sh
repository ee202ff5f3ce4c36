#!/usr/bin/env bash
# Installs (idempotently) the Debian packages orch needs to build and to run its tests.
# Safe to run again: it only installs what is missing.
set -euo pipefail
PKGS=(clang libbpf-dev zlib1g-dev gcc libc6-dev iproute2 ethtool iptables busybox-static procps util-linux docker-registry skopeo umoci buildah runc wrk bc curl)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}"
    if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "install-deps: the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }
