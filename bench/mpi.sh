#!/bin/sh
# bench/mpi.sh BIN CORPUS [RUNS] [RANKS]
# A scan shared among MPI ranks against one process: CORPUS scanned RUNS times (default 3)
# alone with --threads RANKS and under `mpirun -np RANKS` with --threads 1 a rank (default
# 2 ranks: the same cores). Prints, per run, the wall time, user+sys and peak RSS of every
# process (/usr/bin/time -v), and the bytes the ranks exchanged (--progress's "sent" lines)
# per GB of text; checks that the reports are byte-identical. Work files in bench/out/mpi/.
set -eu
BIN=$1 CORPUS=$2 RUNS=${3:-3} RANKS=${4:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/out/mpi
mkdir -p "$OUT"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
bytes=$(du -sb "$CORPUS" | cut -f1)
echo "corpus $CORPUS: $bytes bytes; $(nproc) cores; $(uptime)"

# field NAME FILE...: the values of /usr/bin/time -v's line NAME in FILE (one a process)
field() { name=$1; shift; grep -h "$name" "$@" | awk -F': ' '{print $2}'; }
secs() { # elapsed "m:ss.ss" or "h:mm:ss" -> seconds
    echo "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }'
}

for run in $(seq 1 "$RUNS"); do
    /usr/bin/time -v "$BIN" scan --format json --threads "$RANKS" -o "$OUT/alone.json" "$CORPUS" \
        2> "$OUT/alone.time"
    wall=$(secs "$(field 'Elapsed (wall clock)' "$OUT/alone.time")")
    cpu=$(echo "$(field 'User time' "$OUT/alone.time") $(field 'System time' "$OUT/alone.time")" | awk '{print $1 + $2}')
    rss=$(field 'Maximum resident set size' "$OUT/alone.time")
    echo "run $run alone (--threads $RANKS): wall ${wall} s, user+sys ${cpu} s, peak ${rss} KB"

    rm -f "$OUT"/rank.time.* "$OUT"/rank.err.*
    start=$(date +%s.%N)
    # each rank's stderr to its own file: lines of ranks sharing mpirun's stderr interleave,
    # which cut a "sent" line and halved the count once
    mpirun --oversubscribe -np "$RANKS" sh -c \
        'exec 2> "${0%.time}.err.$OMPI_COMM_WORLD_RANK"; /usr/bin/time -v -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' \
        "$OUT/rank.time" "$BIN" scan --format json --threads 1 --progress -o "$OUT/shared.json" \
        "$CORPUS" 2> "$OUT/shared.err"
    end=$(date +%s.%N)
    wall=$(echo "$start $end" | awk '{printf "%.1f", $2 - $1}')
    cpu=$(for f in "$OUT"/rank.time.*; do echo "$(field 'User time' "$f") $(field 'System time' "$f")"; done | awk '{s += $1 + $2} END {print s}')
    rss=$(field 'Maximum resident set size' "$OUT"/rank.time.* | tr '\n' ' ')
    sent=$(cat "$OUT"/rank.err.* | grep -o 'sent [0-9]* bytes' | awk '{s += $2} END {print s + 0}')
    per_gb=$(echo "$sent $bytes" | awk '{printf "%.3f", $1 / $2}')
    echo "run $run mpirun -np $RANKS (--threads 1): wall ${wall} s, user+sys ${cpu} s, peak per rank ${rss}KB, exchanged ${sent} bytes (${per_gb} GB per GB of text)"
    cmp -s "$OUT/alone.json" "$OUT/shared.json" || { echo "the reports differ"; exit 1; }
done
echo "reports identical"
