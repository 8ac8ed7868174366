#!/bin/sh
# Adversarial corpora against `reprint scan` and `reprint quotes` (bench/gen_adversarial.py):
# one 20-word passage in 100,000 documents, one word repeated 10 million times, 10,000
# identical documents, one 50-word paragraph repeated 10,000 times, 100 paragraphs each
# repeated just under the scan's occurrence cap (199 times), and four quotations each quoted
# in 2,500 documents. Each is scanned with
# `/usr/bin/time -v reprint scan --format json -o OUT`, and so is a normal corpus of the same
# size (bench/gen.py --size N), for the ratios. Targets: time <= 3x the normal corpus's, peak
# RSS <= 3x the input (after the process's fixed baseline, measured on a one-line input; the
# raw RSS is printed too), report <= 1 MB. Each is also run through
# `reprint quotes --format json -o OUT`: target quotes time <= 3x the scan's (q/scan).
#
#   sh bench/adversarial.sh BUILD_DIR [--scale S] [KIND...]
#
# --scale multiplies every count (0.01: 1,000 documents, 100,000 words, ...); KIND is any of
# passage word identical paragraph nearcap quoted (default: all six). Corpora are cached in
# bench/out/adv-KIND-SCALE/ and bench/out/adv-normal-BYTES/. Environment: RP_BENCH_SEED=1,
# RP_BENCH_MEM_MB (virtual memory limit of a scan, default 8000), RP_BENCH_TIMEOUT (seconds
# per scan, default 1800), RP_BENCH_ARGS (extra scan options). Exit status 0 even when a
# target is missed (the table says FAIL); 2 when a scan fails or times out.
set -eu

BUILD=${1:-build}
[ $# -gt 0 ] && shift
SCALE=1
KINDS=
while [ $# -gt 0 ]; do
    case $1 in
        --scale) SCALE=$2; shift 2 ;;
        --scale=*) SCALE=${1#--scale=}; shift ;;
        passage|word|identical|paragraph|nearcap|quoted) KINDS="$KINDS $1"; shift ;;
        *) echo "adversarial.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
KINDS=${KINDS:-passage word identical paragraph nearcap quoted}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/out
SEED=${RP_BENCH_SEED:-1}
PY=${PYTHON:-python3}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
[ -x "$BUILD/reprint" ] || { echo "adversarial.sh: no $BUILD/reprint (build first)" >&2; exit 2; }

# Debian packages: training prose for the generators (fortunes), GNU time.
missing=""
for p in fortunes time; do
    dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "adversarial: installing$missing"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >/dev/null || true
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        $missing </dev/null
fi

# Total bytes of the files under a folder.
bytes_in() {
    find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d\n", s }'
}

# Wall seconds and peak RSS (KB) from a `/usr/bin/time -v` file: "SECONDS KB".
time_of() {
    awk -F': ' '
        /Elapsed \(wall clock\)/ {
            n = split($2, p, ":"); s = 0
            for (i = 1; i <= n; i++) s = s * 60 + p[i]
        }
        /Maximum resident set size/ { kb = $2 }
        END { printf "%.2f %d\n", s, kb }' "$1"
}

# Scans folder $1 into report $2, timing it into $3; exit 2 on failure.
scan() {
    # shellcheck disable=SC2086
    if ! (ulimit -v $(( ${RP_BENCH_MEM_MB:-8000} * 1024 )) &&
        /usr/bin/time -v -o "$3" timeout "${RP_BENCH_TIMEOUT:-1800}" \
            "$BUILD/reprint" scan --no-progress ${RP_BENCH_ARGS:-} \
            --format json -o "$2" "$1"); then
        echo "adversarial: reprint scan failed on $1 (see $3)" >&2
        exit 2
    fi
}

# Runs `reprint quotes` on folder $1 into report $2, timing it into $3; exit 2 on failure.
quotes() {
    # shellcheck disable=SC2086
    if ! (ulimit -v $(( ${RP_BENCH_MEM_MB:-8000} * 1024 )) &&
        /usr/bin/time -v -o "$3" timeout "${RP_BENCH_TIMEOUT:-1800}" \
            "$BUILD/reprint" quotes --no-progress --format json -o "$2" "$1"); then
        echo "adversarial: reprint quotes failed on $1 (see $3)" >&2
        exit 2
    fi
}

mkdir -p "$OUT"
GENSTAMP="$SEED $(cat "$HERE/gen.py" "$HERE/gen_adversarial.py" | cksum)"

# The process's fixed baseline: a scan of one line.
base=$OUT/adv-baseline
mkdir -p "$base/docs"
echo "One short line of text for the baseline." >"$base/docs/one.txt"
scan "$base/docs" "$base/report.json" "$base/scan.time"
BASE_KB=$(time_of "$base/scan.time" | cut -d' ' -f2)
echo "adversarial: baseline peak RSS ${BASE_KB} KB (a one-line scan)"

table=$OUT/adv-summary-$SCALE.txt
printf '%-10s %8s %9s %8s %8s %6s %9s %9s %7s %7s %10s %8s %8s %7s  %s\n' kind docs input_MB \
    time_s normal_s ratio rss_MB normal_MB rss/in net/in report_KB clusters quotes_s q/scan \
    verdict >"$table"
for kind in $KINDS; do
    dir=$OUT/adv-$kind-$SCALE
    if [ "$(cat "$dir/stamp" 2>/dev/null)" != "$GENSTAMP" ]; then
        rm -rf "$dir"
        echo "adversarial: generating $kind (scale $SCALE)"
        "$PY" "$HERE/gen_adversarial.py" --kind "$kind" --scale "$SCALE" --seed "$SEED" \
            --out "$dir"
        echo "$GENSTAMP" >"$dir/stamp"
    fi
    nbytes=$(bytes_in "$dir/docs")
    ndocs=$(find "$dir/docs" -type f | wc -l)
    normal=$OUT/adv-normal-$nbytes
    if [ "$(cat "$normal/stamp" 2>/dev/null)" != "$GENSTAMP" ]; then
        rm -rf "$normal"
        echo "adversarial: generating a normal corpus of $nbytes bytes"
        "$PY" "$HERE/gen.py" --seed "$SEED" --size "$nbytes" --jobs "$(nproc)" --out "$normal"
        echo "$GENSTAMP" >"$normal/stamp"
    fi

    echo "adversarial: scanning $kind ($ndocs documents, $nbytes bytes) and its normal twin"
    scan "$dir/docs" "$dir/report.json" "$dir/scan.time"
    scan "$normal/docs" "$normal/report.json" "$normal/scan.time"
    quotes "$dir/docs" "$dir/quotes.json" "$dir/quotes.time"
    set -- $(time_of "$dir/scan.time") $(time_of "$normal/scan.time") \
        $(time_of "$dir/quotes.time")
    t=$1 kb=$2 nt=$3 nkb=$4 qt=$5
    rbytes=$(wc -c <"$dir/report.json")
    clusters=$("$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["clusters"]))' \
        "$dir/report.json")
    awk -v kind="$kind" -v docs="$ndocs" -v inb="$nbytes" -v t="$t" -v nt="$nt" -v kb="$kb" \
        -v nkb="$nkb" -v base="$BASE_KB" -v rep="$rbytes" -v cl="$clusters" -v qt="$qt" 'BEGIN {
        ratio = t / (nt > 0.01 ? nt : 0.01)
        rss = kb * 1024 / inb; net = (kb - base) * 1024 / inb
        if (net < 0) net = 0
        v = ""
        if (ratio > 3) v = v " time"
        if (net > 3) v = v " memory"
        if (rep > 1048576) v = v " report"
        qratio = qt / (t > 0.01 ? t : 0.01)
        if (qratio > 3) v = v " quotes"
        printf "%-10s %8d %9.1f %8.2f %8.2f %6.2f %9.1f %9.1f %7.2f %7.2f %10.1f %8d %8.2f %7.2f  %s\n",
            kind, docs, inb / 1e6, t, nt, ratio, kb / 1024, nkb / 1024, rss, net, rep / 1024,
            cl, qt, qratio, v == "" ? "PASS" : "FAIL:" v
    }' >>"$table"
done
echo
echo "adversarial corpora, scale $SCALE (ratio: time / the normal corpus's time; rss/in: peak"
echo "RSS / input bytes; net/in: the same after the ${BASE_KB} KB baseline; targets: ratio <= 3,"
echo "net/in <= 3, report <= 1024 KB; quotes_s: reprint quotes' time, q/scan <= 3)"
cat "$table"
