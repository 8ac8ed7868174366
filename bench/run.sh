#!/bin/sh
# Quality and speed benchmark of `reprint scan` against `sim_text -r 8 -n` on generated corpora
# (bench/gen.py: Markov-chain English with planted reprints; scored by bench/score.py).
#
#   sh bench/run.sh BUILD_DIR            10 MB and 100 MB (RP_BENCH_FULL=1 adds 1 GB)
#   sh bench/run.sh BUILD_DIR quality    one ~5 MB corpus, quality only, for quick iteration
#
# Environment: RP_BENCH_SIZES="10MB 100MB" (any of 5MB 10MB 100MB 1GB), RP_BENCH_FULL=1,
# RP_BENCH_SEED=1, RP_BENCH_SIMTEXT_MAX=100MB (largest size sim_text is run on;
# at 1 GB it grows far worse than linearly),
# RP_BENCH_ARGS="extra reprint scan options", RP_BENCH_MEM_MB (virtual memory limit of the
# scan, default 8000), RP_BENCH_TIMEOUT (seconds per tool run, default 1800).  Corpora are cached in bench/out/SIZE/.
set -eu

BUILD=${1:-build}
MODE=${2:-full}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/out
SEED=${RP_BENCH_SEED:-1}
PY=${PYTHON:-python3}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac

# Debian packages: training prose (fortunes), the baseline (similarity-tester), GNU time.
missing=""
for p in fortunes similarity-tester time; do
    dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "bench: installing$missing"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >/dev/null || true
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing </dev/null
fi

bytes_of() {
    case $1 in
        *GB) echo $(( ${1%GB} * 1000000000 )) ;;
        *MB) echo $(( ${1%MB} * 1000000 )) ;;
        *) echo "$1" ;;
    esac
}

if [ "$MODE" = quality ]; then
    SIZES=5MB
else
    SIZES=${RP_BENCH_SIZES:-10MB 100MB}
    if [ "${RP_BENCH_FULL:-0}" = 1 ]; then
        case " $SIZES " in *" 1GB "*) ;; *) SIZES="$SIZES 1GB" ;; esac
    fi
fi
STAMP="$SEED $(cksum <"$HERE/gen.py")"  # a corpus is regenerated when seed or generator change
SIMMAX=$(bytes_of "${RP_BENCH_SIMTEXT_MAX:-100MB}")

mkdir -p "$OUT"
for size in $SIZES; do
    dir=$OUT/$size
    nbytes=$(bytes_of "$size")
    if [ ! -f "$dir/truth.json" ] || [ "$(cat "$dir/seed" 2>/dev/null)" != "$STAMP" ]; then
        rm -rf "$dir"
        echo "bench: generating $size corpus (seed $SEED)"
        /usr/bin/time -f '%e s, %M KB' -o "$OUT/gen-$size.time" \
            "$PY" "$HERE/gen.py" --seed "$SEED" --size "$nbytes" --out "$dir"
        echo "$STAMP" >"$dir/seed"
        echo "bench: generation took $(cat "$OUT/gen-$size.time")"
    fi
    rm -f "$dir"/*.score.json "$dir"/reprint.time "$dir"/sim.time

    if [ -x "$BUILD/reprint" ]; then
        echo "bench: reprint scan on $size"
        # shellcheck disable=SC2086
        if (ulimit -v $(( ${RP_BENCH_MEM_MB:-8000} * 1024 )) &&
            /usr/bin/time -v -o "$dir/reprint.time" timeout "${RP_BENCH_TIMEOUT:-1800}" \
            "$BUILD/reprint" scan --no-progress \
            ${RP_BENCH_ARGS:-} --format json -o "$dir/reprint.json" "$dir/docs"); then
            "$PY" "$HERE/score.py" "$dir" "$dir/reprint.json" --name "reprint $size" \
                --json "$dir/reprint.score.json"
        else
            echo "bench: reprint scan failed on $size (see $dir/reprint.time)"
        fi
    else
        echo "bench: $BUILD/reprint not found; skipping reprint"
    fi

    if [ "$MODE" != quality ] && [ "$nbytes" -le "$SIMMAX" ]; then
        echo "bench: sim_text -r 8 -n on $size"
        (cd "$dir/docs" && find . -type f | sed 's|^\./||' | LC_ALL=C sort |
            /usr/bin/time -v -o "$dir/sim.time" timeout "${RP_BENCH_TIMEOUT:-1800}" sim_text -r 8 -n -T -i >"$dir/sim.out") ||
            echo "bench: sim_text failed on $size"
        "$PY" "$HERE/simtext2json.py" --docs "$dir/docs" "$dir/sim.out" -o "$dir/sim.json"
        "$PY" "$HERE/score.py" "$dir" "$dir/sim.json" --name "sim_text $size" \
            --json "$dir/sim.score.json"
        "$PY" "$HERE/simtext2json.py" --merge --docs "$dir/docs" "$dir/sim.out" -o "$dir/sim-merged.json"
        "$PY" "$HERE/score.py" "$dir" "$dir/sim-merged.json" --name "sim_text merged $size" \
            --json "$dir/sim-merged.score.json"
    elif [ "$MODE" != quality ]; then
        echo "bench: sim_text skipped on $size (above RP_BENCH_SIMTEXT_MAX)"
    fi
done

echo
echo "== summary (seed $SEED) =="
# shellcheck disable=SC2086
"$PY" "$HERE/score.py" --summary "$OUT" $SIZES

# Tokenizer throughput: bench_tokenize on one 100 MB file (RP_BENCH_TOKENIZE_SIZE), median of 5.
TOK=$BUILD/bench/bench_tokenize
if [ "$MODE" != quality ] && [ -x "$TOK" ]; then
    tsize=${RP_BENCH_TOKENIZE_SIZE:-100MB}
    big=$OUT/$tsize
    if [ ! -f "$big/truth.json" ] || [ "$(cat "$big/seed" 2>/dev/null)" != "$STAMP" ]; then
        rm -rf "$big"
        "$PY" "$HERE/gen.py" --seed "$SEED" --size "$(bytes_of "$tsize")" --out "$big"
        echo "$STAMP" >"$big/seed"
    fi
    file=$OUT/tokenize-$tsize.txt
    [ "$(cat "$file.stamp" 2>/dev/null)" = "$STAMP" ] || rm -f "$file"
    [ -f "$file" ] || { (cd "$big/docs" && find . -type f | LC_ALL=C sort | xargs cat >"$file") &&
        echo "$STAMP" >"$file.stamp"; }
    echo
    echo "== bench_tokenize on $(wc -c <"$file") bytes, 5 runs =="
    for i in 1 2 3 4 5; do
        /usr/bin/time -f '%e' -o "$OUT/tok.$i.time" "$TOK" "$file" >"$OUT/tok.$i.out" 2>&1 ||
            echo "bench: bench_tokenize failed (run $i)"
        echo "run $i: $(cat "$OUT/tok.$i.time") s: $(tail -n 1 "$OUT/tok.$i.out")"
    done
    med=$(cat "$OUT"/tok.?.time | sort -n | sed -n 3p)
    echo "bench_tokenize median wall time: $med s ($(awk -v s="$med" -v b="$(wc -c <"$file")" \
        'BEGIN { if (s > 0) printf "%.1f MB/s", b / s / 1e6; else print "n/a" }'))"
fi
