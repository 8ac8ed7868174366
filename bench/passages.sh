#!/bin/sh
# The "one copy, one passage" benchmark: a gen.py corpus with the passage cases
# (--passage-cases: inserted or deleted clauses, sub-phrases of long reprints, copies partly
# under min_identity, short reprints in 5-10 documents, boilerplate lines at fixed places) is
# scanned and scored by bench/score.py --passages; overlapping passage pairs are also counted
# on the same corpus without the cases (bench/out/SIZE, shared with run.sh) and on
# ../shared/corpora/seed-feed.txt as one file and split at '^Continue reading '.
#
#   sh bench/passages.sh BUILD_DIR [SIZE]      SIZE: 10MB (default), 5MB, 100MB, 1GB, or bytes
#
# Environment: RP_BENCH_SEED=1, RP_BENCH_ARGS="extra reprint scan options",
# RP_SEED_FEED (default: ../shared/corpora/seed-feed.txt beside the repository).
# The corpus is cached in bench/out/passages-SIZE/, the reports and the table beside it.
set -eu

BUILD=${1:-build}
SIZE=${2:-10MB}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/out
SEED=${RP_BENCH_SEED:-1}
PY=${PYTHON:-python3}
SEED_FEED=${RP_SEED_FEED:-$HERE/../../shared/corpora/seed-feed.txt}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
REPRINT=$BUILD/reprint
if [ ! -x "$REPRINT" ]; then
    echo "passages: $REPRINT not found (build first)" >&2
    exit 2
fi

# gen.py trains on the prose of the Debian package fortunes.
if ! dpkg-query -W -f='${Status}' fortunes 2>/dev/null | grep -q 'ok installed'; then
    echo "passages: installing fortunes"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >/dev/null || true
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        fortunes </dev/null
fi

case $SIZE in
    *GB) nbytes=$(( ${SIZE%GB} * 1000000000 )) ;;
    *MB) nbytes=$(( ${SIZE%MB} * 1000000 )) ;;
    *) nbytes=$SIZE ;;
esac
STAMP="$SEED $(cksum <"$HERE/gen.py")"  # regenerated when seed or generator change
mkdir -p "$OUT"
corpus() {  # corpus DIR [--passage-cases]: generated unless cached (run.sh's cache format)
    if [ ! -f "$1/truth.json" ] || [ "$(cat "$1/seed" 2>/dev/null)" != "$STAMP" ]; then
        rm -rf "$1"
        echo "passages: generating $1 (seed $SEED)"
        # shellcheck disable=SC2086
        "$PY" "$HERE/gen.py" --seed "$SEED" --size "$nbytes" ${2:-} --out "$1"
        echo "$STAMP" >"$1/seed"
    fi
}
dir=$OUT/passages-$SIZE
corpus "$dir" --passage-cases
plain=$OUT/$SIZE  # the same corpus without the passage cases, shared with run.sh
corpus "$plain"

scan() {  # scan OUT.json ARGS...: a JSON report, or a message and status 1
    out=$1
    shift
    rm -f "$out"
    # shellcheck disable=SC2086
    if "$REPRINT" scan --no-progress ${RP_BENCH_ARGS:-} --format json -o "$out" "$@" \
        2>"$out.stderr"; then
        return 0
    fi
    echo "passages: reprint scan failed on $*: $(head -n 1 "$out.stderr")" >&2
    return 1
}

echo "passages: reprint scan on $dir/docs"
scan "$dir/reprint.json" "$dir/docs"

set --
if scan "$dir/plain.json" "$plain/docs"; then
    set -- "$@" --overlaps "gen.py $SIZE without the cases=$dir/plain.json"
fi
if [ -f "$SEED_FEED" ]; then
    if scan "$dir/seed-one.json" "$SEED_FEED"; then
        set -- "$@" --overlaps "seed-feed.txt, one file=$dir/seed-one.json"
    fi
    if scan "$dir/seed-split.json" --split-after '^Continue reading ' "$SEED_FEED"; then
        set -- "$@" --overlaps "seed-feed.txt, --split-after=$dir/seed-split.json"
    fi
else
    echo "passages: skipping the seed feed: $SEED_FEED is absent"
fi

echo
"$PY" "$HERE/score.py" "$dir" "$dir/reprint.json" --passages "$@" \
    --name "passage cases, $SIZE (seed $SEED): $("$REPRINT" --version 2>/dev/null | head -n 1 ||
        echo reprint)${RP_BENCH_ARGS:+ $RP_BENCH_ARGS}" \
    --json "$dir/reprint.score.json" | tee "$dir/table.txt"
