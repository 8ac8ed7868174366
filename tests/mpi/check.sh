#!/bin/sh
# tests/mpi/check.sh BIN MPIEXEC SOURCE_DIR WORK MPI_BUILT [SANITIZED]
# `mpirun -np N reprint scan` for N = 1..4 (oversubscribed) writes the one-process report byte
# for byte on the golden corpora: the examples, the hostile corpus, JSONL, a file split into
# parts, inputs that are skipped, one huge document, and the seed feed (when ../shared is
# there), and batch dedup's groups and verdicts; a rank that ends mid-run fails the job with no
# report; a rank over --memory and
# standard input get a message from rank 0. Exit 77 (skipped) when the program is built
# without MPI or no launcher is installed.
# Under the sanitizers (SANITIZED 1: every process many times slower, its stacks fully
# unwound) the cases run on 2 and 3 ranks, without the largest inputs.
set -u
BIN=$1 MPIEXEC=$2 SRC=$3 WORK=$4 BUILT=$5 SANITIZED=${6:-0}
RANKS="1 2 3 4"
case "$SANITIZED" in 1|ON|TRUE|on|true) RANKS="2 3"; SANITIZED=1 ;; *) SANITIZED=0 ;; esac

case "$BUILT" in 1|ON|TRUE|on|true) ;; *) echo "skipped: the program is built without MPI (-DREPRINT_MPI=OFF)"; exit 77 ;; esac
if [ ! -x "$MPIEXEC" ]; then
    echo "skipped: no MPI launcher ($MPIEXEC)"; exit 77
fi
# CI runs as root: Open MPI refuses root without these.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# no shared-memory transport warnings on machines without enough /dev/shm
export OMPI_MCA_btl_vader_single_copy_mechanism=none
# Sanitizer build: Open MPI keeps its components loaded and stacks are fully unwound, so the
# leaks of Open MPI's own (lsan.supp, given by ctest) have names to be suppressed by
export OMPI_MCA_mca_base_component_disable_dlclose=1
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
MPIRUN="$MPIEXEC --oversubscribe -np"

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$SRC" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# inputs made here: a folder with inputs that are skipped, and one huge document
mkdir -p "$WORK/skips"
cp examples/posts/*.txt "$WORK/skips/"
printf '\000\001\002binary\000' > "$WORK/skips/binary.dat"
: > "$WORK/skips/empty.txt"
printf 'not utf-8 \377\376 at all\n' > "$WORK/skips/latin.txt"
awk 'BEGIN {
    srand(7);
    split("harbour river council bridge market winter storm mayor ferry farm road tower canal vote plan quay", w, " ");
    para = ""; for (i = 0; i < 120; i++) para = para w[int(rand() * 16) + 1] " ";
    for (p = 0; p < 3000; p++) {
        line = ""; for (i = 0; i < 60; i++) line = line w[int(rand() * 16) + 1] int(rand() * 500) " ";
        print line; if (p % 100 == 0) print para;
    }
}' > "$WORK/huge.txt"

# same NAME ARGS...: the one-process report, then N = 1..4 ranks
same() {
    name=$1; shift
    "$BIN" scan "$@" > "$WORK/$name.want" 2> "$WORK/$name.want.err"
    want_rc=$?
    for n in $RANKS; do
        $MPIRUN $n "$BIN" scan "$@" > "$WORK/$name.$n" 2> "$WORK/$name.$n.err"
        rc=$?
        [ "$rc" = "$want_rc" ] || { fail "$name, $n ranks: exit $rc, alone $want_rc"; cat "$WORK/$name.$n.err"; continue; }
        cmp -s "$WORK/$name.want" "$WORK/$name.$n" || fail "$name, $n ranks: the report differs"
    done
    [ -s "$WORK/$name.want" ] || fail "$name: an empty report"
    echo "ok: $name"
}

same posts --format json examples/posts
same posts-text examples/posts
same hostile --format json tests/data/hostile
same jsonl --format json tests/data/outlets.jsonl
same split --format json --split-after '^Continue reading ' --ignore-lines '^Advertisement:' \
    --min-tokens 8 tests/cli/scan-split-titles/posts.txt
same skipped --format json "$WORK/skips"
if [ $SANITIZED = 0 ]; then
    same huge --format json --threads 2 "$WORK/huge.txt"
    same rounds --format json --exchange-mb 1 "$WORK/huge.txt" examples/posts
    grep -q '"passages"' "$WORK/huge.want" || fail "huge: no passage found: the case tests nothing"
fi
SEED=$SRC/../shared/corpora/seed-feed.txt
if [ $SANITIZED = 1 ]; then
    echo "note: sanitizer build: the huge document and the seed feed are left to the native run"
elif [ -f "$SEED" ]; then
    same seed --format json "$SEED"
    same seed-split --format csv --split-after '^Continue reading ' "$SEED"
else
    echo "note: $SEED absent, the seed feed's cases skipped"
fi

# batch dedup: the same groups and verdicts
dedup_same() {
    name=$1; shift
    "$BIN" dedup "$@" > "$WORK/$name.want" 2> "$WORK/$name.want.err"
    for n in $RANKS; do
        $MPIRUN $n "$BIN" dedup "$@" > "$WORK/$name.$n" 2> "$WORK/$name.$n.err" ||
            { fail "$name, $n ranks: exit $?"; cat "$WORK/$name.$n.err"; continue; }
        cmp -s "$WORK/$name.want" "$WORK/$name.$n" || fail "$name, $n ranks: the report differs"
    done
    grep -q '"verdict":"near-duplicate"\|"verdict":"duplicate"\|"verdict":"contain' "$WORK/$name.want" ||
        fail "$name: no group: the case tests nothing"
    echo "ok: $name"
}
dedup_same dedup-jsonl --format json tests/data/outlets.jsonl
[ $SANITIZED = 1 ] ||
    dedup_same dedup-skipped --format json --exchange-mb 1 "$WORK/skips" tests/data/outlets.jsonl

# a rank that ends mid-run (on its third exchange): the job fails, -o is not written. The
# launcher's SIGTERM is followed by SIGKILL after odls_base_sigkill_timeout (1 s by default): on a
# loaded machine rank 0 may not run its handler within 1 s, so the test gives it 10.
out=$WORK/killed.json
OMPI_MCA_odls_base_sigkill_timeout=10 REPRINT_MPI_TEST_EXIT=1:3 $MPIRUN 3 "$BIN" scan --format json -o "$out" examples/posts \
    > "$WORK/killed.out" 2> "$WORK/killed.err"
rc=$?
[ "$rc" != 0 ] || fail "a rank that ended mid-run: the job exited 0"
ls "$WORK" | grep -q '^killed.json' && fail "a rank that ended mid-run: a report (or its temporary) was left"
grep -q 'rank 0 was stopped by the launcher' "$WORK/killed.err" ||
    { fail "a rank that ended mid-run: no message from rank 0"; cat "$WORK/killed.err"; }
echo "ok: a rank ending mid-run fails the job (exit $rc)"

# every rank over --memory: one message, from rank 0, naming a rank
$MPIRUN 2 "$BIN" scan --memory 1K examples/posts > "$WORK/budget.out" 2> "$WORK/budget.err"
rc=$?
[ "$rc" != 0 ] || fail "--memory 1K: exit 0"
[ "$(grep -c 'scan stopped on rank' "$WORK/budget.err")" = 1 ] || { fail "--memory 1K: not one message"; cat "$WORK/budget.err"; }
[ -s "$WORK/budget.out" ] && fail "--memory 1K: a report was written"
echo "ok: a rank over --memory"

# standard input cannot be shared: said once, by rank 0
echo "some text" | $MPIRUN 2 "$BIN" scan - > "$WORK/stdin.out" 2> "$WORK/stdin.err"
[ $? != 0 ] || fail "stdin under 2 ranks: exit 0"
[ "$(grep -c 'standard input cannot be shared' "$WORK/stdin.err")" = 1 ] || fail "stdin: not one message"
echo "ok: standard input"

# other commands run on rank 0 alone: one output, not N
$MPIRUN 3 "$BIN" tokens examples/posts/05-library.txt > "$WORK/tokens.3" 2> "$WORK/tokens.3.err"
"$BIN" tokens examples/posts/05-library.txt > "$WORK/tokens.1" 2> "$WORK/tokens.1.err"
cmp -s "$WORK/tokens.1" "$WORK/tokens.3" || fail "tokens under 3 ranks: not the one output"
echo "ok: other commands on rank 0"

if [ $fails -gt 0 ]; then
    echo "$fails failed"
    exit 1
fi
echo "all MPI cases passed"
