# Sourced by the benchmarks in deploy/bench/: prints the machine-readable line deploy/bench/report.sh collects
# (format in deploy/bench/README.md), after the bench's own human-readable lines.
#
#   result METRIC UNIT ORCH ANCHOR GOAL
#     METRIC  a stable name, [a-z0-9.-]+ (e.g. container-start.none)
#     UNIT    of ORCH and ANCHOR (ms, s, MB, writes/s)
#     ORCH    orch's number
#     ANCHOR  the anchor's number in the same run and unit, or - (none: the goal is on ORCH itself)
#     GOAL    ratio<=1.0 | ratio<1 | orch<60 | orch>=100 ... (<, <=, >, >=), or - (reported, no goal)
# ratio = ORCH / ANCHOR (or - without an anchor); met = yes | no | n/a (no goal).
result() {
    local metric=$1 unit=$2 orch=${3:--} anchor=${4:--} goal=$5 ratio=- met=n/a
    # A number the bench could not measure (or parse) is "-" and never meets a goal.
    if [[ $anchor != - && $orch != - ]]; then
        ratio=$(awk -v o="$orch" -v a="$anchor" 'BEGIN { if (a == 0) print "-"; else printf "%.2f", o / a }')
    fi
    if [[ $goal != - ]]; then
        local subject=${goal%%[<>]*} rest op limit value
        rest=${goal#"$subject"}
        op=${rest%%[0-9.]*}
        limit=${rest#"$op"}
        value=$([[ $subject == ratio ]] && echo "$ratio" || echo "$orch")
        [[ $orch == - ]] && value=-
        met=$(awk -v v="$value" -v l="$limit" -v op="$op" 'BEGIN {
            if (v == "-") { print "no"; exit }
            ok = (op == "<=") ? v <= l : (op == "<") ? v < l : (op == ">=") ? v >= l : v > l
            print ok ? "yes" : "no" }')
    fi
    echo "RESULT metric=$metric unit=$unit orch=$orch anchor=$anchor ratio=$ratio goal=$goal met=$met"
}
