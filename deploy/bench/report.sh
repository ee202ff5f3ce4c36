#!/usr/bin/env bash
# Runs every side-by-side benchmark in deploy/bench/ one after the other (they measure time, so never in
# parallel) and prints one table: metric, orch, anchor, ratio, goal, met. Each bench keeps its own output
# in out/bench/NAME.log; the table is built from the RESULT lines they print (format: deploy/bench/README.md).
# A bench that is not there yet gets a "not present" row, one that fails a "FAILED" row; the last line
# counts the goals met. Exit 0 when every bench ran (goals missed are reported, not errors), 1 otherwise.
# Usage: deploy/bench/report.sh [NAME...]   (default: all of them, in the order below)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH="$ROOT/deploy/bench"
LOGS="$ROOT/out/bench"
mkdir -p "$LOGS"
ALL=(container-start registry build raft-write scheduler cluster-failover services loadbalancer)
names=("$@")
((${#names[@]})) || names=("${ALL[@]}")

rows=()      # "metric|unit|orch|anchor|ratio|goal|met"
failed=0
for name in "${names[@]}"; do
    script="$BENCH/$name.sh"
    if [[ ! -x $script && ! -f $script ]]; then
        rows+=("$name|-|-|-|-|-|not present")
        continue
    fi
    echo "report: running $name (log: out/bench/$name.log)" >&2
    start=$(date +%s)
    bash "$script" >"$LOGS/$name.log" 2>&1
    rc=$?
    echo "report: $name finished in $(($(date +%s) - start)) s (exit $rc)" >&2
    found=0
    while read -r line; do
        declare -A f=()
        for kv in ${line#RESULT }; do f[${kv%%=*}]=${kv#*=}; done
        rows+=("${f[metric]:-?}|${f[unit]:--}|${f[orch]:--}|${f[anchor]:--}|${f[ratio]:--}|${f[goal]:--}|${f[met]:-no}")
        found=$((found + 1))
        unset f
    done < <(grep '^RESULT ' "$LOGS/$name.log")
    if ((rc != 0)); then
        rows+=("$name|-|-|-|-|-|FAILED (exit $rc, see out/bench/$name.log)")
        failed=$((failed + 1))
    elif ((found == 0)); then
        rows+=("$name|-|-|-|-|-|no RESULT line (see out/bench/$name.log)")
        failed=$((failed + 1))
    fi
done

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-44s %12s %12s %7s %-12s %s\n' METRIC ORCH ANCHOR RATIO GOAL MET
goals=0 met=0
for row in "${rows[@]}"; do
    IFS='|' read -r metric unit orch anchor ratio goal ok <<<"$row"
    [[ $unit != - && $orch != - ]] && orch="$orch $unit"
    [[ $unit != - && $anchor != - ]] && anchor="$anchor $unit"
    printf '%-44s %12s %12s %7s %-12s %s\n' "$metric" "$orch" "$anchor" "$ratio" "$goal" "$ok"
    if [[ $goal != - ]]; then
        goals=$((goals + 1))
        [[ $ok == yes ]] && met=$((met + 1))
    fi
done
echo "$met of $goals goals met; $failed bench(es) failed"
((failed == 0))
