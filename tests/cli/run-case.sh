#!/bin/sh
# Runs one golden CLI case: tests/cli/<case>/args holds the arguments, one a line (run from the
# case folder, with `stdin` fed in when present); stdout must equal `stdout` (when that file
# exists), the exit status must equal `status` (0 when absent), and stderr must equal `stderr`
# when that file exists.
#
# Cases that need inputs git cannot hold (FIFOs, symlink loops, unreadable or huge files) have
# a `setup` script: the case then runs in a temporary copy of its folder, where `sh setup`
# first makes them; `check` (optional) runs after the command there, as `sh check OUT ERR`
# with the paths of what the command printed, and fails the case by exiting non-zero. With an
# `as-nobody` file the command runs as user and group 65534 (setpriv, when run as root).
# Either script may exit 77 to skip the case (ctest's SKIP_RETURN_CODE) after saying why.
# REPRINT names the program for both scripts.
set -u
bin=$1
dir=$2
cd "$dir" || exit 1
tmp=$(mktemp -d)
trap 'chmod -R u+rwX "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
REPRINT=$bin
export REPRINT

set --
while IFS= read -r line || [ -n "$line" ]; do
    set -- "$@" "$line"
done < args

expect=$PWD
if [ -f setup ] || [ -f check ] || [ -f as-nobody ]; then
    mkdir "$tmp/case" && cp -R . "$tmp/case/" && cd "$tmp/case" || exit 1
    chmod 755 "$tmp" "$tmp/case"
    if [ -f setup ]; then
        sh ./setup
        rc=$?
        [ $rc = 0 ] || { [ $rc = 77 ] && echo "skipped by setup"; exit $rc; }
    fi
fi

runner=
if [ -f "$expect/as-nobody" ] && [ "$(id -u)" = 0 ]; then
    command -v setpriv > /dev/null || { echo "skipped: setpriv is missing"; exit 77; }
    runner="setpriv --reuid=65534 --regid=65534 --clear-groups"
    # the program must be reachable by that user
    if ! $runner sh -c 'test -x "$1"' sh "$bin"; then
        echo "skipped: user 65534 cannot run $bin"; exit 77
    fi
fi

# A FIFO or a hung read must fail the case, not the whole run.
limit=
command -v timeout > /dev/null && limit="timeout 600"
if [ -f stdin ]; then
    $limit $runner "$bin" "$@" < stdin > "$tmp/out" 2> "$tmp/err"
else
    $limit $runner "$bin" "$@" < /dev/null > "$tmp/out" 2> "$tmp/err"
fi
got=$?
want=0
[ -f "$expect/status" ] && want=$(cat "$expect/status")
fail=0
if [ "$got" != "$want" ]; then
    echo "exit status: got $got, want $want"; fail=1
fi
if [ -f "$expect/stdout" ] && ! cmp -s "$expect/stdout" "$tmp/out"; then
    echo "stdout differs:"; diff -u "$expect/stdout" "$tmp/out" | head -60; fail=1
fi
if [ -f "$expect/stderr" ] && ! cmp -s "$expect/stderr" "$tmp/err"; then
    echo "stderr differs:"; diff -u "$expect/stderr" "$tmp/err" | head -30; fail=1
fi
if [ $fail = 0 ] && [ -f check ]; then
    sh ./check "$tmp/out" "$tmp/err"
    rc=$?
    [ $rc = 77 ] && exit 77
    [ $rc = 0 ] || { echo "check failed"; fail=1; }
fi
[ $fail = 0 ] || { echo "--- stderr was:"; head -20 "$tmp/err"; }
exit $fail
