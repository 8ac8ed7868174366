#!/bin/sh
# bench/mpi-budget.sh BIN CORPUS BUDGET [RANKS]
# Issue 19's budget target: CORPUS scanned by one process under --memory BUDGET (it must spill
# or stop), then by RANKS ranks (default 4, oversubscribed) under --memory BUDGET each (none may
# stop), and the two reports compared. For each run: exit status, wall time, user+sys, peak
# RSS of every process and the bytes it wrote (/usr/bin/time -v's "File system outputs", 512
# bytes each: under --memory the text goes to a temporary file, one process's spilled
# fingerprints too, and rank 0 or the one process writes the report; the temporary files are
# unlinked as soon as made, so their directory shows nothing). Work files in
# bench/out/mpi-budget/.
set -u
BIN=$1 CORPUS=$2 BUDGET=$3 RANKS=${4:-4}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/out/mpi-budget
rm -rf "$OUT"
mkdir -p "$OUT/tmp-one" "$OUT/tmp-ranks"
written() { grep -h "File system outputs" "$@" | awk -F': ' '{s += $2 * 512} END {printf "%.0f", s}'; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "corpus $CORPUS: $(du -sb "$CORPUS" | cut -f1) bytes; --memory $BUDGET; $(nproc) cores; $(uptime)"

field() { name=$1; shift; grep -h "$name" "$@" | awk -F': ' '{print $2}'; }

start=$(date +%s)
/usr/bin/time -v -o "$OUT/one.time" "$BIN" scan --format json --memory "$BUDGET" \
    --tmp-dir "$OUT/tmp-one" -o "$OUT/one.json" "$CORPUS" 2> "$OUT/one.err"
rc=$?
end=$(date +%s)
echo "one process: exit $rc, wall $((end - start)) s, user+sys $(echo "$(field 'User time' "$OUT/one.time") $(field 'System time' "$OUT/one.time")" | awk '{print $1 + $2}') s, peak $(field 'Maximum resident set size' "$OUT/one.time") KB, wrote $(written "$OUT/one.time") bytes"
sed 's/^/  one: /' "$OUT/one.err" | tail -3

start=$(date +%s)
mpirun --oversubscribe -np "$RANKS" sh -c \
    'exec 2> "${0%.time}.err.$OMPI_COMM_WORLD_RANK"; /usr/bin/time -v -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' \
    "$OUT/rank.time" "$BIN" scan --format json --threads 1 --memory "$BUDGET" \
    --tmp-dir "$OUT/tmp-ranks" -o "$OUT/ranks.json" "$CORPUS"
rc=$?
end=$(date +%s)
cpu=$(for f in "$OUT"/rank.time.*; do echo "$(field 'User time' "$f") $(field 'System time' "$f")"; done | awk '{s += $1 + $2} END {print s}')
echo "$RANKS ranks: exit $rc, wall $((end - start)) s, user+sys $cpu s, peak per rank $(field 'Maximum resident set size' "$OUT"/rank.time.* | tr '\n' ' ')KB, wrote $(written "$OUT"/rank.time.*) bytes in all"
cat "$OUT"/rank.err.* | sed 's/^/  ranks: /' | tail -3
if cmp -s "$OUT/one.json" "$OUT/ranks.json"; then echo "reports identical"; else echo "reports differ"; fi
