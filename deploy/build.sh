#!/usr/bin/env bash
# Builds orch and orchd (both NativeAOT) and the native launcher into out/bin, and the test projects.
# One step from a clean clone; everything else (README, CI, benchmarks) calls this.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/deploy/install-deps.sh"
mkdir -p out/bin out/lib
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The native launcher (clone → mounts → pivot_root → exec); see src/Orch.Engine/native/.
if [[ -d src/Orch.Engine/native ]]; then
    make -s -C src/Orch.Engine/native OUT="$ROOT/out/bin"
fi

dotnet build Orchestrator.sln -c Release -nologo -clp:ErrorsOnly -v:q
# orchd is NativeAOT as the CLI (memory: no JIT or IL images); a clean directory so no framework-dependent
# orchd.dll of an older build is left next to it.
rm -rf out/lib/orchd
dotnet publish src/Orch.Node/Orch.Node.csproj -c Release -r linux-x64 -nologo -clp:ErrorsOnly -v:q -o out/lib/orchd
# The load balancer's forwarding fast path (tc bpf program), next to orchd, which loads it; see src/Orch.LoadBalancer/native/.
make -s -C src/Orch.LoadBalancer/native OUT="$ROOT/out/lib/orchd"
ln -sfn ../lib/orchd/orchd out/bin/orchd
dotnet publish src/Orch.Cli/Orch.Cli.csproj -c Release -r linux-x64 -nologo -clp:ErrorsOnly -v:q -o out/lib/orch
install -m 0755 out/lib/orch/orch out/bin/orch
echo "build: out/bin/{orch,orchd$([[ -x out/bin/orch-launch ]] && echo ,orch-launch)} ready"
