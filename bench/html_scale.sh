#!/bin/sh
# html_scale.sh - size and load time of the HTML report at scale: a generated corpus where
# documents 2i and 2i+1 share one passage of their own (CLUSTERS clusters in 2*CLUSTERS small
# documents), scanned to report.html, then loaded in headless chromium RUNS times; the load time
# is the page's own figure (navigation start to the end of its load handler, after a forced
# layout), read back with --dump-dom. Prints file size, scan time and the median load time.
#
# usage: sh bench/html_scale.sh [BUILD_DIR] [CLUSTERS|CORPUS] [RUNS]   (defaults: build 10000 5)
# CORPUS: an existing file or directory (e.g. a bench/gen.py corpus) scanned instead of the
# generated pairs; extra scan options in HTML_SCAN_ARGS (e.g. --split-after for the seed feed);
# HTML_VIEW: a view to open instead of the overview (e.g. '#n/200', the reuse network).
set -eu

BUILD=${1:-build}
CLUSTERS=${2:-10000}
RUNS=${3:-5}
REPRINT=$BUILD/reprint
WORK=$BUILD/html-scale
BROWSER=$(command -v chromium || command -v chromium-browser || true)

[ -x "$REPRINT" ] || { echo "html_scale: no $REPRINT (build first)" >&2; exit 2; }
[ -n "$BROWSER" ] || { echo "html_scale: chromium is not installed" >&2; exit 2; }
rm -rf "$WORK"
mkdir -p "$WORK/corpus"
CORPUS=$WORK/corpus
if [ -e "$CLUSTERS" ]; then
    CORPUS=$CLUSTERS
    CLUSTERS=0
fi

[ "$CLUSTERS" = 0 ] || python3 - "$WORK/corpus" "$CLUSTERS" <<'EOF'
import os, random, sys
out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
syll = ["ka", "lo", "mi", "ren", "sa", "tu", "vo", "ne", "bri", "da", "fe", "gor", "hal", "jun"]
vocab = sorted({"".join(rng.choice(syll) for _ in range(rng.randint(2, 4))) for _ in range(6000)})
def sentence(k):
    return " ".join(rng.choice(vocab) for _ in range(k)).capitalize() + "."
for i in range(n):
    shared = sentence(24)
    for side in range(2):
        with open(os.path.join(out, "d%06d-%d.txt" % (i, side)), "w") as f:
            f.write("%s\n\n%s\n\n%s\n" % (sentence(18), shared, sentence(18)))
EOF

start=$(date +%s.%N)
"$REPRINT" scan --quiet ${HTML_SCAN_ARGS:-} --format html -o "$WORK/report.html" "$CORPUS"
end=$(date +%s.%N)
"$REPRINT" scan --quiet ${HTML_SCAN_ARGS:-} --format json -o "$WORK/report.json" "$CORPUS"
clusters=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['clusters']))" \
    "$WORK/report.json")
bytes=$(wc -c < "$WORK/report.html")

times=""
i=0
while [ "$i" -lt "$RUNS" ]; do
    profile=$(mktemp -d)
    ms=$("$BROWSER" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --dump-dom "file://$(realpath "$WORK/report.html")${HTML_VIEW:-}" \
        2>/dev/null < /dev/null | grep -o 'data-rp-ready="[0-9]*"' | grep -o '[0-9][0-9]*')
    rm -rf "$profile"
    times="$times ${ms:-NA}"
    i=$((i + 1))
done
median=$(echo $times | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')

echo "corpus:      $CORPUS"
echo "clusters:    $clusters (requested $CLUSTERS, $((CLUSTERS * 2)) generated documents)"
echo "html size:   $bytes bytes ($(awk "BEGIN {printf \"%.1f\", $bytes / 1048576}") MiB)"
echo "scan+write:  $(awk "BEGIN {printf \"%.2f\", $end - $start}") s"
echo "load (ms):  $times  -> median $median ms"
