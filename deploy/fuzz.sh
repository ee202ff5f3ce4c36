#!/usr/bin/env bash
# Longer fuzzing of the parsers than CI's few seconds a target (tests/Orch.Fuzz.Tests, CsCheck): every
# property of a target runs for --seconds N on random and grammar-shaped inputs; a failure prints the
# shrunk input and its seed (replay: ORCH_FUZZ_SEED=<seed> deploy/fuzz.sh TARGET).
# Targets: image-reference dockerfile oci layer-tar join-token constraint cli (default: all).
# libFuzzer through SharpFuzz is not used: it needs the libfuzzer-dotnet driver, which is not packaged here.
# Usage: deploy/fuzz.sh [--seconds N] [TARGET...]      (layer-tar needs root)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
seconds=60
targets=()
while (($#)); do
    case $1 in
        --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
        --seconds=*) seconds=${1#*=}; shift ;;
        -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "fuzz: --seconds takes a whole number of seconds: '$seconds'" >&2; exit 2; }
declare -A class=(
    [image-reference]=ImageReferenceFuzzTests [dockerfile]=DockerfileFuzzTests [oci]=OciFuzzTests
    [layer-tar]=LayerTarFuzzTests [join-token]=JoinTokenFuzzTests [constraint]=ConstraintFuzzTests [cli]=CliParserFuzzTests
)
filter=""
for t in "${targets[@]}"; do
    [[ -n ${class[$t]:-} ]] || { echo "fuzz: unknown target '$t' (one of: ${!class[*]})" >&2; exit 2; }
    filter+="${filter:+|}FullyQualifiedName~Orch.Fuzz.Tests.${class[$t]}"
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 ORCH_FUZZ_SECONDS=$seconds
dotnet build tests/Orch.Fuzz.Tests -c Release -nologo -clp:ErrorsOnly -v:q
exec dotnet test tests/Orch.Fuzz.Tests -c Release --no-build -nologo --logger "console;verbosity=normal" ${filter:+--filter "$filter"}
