#!/bin/sh
# The help, the man pages and the completions made from src/cli/help: every placeholder of
# every --help is filled, each man page renders without a warning and says what --help says
# (the option lines of one are in the other), and the bash completion offers a command's
# options and formats, and only its own.
# Usage: check.sh REPRINT MAN_DIR (MAN_DIR: build/man, or "" when the build made no pages)
set -u
reprint=$1 man=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

for cmd in "" scan tokens quotes dedup store; do
    if [ -z "$cmd" ]; then "$reprint" --help > "$tmp/help"; page=reprint
    else "$reprint" "$cmd" --help > "$tmp/help"; page=reprint-$cmd; fi || fail "$page: --help exited $?"
    grep -n '@[a-z_]*@' "$tmp/help" && fail "$page: a placeholder left unfilled"
    [ -n "$man" ] || continue
    command -v groff > /dev/null || { echo "skipped the man pages: no groff"; continue; }
    groff -k -man -ww -z -Tutf8 "$man/man1/$page.1" > "$tmp/warn" 2>&1
    [ -s "$tmp/warn" ] && { cat "$tmp/warn"; fail "$page.1: groff warns"; }
    # every option of the help is in the rendered page
    LC_ALL=C.UTF-8 groff -k -man -Tutf8 -P-cbou "$man/man1/$page.1" 2> /dev/null |
        sed 's/\xe2\x80\x90/-/g; s/\xe2\x88\x92/-/g' > "$tmp/page"
    for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$tmp/help" | sort -u); do
        grep -q -- "$o" "$tmp/page" || fail "$page.1 does not mention $o"
    done
done

if [ -n "$man" ] && command -v bash > /dev/null; then
    complete_words() { # $@: the words typed so far, the last being completed
        bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _reprint
                 printf "%s\n" "${COMPREPLY[@]}"' sh "$man/completion/reprint" "$@"
    }
    [ "$(complete_words reprint tokens --for)" = "--format" ] ||
        fail "bash: 'reprint tokens --for' does not complete to --format"
    [ "$(complete_words reprint tokens --format '')" = "text" ] ||
        fail "bash: tokens --format offers more than text"
    complete_words reprint scan --format '' | grep -qx html || fail "bash: scan --format lacks html"
    complete_words reprint tokens --ki | grep -q . && fail "bash: tokens offers scan's --kinds"
    complete_words reprint de | grep -qx dedup || fail "bash: 'de' does not complete to dedup"
fi
if [ -n "$man" ] && command -v zsh > /dev/null; then
    zsh -n "$man/completion/_reprint" || fail "zsh: _reprint does not parse"
fi
exit $failed
