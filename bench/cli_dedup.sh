#!/bin/sh
# Incremental adding through the CLI at a large store: `reprint dedup --store COPY --follow -
# --commit-items 1000 < ITEMS.jsonl > /dev/null` on a fresh copy of a store of FROM items (made
# once with `bench_dedup FROM 1000 STORE`, a few minutes at 900,000), adding ITEMS new items
# (`bench_dedup --jsonl ITEMS FROM`, the items bench_dedup itself would add next). Each run
# copies the store, syncs, then times the CLI: items/s over the wall time and over its CPU time
# (user + system), with /proc/pressure/cpu's avg10 before the run (a shared machine: read the
# wall figure beside it). Several programs (a build before and after a change) take turns, run
# after run, so the load falls on each alike; the median of each is printed at the end. Every
# run's verdicts must equal the first run's (byte for byte), or the script stops.
#
#   sh bench/cli_dedup.sh BENCH_DEDUP STORE [ITEMS [FROM [RUNS]]] -- REPRINT...
#   sh bench/cli_dedup.sh build/bench/bench_dedup /work/meas/store-900k 100000 900000 3 -- \
#       /tmp/before/build/reprint build/reprint
# Extra dedup options for every run: RP_CLI_DEDUP_ARGS (e.g. "--threads 1").
set -eu
usage() { echo "usage: cli_dedup.sh BENCH_DEDUP STORE [ITEMS [FROM [RUNS]]] -- REPRINT..." >&2; exit 2; }
[ $# -ge 2 ] || usage
BENCH=$1
STORE=$2
shift 2
# the numbers left out end at "--" (${3:-100000} took "--" itself for ITEMS)
ITEMS=100000 FROM=900000 RUNS=3
[ $# -gt 0 ] && [ "$1" != "--" ] && ITEMS=$1 && shift
[ $# -gt 0 ] && [ "$1" != "--" ] && FROM=$1 && shift
[ $# -gt 0 ] && [ "$1" != "--" ] && RUNS=$1 && shift
if [ $# -lt 2 ] || [ "$1" != "--" ]; then usage; fi
shift
for n in "$ITEMS" "$FROM" "$RUNS"; do
    case $n in '' | *[!0-9]*) echo "cli_dedup.sh: '$n' is not a whole number" >&2; exit 2 ;; esac
done
work=$(mktemp -d "${TMPDIR:-/tmp}/cli-dedup-XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ ! -d "$STORE" ]; then
    echo "making the store $STORE: $FROM items" >&2
    "$BENCH" "$FROM" 1000 "$STORE" > "$work/make.log"
fi
items=$STORE.items-$FROM-$ITEMS.jsonl # kept beside the store for the next runs
if [ ! -s "$items" ]; then # written whole or not at all (a part would be taken next time)
    "$BENCH" --jsonl "$ITEMS" "$FROM" > "$items.tmp"
    mv "$items.tmp" "$items"
fi
pressure() { sed -n 's/^some avg10=\([0-9.]*\).*/\1/p' /proc/pressure/cpu 2> /dev/null || echo -; }
i=0
while [ "$i" -lt "$RUNS" ]; do
    i=$((i + 1))
    p=0
    for bin in "$@"; do
        p=$((p + 1))
        rm -rf "$work/copy"
        cp -r "$STORE" "$work/copy"
        sync
        load=$(pressure)
        # shellcheck disable=SC2086 # the extra options are words
        /usr/bin/time -f "%e %U %S" -o "$work/time" "$bin" dedup --store "$work/copy" \
            --follow - --commit-items 1000 ${RP_CLI_DEDUP_ARGS:-} < "$items" > "$work/out"
        read -r wall user sys < "$work/time"
        n=$(wc -l < "$work/out")
        [ "$n" -eq "$ITEMS" ] || { echo "$bin: $n verdicts of $ITEMS" >&2; exit 1; }
        if [ -f "$work/first" ]; then # every run answers alike
            cmp -s "$work/first" "$work/out" || { echo "$bin: verdicts differ from the first run's" >&2; exit 1; }
        else
            mv "$work/out" "$work/first"
        fi
        echo "$wall $user $sys" | awk -v n="$ITEMS" -v b="$bin" -v r="$i" -v l="$load" \
            '{ printf "run %s %s: %.0f items/s wall (%.2f s), %.0f items/s cpu (%.2f s), cpu pressure avg10 %s\n", r, b, n / $1, $1, n / ($2 + $3), $2 + $3, l }'
        echo "$wall $user $sys" >> "$work/all-$p"
    done
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
p=0
for bin in "$@"; do
    p=$((p + 1))
    wall=$(cut -d' ' -f1 "$work/all-$p" | median)
    cpu=$(awk '{ print $2 + $3 }' "$work/all-$p" | median)
    echo "$bin: median of $RUNS: $(awk -v n="$ITEMS" -v w="$wall" 'BEGIN { printf "%.0f", n / w }') items/s wall ($wall s), $(awk -v n="$ITEMS" -v c="$cpu" 'BEGIN { printf "%.0f", n / c }') items/s cpu ($cpu s)"
done
