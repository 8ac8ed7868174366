#!/bin/sh
# Wall time, CPU time and peak RSS of `reprint scan` on one corpus, RUNS times, with the
# median of each; the load average before each run is printed with it (this benchmark means
# little on a loaded machine). The JSON report is written to a file in a temporary directory,
# as a user's -o would write it.
#
#   sh bench/speed.sh BUILD/reprint CORPUS_DIR [RUNS] [scan options...]
#   sh bench/speed.sh build/reprint bench/out/100MB/docs 5 --threads 2
set -eu
BIN=$1
CORPUS=$2
RUNS=${3:-3}
[ $# -ge 3 ] && shift 3 || shift $#
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
i=0
while [ "$i" -lt "$RUNS" ]; do
    i=$((i + 1))
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f "%e %U %S %M" -o "$out/time" "$BIN" scan --format json -o "$out/report.json" \
        "$@" "$CORPUS"
    read -r wall user sys rss < "$out/time"
    echo "run $i: wall $wall s, user $user s, sys $sys s, peak $((rss / 1024)) MB, load before $load"
    echo "$wall $user $sys $rss" >> "$out/all"
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf 'median of %s: wall %s s, cpu %s s, peak %s MB\n' "$RUNS" \
    "$(cut -d' ' -f1 "$out/all" | median)" \
    "$(awk '{ print $2 + $3 }' "$out/all" | median)" \
    "$(awk '{ printf "%d\n", $4 / 1024 }' "$out/all" | median)"
