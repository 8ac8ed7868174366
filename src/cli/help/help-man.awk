# help-man.awk - turns a command's --help output into its man page (roff, man macros), so the
# page says exactly what --help says. The help's shape (see the sources in this folder): a
# usage line, description paragraphs, then sections ("name:" at column 0, or "name: text"),
# each holding option lines ("  -x, --long ARG   what it does", continued at column 26) or
# text. Variables: page (reprint, reprint-scan, ...), summary, version, see (the pages to
# see also, space-separated).
function esc(s) {
    gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s)
    return s
}
# Text: a line starting with . or ' would be read as a request.
function text(s) {
    if (s ~ /^[.']/) s = "\\&" s
    print s
}
function out(s) { print s }
# "--format FORMAT" -> options and commands bold, values (FORMAT, first|longest) italic.
function tag(s,   n, w, i, r, sep) {
    n = split(s, w, / /); r = ""
    for (i = 1; i <= n; i++) {
        sep = (i > 1 ? " " : "")
        if (w[i] ~ /^[A-Z]/ || w[i] ~ /\|/) r = r sep "\\fI" esc(w[i]) "\\fR"
        else r = r sep "\\fB" esc(w[i]) "\\fR"
    }
    return r
}
function section(title) {
    if (title == "exit status") { out(".SH \"EXIT STATUS\""); in_options = 0; return }
    if (title == "commands") { out(".SH COMMANDS"); in_options = 0; return }
    if (!in_options) { out(".SH OPTIONS"); in_options = 1 }
    out(".SS \"" toupper(substr(title, 1, 1)) substr(title, 2) "\"")
}
BEGIN {
    up = toupper(page)
    out(".TH \"" up "\" 1 \"\" \"reprint " version "\" \"reprint manual\"")
    out(".nh")   # no hyphenation: option names and JSON fields stay whole
    out(".ad l") # and no stretched lines
    out(".SH NAME")
    text(esc(page) " \\- " esc(summary))
}
NR == 1 {
    sub(/^usage: /, "")
    out(".SH SYNOPSIS")
    out(tag($0))
    out(".SH DESCRIPTION")
    next
}
/^$/ { out(".PP"); next }
/^[a-z][a-z ]*:( |$)/ {
    title = $0; sub(/:.*/, "", title)
    rest = $0; sub(/^[a-z][a-z ]*: ?/, "", rest)
    section(title)
    if (rest != "") text(esc(rest))
    next
}
/^  [^ ]/ && match($0, /[^ ]  +/) {
    out(".TP")
    out(tag(substr($0, 3, RSTART - 2)))
    body = substr($0, RSTART + RLENGTH - 1); sub(/^ +/, "", body)
    text(esc(body))
    next
}
/^  [^ ]/ { out(".TP"); t = $0; sub(/^ +/, "", t); out(tag(t)); next }
{ t = $0; sub(/^ +/, "", t); text(esc(t)) }
END {
    n = split(see, pages, / /)
    if (n) out(".SH \"SEE ALSO\"")
    for (i = 1; i <= n; i++) out("\\fB" esc(pages[i]) "\\fR(1)" (i < n ? "," : ""))
}
