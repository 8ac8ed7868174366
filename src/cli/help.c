/*
 * help.c - prints a command's help from the text generated out of src/cli/help/<command>.txt
 * (help-c.awk), filling its @name@ placeholders with the library's defaults, and answers
 * which options and formats a command takes: the ones its help names. The man pages are made
 * from this output, so --help, the man pages and the parser cannot disagree.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

const cli_help *cli_help_find(const char *name)
{
    for (size_t i = 0; i < cli_help_count; i++)
        if (strcmp(cli_helps[i].name, name) == 0)
            return &cli_helps[i];
    return NULL;
}

bool cli_help_takes(const cli_help *h, const char *option)
{
    for (const char *const *o = h->options; *o; o++)
        if (strcmp(*o, option) == 0)
            return true;
    return false;
}

bool cli_help_writes(const cli_help *h, const char *format)
{
    size_t len = strlen(format);

    for (const char *f = h->formats; (f = strstr(f, format)) != NULL; f += len)
        if ((f == h->formats || f[-1] == ' ') && (f[len] == ' ' || f[len] == '\0'))
            return true;
    return false;
}

/* The commands, one a line, for the program's own help (every entry but the program's). */
static void print_commands(FILE *out)
{
    for (size_t i = 0; i < cli_help_count; i++)
        if (strcmp(cli_helps[i].name, "reprint") != 0)
            fprintf(out, "  %-8s %s\n", cli_helps[i].name, cli_helps[i].summary);
    fprintf(out, "  %-8s %s\n", "help", "a command's help: reprint help COMMAND");
    fprintf(out, "  %-8s %s", "version", "the program's version");
}

/* The default that placeholder NAME stands for, into buf; false for an unknown name. */
static bool default_text(const char *name, size_t len, char *buf, size_t size)
{
    rp_options o;
    rp_dedup_options d;
    rp_quotes_options q;

    rp_options_init(&o);
    rp_dedup_options_init(&d);
    rp_quotes_options_init(&q);
    const struct {
        const char *name;
        double value;
        bool share; /* a share from 0 to 1, written with two decimals */
    } table[] = {
        {"shingle", o.shingle, false},
        {"window", o.window, false},
        {"min_tokens", o.min_tokens, false},
        {"min_identity", o.min_identity, true},
        {"max_df", o.max_df, false},
        {"boilerplate_docs", o.boilerplate_docs, false},
        {"boilerplate_tokens", o.boilerplate_tokens, false},
        {"resemblance", d.resemblance, true},
        {"containment", d.containment, true},
        {"min_words", q.min_words, false},
        {"max_sources", q.max_sources, false},
    };

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strlen(table[i].name) != len || strncmp(table[i].name, name, len) != 0)
            continue;
        snprintf(buf, size, table[i].share ? "%.2f" : "%.0f", table[i].value);
        return true;
    }
    return false;
}

void cli_help_print(FILE *out, const cli_help *h)
{
    char value[32];

    for (const char *t = h->text, *at; *t; t = at) {
        const char *end;
        at = strchr(t, '@');
        if (!at || !(end = strchr(at + 1, '@'))) {
            fputs(t, out);
            return;
        }
        fwrite(t, 1, (size_t)(at - t), out);
        if (end - at == 9 && strncmp(at, "@commands@", 10) == 0)
            print_commands(out);
        else if (default_text(at + 1, (size_t)(end - at - 1), value, sizeof(value)))
            fputs(value, out);
        else
            fwrite(at, 1, (size_t)(end - at + 1), out); /* not a placeholder: as written */
        at = end + 1;
    }
}
