#!/bin/sh
# The heavy commands start themselves once more with glibc's malloc asking for transparent
# huge pages (src/cli/main.c): `reprint scan -` waits on a FIFO while its environment is read
# from /proc. A user's own glibc.malloc.hugetlb setting is kept as given.
#   sh tests/run/huge_pages.sh BUILD/reprint
set -u
BIN=$1
if [ ! -r /proc/self/environ ] || ! ldd "$BIN" 2> /dev/null | grep -q 'libc\.so\.6'; then
    echo "skipped: no /proc or no glibc"
    exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/in"

# environ_of TUNABLES: the malloc tunables in the environment `reprint scan -` runs with when
# started with TUNABLES ("-": none), sorted, one space apart (glibc may cut the variable at its
# colons in place as it parses it, so they are picked out of the whole environment)
environ_of() {
    if [ "$1" = - ]; then
        env -u GLIBC_TUNABLES "$BIN" scan - < "$dir/in" > /dev/null 2>&1 &
    else
        env GLIBC_TUNABLES="$1" "$BIN" scan - < "$dir/in" > /dev/null 2>&1 &
    fi
    pid=$!
    exec 3> "$dir/in"
    seen=""
    for _ in $(seq 100); do
        seen=$(tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null |
            grep -o 'glibc\.malloc\.[a-z_]*=[0-9]*' | sort | tr '\n' ' ' | sed 's/ $//')
        case $seen in *glibc.malloc.hugetlb=1*) break ;; esac
        sleep 0.05
    done
    echo "some words to read" >&3
    exec 3>&-
    wait "$pid" || { echo "FAIL: reprint scan - exited $?"; exit 1; }
    echo "$seen"
}

got=$(environ_of -)
[ "$got" = "glibc.malloc.hugetlb=1" ] || { echo "FAIL: started bare, ran with '$got'"; exit 1; }
got=$(environ_of glibc.malloc.arena_max=2)
[ "$got" = "glibc.malloc.arena_max=2 glibc.malloc.hugetlb=1" ] ||
    { echo "FAIL: another tunable, ran with '$got'"; exit 1; }
got=$(environ_of glibc.malloc.hugetlb=0)
[ "$got" = "glibc.malloc.hugetlb=0" ] || { echo "FAIL: the user's =0 became '$got'"; exit 1; }
echo "ok"
