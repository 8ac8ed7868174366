#!/bin/sh
# Writes every report reprint makes of a fixed set of inputs into OUT_DIR, so that two builds can
# be compared byte for byte (a refactoring must not change a report):
#
#   sh bench/same-reports.sh BUILD_A/reprint /tmp/a
#   sh bench/same-reports.sh BUILD_B/reprint /tmp/b
#   diff -r /tmp/a /tmp/b && echo identical
#
# Inputs: examples/posts, tests/data/hostile*, ../shared/corpora/seed-feed.txt (as one file and
# split into posts, when present) and the 10 MB bench/gen.py corpus (made when missing).
set -eu

BIN=$1
OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
mkdir -p "$OUT"
cd "$ROOT"

run() { # NAME ARGS...: stdout, stderr and exit status of one command
    run_name=$1; shift
    status=0
    "$BIN" "$@" > "$OUT/$run_name.out" 2> "$OUT/$run_name.err" || status=$?
    echo "$status" > "$OUT/$run_name.status"
}

each_format() { # NAME COMMAND FORMATS ARGS...
    ef_name=$1; cmd=$2; formats=$3; shift 3
    for f in $formats; do run "$ef_name.$cmd.$f" "$cmd" --format "$f" "$@"; done
}

corpus() { # NAME ARGS...: scan, quotes and dedup reports of one input
    name=$1; shift
    each_format "$name" scan "text json jsonl csv html" "$@"
    each_format "$name" quotes "text json html" "$@"
    each_format "$name" dedup "text json" "$@"
}

corpus posts examples/posts
run posts.kinds scan --kinds reprint --format json examples/posts
run posts.maxp scan --max-passages 1 --format json examples/posts
run posts.tokens tokens examples/posts/01-harbour.txt
run posts.explain scan --explain examples/posts/01-harbour.txt examples/posts/02-river.txt examples/posts
corpus hostile tests/data/hostile
corpus hostile-quotes tests/data/hostile-quotes

SEED=$ROOT/../shared/corpora/seed-feed.txt
if [ -f "$SEED" ]; then
    corpus seed "$SEED"
    corpus seed-split --split-after '^Continue reading ' "$SEED"
else
    echo "same-reports: $SEED absent, seed reports skipped" >&2
fi

GEN=$HERE/out/same-10MB
if [ ! -f "$GEN/truth.json" ]; then
    python3 "$HERE/gen.py" --seed 1 --size 10000000 --out "$GEN" > /dev/null
fi
each_format gen10 scan "json csv" "$GEN/docs"
each_format gen10 dedup "json" "$GEN/docs"
run gen10.quotes quotes --format json "$GEN/docs"
