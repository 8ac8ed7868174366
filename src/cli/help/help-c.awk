# help-c.awk - turns the help sources (help/<command>.txt) into C data for the program: one
# cli_help entry a file, in the order given. Line 1 of a source is "NAME - summary" (as in a
# man page); the rest, from the usage line, is the --help text with @name@ placeholders for
# defaults. The long options it names are the options the command takes, and the formats
# its --format line names are the formats it writes (so help and parser cannot disagree).
# Usage: awk -f help-c.awk reprint.txt scan.txt ... > help_text.c
function cstr(s) {
    gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\?/, "\\?", s)
    return s
}
function flush(   i) {
    if (name == "") return
    printf "static const char *const %s_options[] = {", name
    for (i = 1; i <= nopt; i++) printf "\"%s\", ", opt[i]
    printf "NULL};\n\n"
    sub(/\n$/, ",\n", text)
    entries = entries sprintf("    {\"%s\", \"%s\",\n%s     %s_options, \"%s\"},\n", name,
                              cstr(summary), text, name, formats)
    count++
}
FNR == 1 {
    flush()
    name = FILENAME; sub(/.*\//, "", name); sub(/\.txt$/, "", name)
    if ($0 !~ /^[a-z]+ - /) { print FILENAME ": line 1 must be 'NAME - summary'" > "/dev/stderr"; bad = 1; exit 1 }
    summary = $0; sub(/^[a-z]+ - /, "", summary)
    text = ""; nopt = 0; formats = ""; in_format = 0; delete seen
    next
}
{
    text = text "     \"" cstr($0) "\\n\"\n"
    line = $0
    while (match(line, /--[a-z][a-z0-9-]*/)) {
        o = substr(line, RSTART + 2, RLENGTH - 2)
        if (!(o in seen)) { seen[o] = 1; opt[++nopt] = o }
        line = substr(line, RSTART + RLENGTH)
    }
    if ($0 ~ /^  -f, --format FORMAT/) { in_format = 1; line = substr($0, 27) }
    else if (in_format && $0 ~ /^                          /) line = $0
    else in_format = 0
    if (in_format) {
        stop = index(line, ".") > 0
        if (stop) line = substr(line, 1, index(line, ".") - 1)
        n = split(line, w, /[^a-z]+/)
        for (i = 1; i <= n; i++)
            if (w[i] ~ /^(text|json|jsonl|csv|html)$/ && index(" " formats " ", " " w[i] " ") == 0)
                formats = formats (formats == "" ? "" : " ") w[i]
        if (stop) in_format = 0
    }
}
END {
    if (bad) exit 1
    flush()
    print "const cli_help cli_helps[] = {"
    printf "%s", entries
    print "};"
    printf "const size_t cli_help_count = %d;\n", count
}
