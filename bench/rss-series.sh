#!/bin/sh
# bench/rss-series.sh OUT CMD...: runs CMD and appends its anonymous resident memory (RssAnon
# of /proc/PID/status, KB) to OUT every 0.1 s while it runs: where in a run the memory goes.
# Under MPI, one file a rank:
#   mpirun --oversubscribe -np 2 sh -c 'bench/rss-series.sh OUT.$OMPI_COMM_WORLD_RANK "$@"' x \
#       build/reprint scan --format json --threads 1 -o OUT.json CORPUS
set -u
out=$1
shift
: > "$out"
"$@" &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
    awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null >> "$out"
    sleep 0.1
done
wait "$pid"
