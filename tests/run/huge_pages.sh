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
        environ=$(tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null)
        seen=$(echo "$environ" | grep -o 'glibc\.malloc\.[a-z_]*=[0-9]*' | sort | tr '\n' ' ' |
            sed 's/ $//')
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

# Started through the dynamic loader, /proc/self/exe is the loader: no start again, and the
# scan runs as always.
echo "a few words of text" > "$dir/doc.txt"
"$BIN" scan "$dir/doc.txt" > "$dir/plain.out" || { echo "FAIL: plain scan"; exit 1; }
for loader in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
    [ -x "$loader" ] || continue
    "$loader" "$BIN" scan "$dir/doc.txt" > "$dir/loader.out" ||
        { echo "FAIL: scan through $loader exited $?"; exit 1; }
    cmp -s "$dir/plain.out" "$dir/loader.out" || { echo "FAIL: scan through $loader differs"; exit 1; }
done

# In secure mode (here: a file capability, run by an unprivileged user) glibc drops the
# tunables; the program must still start once only and finish.
if [ "$(id -u)" = 0 ] && command -v setcap > /dev/null && command -v setpriv > /dev/null &&
    id nobody > /dev/null 2>&1; then
    cp "$BIN" "$dir/reprint-cap"
    chmod 755 "$dir" "$dir/reprint-cap"
    chmod 644 "$dir/doc.txt"
    if setcap cap_net_bind_service+ep "$dir/reprint-cap" 2> /dev/null; then
        timeout 60 setpriv --reuid=nobody --regid=nogroup --clear-groups \
            "$dir/reprint-cap" scan "$dir/doc.txt" > "$dir/cap.out" ||
            { echo "FAIL: scan with a capability exited $? (124: it kept starting again)"; exit 1; }
        cmp -s "$dir/plain.out" "$dir/cap.out" || { echo "FAIL: scan with a capability differs"; exit 1; }
    else
        echo "secure-mode case skipped: setcap refused"
    fi
else
    echo "secure-mode case skipped: needs root, setcap, setpriv and a nobody user"
fi
echo "ok"
