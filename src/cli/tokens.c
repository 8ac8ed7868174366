/*
 * tokens.c - `reprint tokens`: every token of each document with its byte span, line and
 * column, its original text and normalized form, and the fingerprints winnowing selected, so
 * a user can see why two texts match or do not.
 */
#include "cli.h"

#include <string.h>

static void tokens_help(const rp_options *d)
{
    printf("usage: reprint tokens [options] PATH...\n\n"
           "Prints one line per token, tab-separated:\n"
           "  pos  start  end  line:column  text  normalized  fingerprint\n"
           "where start and end are byte offsets into the document, and fingerprint is the\n"
           "hash of the shingle starting at that token when winnowing selected it. Takes the\n"
           "input, text and --shingle/--window options of 'reprint scan' (defaults %u, %u),\n"
           "and -o FILE.\n",
           d->shingle, d->window);
}

typedef struct tokens_report {
    const cli_common *common;
    const rp_corpus *corpus;
} tokens_report;

/* Advances line/column (column in code points) from byte `from` to byte `to`. */
static void advance(const char *b, size_t from, size_t to, uint32_t *line, uint32_t *col)
{
    for (size_t i = from; i < to; i++) {
        if (b[i] == '\n')
            (*line)++, *col = 1;
        else if ((b[i] & 0xC0) != 0x80 && !(b[i] == '\r' && i + 1 < to && b[i + 1] == '\n'))
            (*col)++;
    }
}

static int write_doc(FILE *out, const rp_options *opts, const rp_doc *d, uint32_t id,
                     rp_tokens *toks, rp_fingerprints *fps)
{
    uint32_t line = 1, col = 1;
    size_t at = 0, f = 0;
    rp_status st;

    fps->count = 0;
    st = rp_text_tokenize_doc(opts, d, true, toks);
    if (st == RP_OK)
        st = rp_shingle_winnow(opts, toks->items, toks->count, id, fps);
    if (st != RP_OK) {
        cli_error("cannot tokenize '%s': %s", d->name, rp_strerror(st));
        return EXIT_TROUBLE;
    }
    fputs("# ", out);
    rp_write_safe(out, d->name, strlen(d->name));
    fprintf(out, ": %zu bytes, %zu tokens, %zu fingerprints (shingle %u, window %u)", d->len,
            toks->count, fps->count, opts->shingle, opts->window);
    if (toks->invalid_utf8)
        fprintf(out, ", %zu invalid UTF-8 (first at byte %zu)", toks->invalid_utf8,
                toks->first_invalid);
    fputs("\n", out);
    for (size_t i = 0; i < toks->count; i++) {
        const rp_token *t = &toks->items[i];
        advance(d->bytes, at, t->start, &line, &col);
        at = t->start;
        fprintf(out, "%zu\t%u\t%u\t%u:%u\t", i, t->start, t->end, line, col);
        rp_write_safe(out, d->bytes + t->start, t->end - t->start);
        putc('\t', out);
        rp_write_safe(out, toks->norm + toks->norm_off[i],
                      toks->norm_off[i + 1] - toks->norm_off[i]);
        putc('\t', out);
        for (; f < fps->count && fps->items[f].pos < i; f++)
            ;
        if (f < fps->count && fps->items[f].pos == i)
            fprintf(out, "%016llx", (unsigned long long)fps->items[f].hash);
        putc('\n', out);
    }
    return 0;
}

static int write_tokens(FILE *out, void *ctx)
{
    const tokens_report *r = ctx;
    rp_tokens toks;
    rp_fingerprints fps;
    int rc = 0;

    rp_tokens_init(&toks);
    rp_fingerprints_init(&fps);
    for (uint32_t i = 0; i < rp_corpus_count(r->corpus) && rc == 0; i++)
        rc = write_doc(out, &r->common->opts, rp_corpus_doc(r->corpus, i), i, &toks, &fps);
    rp_tokens_release(&toks);
    rp_fingerprints_release(&fps);
    return rc;
}

int cmd_tokens(int argc, char **argv)
{
    cli_common c;
    rp_corpus *corpus;
    int first, rc;
    bool help;

    cli_common_init(&c);
    if (!cli_parse("tokens", argc, argv, &c, &first, &help))
        return EXIT_TROUBLE;
    if (help) {
        tokens_help(&c.opts);
        return 0;
    }
    if (first >= argc) {
        fprintf(stderr, "reprint: tokens needs a PATH\ntry 'reprint tokens --help'\n");
        return EXIT_TROUBLE;
    }
    corpus = cli_read_inputs(&c, argc - first, argv + first);
    if (!corpus)
        return EXIT_TROUBLE;
    tokens_report r = {&c, corpus};
    rc = cli_write_report(&c, write_tokens, &r);
    rp_corpus_free(corpus);
    return rc;
}
