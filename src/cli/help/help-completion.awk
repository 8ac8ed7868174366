# help-completion.awk - the bash and zsh completions, from the --help output of every command
# (each preceded by a line "#command NAME"): a command's options are the long options its help
# names, and --format's values the formats its --format line names.
# Variables: shell (bash or zsh).
function flush() {
    if (cmd == "") return
    cmds = cmds " " cmd
    opts[cmd] = o; fmts[cmd] = f
}
/^#command / { flush(); cmd = $2; o = ""; f = ""; delete seen; next }
# An option line: an option followed by a value word (FILE, first|longest) takes a value.
/^  -/ {
    t = substr($0, 3); if (match(t, /  /)) t = substr(t, 1, RSTART - 1)
    m = split(t, tw, / /)
    for (i = 1; i < m; i++)
        if (tw[i] ~ /^--/ && tw[i + 1] !~ /^-/) valued[cmd, tw[i]] = 1
}
{
    line = $0
    while (match(line, /--[a-z][a-z0-9-]*/)) {
        w = substr(line, RSTART, RLENGTH)
        if (!(w in seen)) { seen[w] = 1; o = o (o == "" ? "" : " ") w }
        line = substr(line, RSTART + RLENGTH)
    }
    if ($0 ~ /^  -f, --format FORMAT/) { in_f = 1; line = substr($0, 27) }
    else if (in_f && $0 ~ /^                          /) line = $0
    else in_f = 0
    if (in_f) {
        if (index(line, ".")) { line = substr(line, 1, index(line, ".") - 1); in_f = 0 }
        n = split(line, w2, /[^a-z]+/)
        for (i = 1; i <= n; i++)
            if (w2[i] ~ /^(text|json|jsonl|csv|html)$/ && index(" " f " ", " " w2[i] " ") == 0)
                f = f (f == "" ? "" : " ") w2[i]
    }
}
END {
    flush()
    n = split(substr(cmds, 2), list, / /)
    if (shell == "bash") bash(); else zsh()
}
function bash(   i, c) {
    print "# bash completion for reprint (generated from its --help)"
    print "_reprint() {"
    print "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}"
    print "    if [ \"$COMP_CWORD\" -eq 1 ]; then"
    print "        COMPREPLY=($(compgen -W \"" substr(cmds, 2) " help version --help --version\" -- \"$cur\"))"
    print "        return"
    print "    fi"
    print "    local opts= formats="
    print "    case ${COMP_WORDS[1]} in"
    for (i = 1; i <= n; i++) {
        c = list[i]
        print "    " c ") opts=\"" opts[c] "\" formats=\"" fmts[c] "\" ;;"
    }
    print "    help) COMPREPLY=($(compgen -W \"" substr(cmds, 2) "\" -- \"$cur\")); return ;;"
    print "    esac"
    print "    case $prev in"
    print "    -f|--format) COMPREPLY=($(compgen -W \"$formats\" -- \"$cur\")); return ;;"
    print "    esac"
    print "    if [[ $cur == -* ]]; then"
    print "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))"
    print "    else"
    print "        COMPREPLY=($(compgen -f -- \"$cur\"))"
    print "    fi"
    print "}"
    print "complete -o filenames -o bashdefault -F _reprint reprint"
}
function zsh(   i, c, k, m, ow) {
    print "#compdef reprint"
    print "# zsh completion for reprint (generated from its --help)"
    print "_reprint() {"
    print "    if (( CURRENT == 2 )); then"
    print "        _values command " substr(cmds, 2) " help version"
    print "        return"
    print "    fi"
    print "    case $words[2] in"
    for (i = 1; i <= n; i++) {
        c = list[i]
        printf "    %s) _arguments", c
        m = split(opts[c], ow, / /)
        for (k = 1; k <= m; k++) {
            if (ow[k] == "--format") printf " '--format:format:(%s)'", fmts[c]
            else if ((c, ow[k]) in valued) printf " '%s:value:_files'", ow[k]
            else printf " '%s'", ow[k]
        }
        print " '*:file:_files' ;;"
    }
    print "    help) _values command " substr(cmds, 2) " ;;"
    print "    esac"
    print "}"
    print "_reprint \"$@\""
}
