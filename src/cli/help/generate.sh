#!/bin/sh
# generate.sh - the build steps that turn the help sources into the program's help text, the
# man pages and the shell completions (POSIX sh and awk; run by CMake).
#   generate.sh c OUT SOURCE...        C data for the program (help-c.awk)
#   generate.sh man PROGRAM HELPDIR OUTDIR VERSION NAME...
#                                      man pages (NAME.1, and NAME.1.gz to install) and
#                                      completions from PROGRAM's --help
set -eu
here=$(dirname "$0")
mode=$1; shift
case $mode in
c)
    out=$1; shift
    { echo "/* Generated from the help sources (src/cli/help/NAME.txt) by help-c.awk: edit those, not this. */"
      echo "#include \"cli.h\""
      echo
      awk -f "$here/help-c.awk" "$@"; } > "$out.tmp"
    mv "$out.tmp" "$out"
    ;;
man)
    program=$1 helpdir=$2 outdir=$3 version=$4; shift 4
    mkdir -p "$outdir/man1" "$outdir/completion"
    see=
    for name in "$@"; do
        [ "$name" = reprint ] || see="$see${see:+ }reprint-$name"
    done
    : > "$outdir/completion/help.tmp"
    for name in "$@"; do
        summary=$(sed -n '1s/^[a-z]* - //p' "$helpdir/$name.txt")
        if [ "$name" = reprint ]; then
            page=reprint; "$program" --help > "$outdir/help.tmp"; also=$see
        else
            page=reprint-$name; "$program" "$name" --help > "$outdir/help.tmp"
            also=reprint
            { echo "#command $name"; cat "$outdir/help.tmp"; } >> "$outdir/completion/help.tmp"
        fi
        awk -v page="$page" -v summary="$summary" -v version="$version" -v see="$also" \
            -f "$here/help-man.awk" "$outdir/help.tmp" > "$outdir/man1/$page.1.tmp"
        mv "$outdir/man1/$page.1.tmp" "$outdir/man1/$page.1"
        gzip -9 -n -c "$outdir/man1/$page.1" > "$outdir/man1/$page.1.gz" # installed (Debian's way)
    done
    awk -v shell=bash -f "$here/help-completion.awk" "$outdir/completion/help.tmp" \
        > "$outdir/completion/reprint"
    awk -v shell=zsh -f "$here/help-completion.awk" "$outdir/completion/help.tmp" \
        > "$outdir/completion/_reprint"
    rm -f "$outdir/help.tmp" "$outdir/completion/help.tmp"
    ;;
*) echo "generate.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac
