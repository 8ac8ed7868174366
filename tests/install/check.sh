#!/bin/sh
# Installs the build into a scratch prefix (cmake --install --prefix) and builds the README's
# library example against the installed files twice: with pkg-config (reprint.pc) and with
# CMake's find_package(reprint). Each program is run on two small documents and must print a
# JSON report holding the passage they share. Also checks what the install put in place: the
# man pages, completions and docs.
# Usage: check.sh BUILD_DIR SOURCE_DIR SANITIZED(0|1)
set -u
build=$1 src=$2 sanitized=$3
if [ "$sanitized" = 1 ]; then
    echo "skipped: a sanitized libreprint needs a sanitized program to load it"; exit 77
fi
for tool in cc pkg-config cmake; do
    command -v $tool > /dev/null || { echo "skipped: $tool is missing"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "cmake --install"; }
for f in bin/reprint include/reprint.h share/man/man1/reprint.1.gz share/man/man1/reprint-scan.1.gz \
    share/bash-completion/completions/reprint share/zsh/vendor-completions/_reprint \
    share/doc/reprint/ARCHITECTURE.md; do
    [ -f "$prefix/$f" ] || fail "not installed: $f"
done
if command -v man > /dev/null; then # the installed page, as a user would read it
    MANPATH="$prefix/share/man" MANWIDTH=80 man reprint-scan 2> "$tmp/man.err" |
        grep -q -- '--min-tokens' || { cat "$tmp/man.err"; fail "man reprint-scan from $prefix"; }
fi
pcdir=$(dirname "$(find "$prefix" -name reprint.pc | head -1)")
[ -f "$pcdir/reprint.pc" ] || fail "not installed: reprint.pc"
libdir=$(dirname "$pcdir")

# The README's example, exactly as written there.
awk '/^```c$/ { on = 1; next } /^```$/ { on = 0 } on' "$src/README.md" > "$tmp/example.c"
grep -q 'int main' "$tmp/example.c" || fail "README.md has no complete C example"
mkdir "$tmp/run" "$tmp/run/posts"
line="The harbour board voted on Tuesday to deepen the northern channel and build two berths."
printf 'Monday.\n%s\n' "$line" > "$tmp/run/posts/a.txt"
printf 'Digest.\n%s\nMore later.\n' "$line" > "$tmp/run/posts/b.txt"

run_example() { # $1: the program; its report must name both documents in one cluster
    (cd "$tmp/run" && LD_LIBRARY_PATH="$libdir" "$1") > "$tmp/out.json" ||
        fail "$1 exited $?"
    grep -q '"clusters":\[' "$tmp/out.json" && grep -q '"doc":1' "$tmp/out.json" ||
        { head -c 600 "$tmp/out.json"; fail "$1: no shared passage in its report"; }
}

# pkg-config, from the installed .pc alone (its prefix comes from its own folder).
flags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs reprint) || fail "pkg-config"
case $flags in *"$build"*|*/usr/local/include*) fail "pkg-config points outside: $flags" ;; esac
cc -o "$tmp/example-pc" "$tmp/example.c" $flags || fail "cc with pkg-config flags: $flags"
run_example "$tmp/example-pc"

# find_package(reprint), from the installed CMake package.
mkdir "$tmp/cm"
cp "$tmp/example.c" "$tmp/cm/"
cat > "$tmp/cm/CMakeLists.txt" << 'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(example C)
find_package(reprint REQUIRED)
add_executable(example example.c)
target_link_libraries(example PRIVATE reprint::reprint_shared)
CMAKE
cmake -S "$tmp/cm" -B "$tmp/cm/build" -DCMAKE_PREFIX_PATH="$prefix" > "$tmp/cm.log" 2>&1 &&
    cmake --build "$tmp/cm/build" >> "$tmp/cm.log" 2>&1 || { cat "$tmp/cm.log"; fail "find_package"; }
run_example "$tmp/cm/build/example"
echo "ok: installed into $prefix; pkg-config and find_package examples ran"
