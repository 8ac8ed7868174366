#!/bin/sh
# Runs one golden CLI case: tests/cli/<case>/args holds the arguments, one a line (run from the
# case folder, with `stdin` fed in when present); stdout must equal `stdout`, the exit status
# must equal `status` (0 when absent), and stderr must equal `stderr` when that file exists.
set -u
bin=$1
dir=$2
cd "$dir" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

set --
while IFS= read -r line || [ -n "$line" ]; do
    set -- "$@" "$line"
done < args

if [ -f stdin ]; then
    "$bin" "$@" < stdin > "$tmp/out" 2> "$tmp/err"
else
    "$bin" "$@" < /dev/null > "$tmp/out" 2> "$tmp/err"
fi
got=$?
want=0
[ -f status ] && want=$(cat status)
fail=0
if [ "$got" != "$want" ]; then
    echo "exit status: got $got, want $want"; fail=1
fi
if ! cmp -s stdout "$tmp/out"; then
    echo "stdout differs:"; diff -u stdout "$tmp/out" | head -60; fail=1
fi
if [ -f stderr ] && ! cmp -s stderr "$tmp/err"; then
    echo "stderr differs:"; diff -u stderr "$tmp/err" | head -30; fail=1
fi
[ $fail = 0 ] || { echo "--- stderr was:"; head -20 "$tmp/err"; }
exit $fail
