/*
 * common.c - the options every reprint command shares (getopt_long, strict numbers with
 * range checks), reading inputs into a corpus, progress on stderr, and atomic report output
 * (a temporary file in the target's folder, renamed into place only when complete).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    OPT_FORMAT = 'f',
    OPT_OUTPUT = 'o',
    OPT_QUIET = 'q',
    OPT_HELP = 'h',
    OPT_JSONL = 256,
    OPT_ID_FIELD,
    OPT_TEXT_FIELD,
    OPT_SPLIT,
    OPT_SPLIT_AFTER,
    OPT_MAX_DOC_BYTES,
    OPT_MEMORY,
    OPT_SHINGLE,
    OPT_WINDOW,
    OPT_MIN_TOKENS,
    OPT_MIN_IDENTITY,
    OPT_MAX_DF,
    OPT_BOILERPLATE_DOCS,
    OPT_BOILERPLATE_TOKENS,
    OPT_KINDS,
    OPT_MAX_PASSAGES,
    OPT_THREADS,
    OPT_PROGRESS,
    OPT_NO_PROGRESS,
    OPT_NO_FOLD_CASE,
    OPT_NO_FOLD_MARKS,
    OPT_NO_FOLD_QUOTES,
    OPT_NO_FOLD_SPELLING,
    OPT_EXPLAIN,
    OPT_EXIT_CODE,
    OPT_TITLE_FIELD,
    OPT_DATE_FIELD,
    OPT_SERIES_FIELD,
    OPT_SERIES,
    OPT_IGNORE_LINES,
    OPT_DIFF,
};

static const struct option long_options[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {"jsonl", no_argument, NULL, OPT_JSONL},
    {"id-field", required_argument, NULL, OPT_ID_FIELD},
    {"text-field", required_argument, NULL, OPT_TEXT_FIELD},
    {"split", required_argument, NULL, OPT_SPLIT},
    {"split-after", required_argument, NULL, OPT_SPLIT_AFTER},
    {"max-doc-bytes", required_argument, NULL, OPT_MAX_DOC_BYTES},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"shingle", required_argument, NULL, OPT_SHINGLE},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"min-tokens", required_argument, NULL, OPT_MIN_TOKENS},
    {"min-identity", required_argument, NULL, OPT_MIN_IDENTITY},
    {"max-df", required_argument, NULL, OPT_MAX_DF},
    {"boilerplate-docs", required_argument, NULL, OPT_BOILERPLATE_DOCS},
    {"boilerplate-tokens", required_argument, NULL, OPT_BOILERPLATE_TOKENS},
    {"kinds", required_argument, NULL, OPT_KINDS},
    {"max-passages", required_argument, NULL, OPT_MAX_PASSAGES},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"no-fold-case", no_argument, NULL, OPT_NO_FOLD_CASE},
    {"no-fold-marks", no_argument, NULL, OPT_NO_FOLD_MARKS},
    {"no-fold-quotes", no_argument, NULL, OPT_NO_FOLD_QUOTES},
    {"no-fold-spelling", no_argument, NULL, OPT_NO_FOLD_SPELLING},
    {"explain", required_argument, NULL, OPT_EXPLAIN},
    {"exit-code", no_argument, NULL, OPT_EXIT_CODE},
    {"title-field", required_argument, NULL, OPT_TITLE_FIELD},
    {"date-field", required_argument, NULL, OPT_DATE_FIELD},
    {"series-field", required_argument, NULL, OPT_SERIES_FIELD},
    {"series", required_argument, NULL, OPT_SERIES},
    {"ignore-lines", required_argument, NULL, OPT_IGNORE_LINES},
    {"diff", no_argument, NULL, OPT_DIFF},
    {NULL, 0, NULL, 0},
};

void cli_vmessage(const char *fmt, va_list ap)
{
    char small[512], *text = small;
    va_list again;
    int len;

    va_copy(again, ap);
    len = vsnprintf(small, sizeof(small), fmt, ap);
    if (len >= (int)sizeof(small) && (text = malloc((size_t)len + 1)) != NULL)
        vsnprintf(text, (size_t)len + 1, fmt, again);
    va_end(again);
    fputs("reprint: ", stderr);
    if (!text) /* out of memory: what fitted */
        text = small, len = (int)strlen(small);
    if (len > 0)
        rp_write_safe(stderr, text, (size_t)len);
    if (text != small)
        free(text);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cli_vmessage(fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static bool usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* One line naming the problem, one pointing at help; always false, for `return`. */
static bool usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cli_vmessage(fmt, ap);
    va_end(ap);
    fprintf(stderr, "\ntry 'reprint %s --help'\n", command);
    return false;
}

void cli_common_init(cli_common *c)
{
    memset(c, 0, sizeof(*c));
    rp_options_init(&c->opts);
    rp_read_options_init(&c->read);
    c->format = RP_FORMAT_TEXT;
    c->progress = -1;
}

/* Whole numbers only: no sign, no trailing characters, inside [min, max]. */
static bool parse_uint(const char *text, unsigned long long min, unsigned long long max,
                       unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* A size: a whole number with an optional K, M or G (powers of 1024), e.g. 1500M or 2G. */
static bool parse_size(const char *text, unsigned long long *out)
{
    char digits[32], unit = 0;
    size_t n = strlen(text);
    unsigned long long v, mul = 1;

    if (n == 0 || n >= sizeof(digits))
        return false;
    memcpy(digits, text, n + 1);
    if (strchr("kKmMgG", digits[n - 1])) {
        unit = (char)(digits[n - 1] | 0x20);
        digits[n - 1] = '\0';
        mul = unit == 'k' ? 1ULL << 10 : unit == 'm' ? 1ULL << 20 : 1ULL << 30;
    }
    if (!parse_uint(digits, 1, ULLONG_MAX / mul, &v) || v * mul > SIZE_MAX)
        return false;
    *out = v * mul;
    return true;
}

static bool parse_u32(const char *command, const char *name, const char *text, uint32_t min,
                      uint32_t max, uint32_t *out)
{
    unsigned long long v;

    if (!parse_uint(text, min, max, &v))
        return usage_error(command, "--%s takes a whole number from %u to %u, not '%s'", name,
                           min, max, text);
    *out = (uint32_t)v;
    return true;
}

static bool parse_share(const char *command, const char *text, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= 0.0 && v <= 1.0))
        return usage_error(command, "--min-identity takes a number from 0 to 1, not '%s'", text);
    *out = v;
    return true;
}

static bool parse_kinds(const char *command, const char *text, uint32_t *out)
{
    char buf[128];
    uint32_t kinds = 0;

    if (strlen(text) >= sizeof(buf))
        return usage_error(command, "--kinds: too long: '%s'", text);
    strcpy(buf, text);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        rp_kind k;
        if (rp_kind_parse(tok, &k) != RP_OK)
            return usage_error(command,
                               "--kinds takes reprint, internal, boilerplate and series, not '%s'", tok);
        kinds |= 1u << k;
    }
    if (!kinds)
        return usage_error(command, "--kinds needs at least one kind, not '%s'", text);
    *out = kinds;
    return true;
}

/* One option; false on bad usage. */
static bool apply_option(const char *command, int opt, int argc, char **argv, cli_common *c)
{
    rp_options *o = &c->opts;
    unsigned long long big;

    switch (opt) {
    case OPT_FORMAT:
        if (rp_format_parse(optarg, &c->format) != RP_OK)
            return usage_error(command, "--format takes text, json, jsonl, csv or html, not '%s'",
                               optarg);
        return true;
    case OPT_OUTPUT: c->output = optarg; return true;
    case OPT_QUIET: c->quiet = true; return true;
    case OPT_JSONL: c->read.jsonl = true; return true;
    case OPT_ID_FIELD: c->read.id_field = optarg; return true;
    case OPT_TEXT_FIELD: c->read.text_field = optarg; return true;
    case OPT_SPLIT: c->read.split = optarg; return true;
    case OPT_SPLIT_AFTER: c->read.split_after = optarg; return true;
    case OPT_MAX_DOC_BYTES:
        if (!parse_uint(optarg, 1, SIZE_MAX, &big))
            return usage_error(command, "--max-doc-bytes takes a whole number of bytes, not '%s'",
                               optarg);
        c->read.max_doc_bytes = (size_t)big;
        return true;
    case OPT_MEMORY:
        if (!parse_size(optarg, &big))
            return usage_error(command, "--memory takes a size such as 800M or 2G, not '%s'",
                               optarg);
        o->memory = (size_t)big;
        return true;
    case OPT_SHINGLE: return parse_u32(command, "shingle", optarg, 1, 64, &o->shingle);
    case OPT_WINDOW: return parse_u32(command, "window", optarg, 1, 1024, &o->window);
    case OPT_MIN_TOKENS:
        return parse_u32(command, "min-tokens", optarg, 1, UINT32_MAX, &o->min_tokens);
    case OPT_MIN_IDENTITY: return parse_share(command, optarg, &o->min_identity);
    case OPT_MAX_DF: return parse_u32(command, "max-df", optarg, 2, UINT32_MAX, &o->max_df);
    case OPT_BOILERPLATE_DOCS:
        return parse_u32(command, "boilerplate-docs", optarg, 2, UINT32_MAX,
                         &o->boilerplate_docs);
    case OPT_BOILERPLATE_TOKENS:
        return parse_u32(command, "boilerplate-tokens", optarg, 1, UINT32_MAX,
                         &o->boilerplate_tokens);
    case OPT_KINDS: return parse_kinds(command, optarg, &o->kinds);
    case OPT_MAX_PASSAGES:
        if (!parse_uint(optarg, 0, UINT32_MAX, &big))
            return usage_error(command,
                               "--max-passages takes a whole number from 0 (all) to %u, not '%s'",
                               UINT32_MAX, optarg);
        o->max_passages = (uint32_t)big;
        return true;
    case OPT_THREADS: return parse_u32(command, "threads", optarg, 1, 1024, &o->threads);
    case OPT_PROGRESS: c->progress = 1; return true;
    case OPT_NO_PROGRESS: c->progress = 0; return true;
    case OPT_NO_FOLD_CASE: o->fold_case = false; return true;
    case OPT_NO_FOLD_MARKS: o->fold_marks = false; return true;
    case OPT_NO_FOLD_QUOTES: o->fold_quotes = false; return true;
    case OPT_NO_FOLD_SPELLING: o->fold_spelling = false; return true;
    case OPT_EXPLAIN:
        if (optind >= argc)
            return usage_error(command, "--explain takes two documents: %s and which other?",
                               optarg);
        c->explain[0] = optarg;
        c->explain[1] = argv[optind++];
        return true;
    case OPT_EXIT_CODE: c->exit_code = true; return true;
    case OPT_TITLE_FIELD: c->read.title_field = optarg; return true;
    case OPT_DATE_FIELD: c->read.date_field = optarg; return true;
    case OPT_SERIES_FIELD: c->read.series_field = optarg; return true;
    case OPT_SERIES: c->read.series = optarg; return true;
    case OPT_IGNORE_LINES: c->read.ignore_lines = optarg; return true;
    case OPT_DIFF: o->diff = true; return true;
    default: return false;
    }
}

bool cli_parse(const char *command, int argc, char **argv, cli_common *c, int *first,
               bool *help)
{
    char msg[300];
    int opt;

    *help = false;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":f:o:qh", long_options, NULL)) != -1) {
        if (opt == OPT_HELP) {
            *help = true;
            return true;
        }
        if (opt == '?')
            return usage_error(command, "unknown option '%s'", argv[optind - 1]);
        if (opt == ':')
            return usage_error(command, "option '%s' needs a value", argv[optind - 1]);
        if (!apply_option(command, opt, argc, argv, c))
            return false;
    }
    if (rp_read_options_check(&c->read, msg, sizeof(msg)) != RP_OK)
        return usage_error(command, "%s", msg);
    if (c->progress < 0)
        c->progress = !c->quiet && isatty(STDERR_FILENO);
    *first = optind;
    return true;
}

/* Documents whose date field holds no readable date are kept, undated: each is named once. */
static void warn_dates(const rp_corpus *corpus, const char *field)
{
    for (uint32_t i = 0; i < rp_corpus_count(corpus); i++) {
        const rp_doc *d = rp_corpus_doc(corpus, i);
        if (d->date_unreadable)
            cli_error("'%s': field '%s' is not an RFC 3339 or RFC 822 date: taken as undated",
                      d->name, field);
    }
}

rp_corpus *cli_read_inputs(const cli_common *c, int npaths, char **paths)
{
    rp_corpus *corpus = NULL;
    rp_status st = rp_corpus_new(&corpus);
    size_t reported = 0;

    rp_read_options ro = c->read;

    ro.threads = c->opts.threads;
    cli_progress((void *)c, "read", 0, (uint64_t)npaths);
    for (int i = 0; i < npaths && st == RP_OK; i++) {
        st = rp_corpus_read(corpus, paths[i], &ro);
        for (; reported < rp_corpus_skipped_count(corpus); reported++) {
            const rp_skip *sk = rp_corpus_skipped(corpus, reported);
            if (!c->quiet)
                cli_error("skipped '%s': %s", sk->input, sk->reason);
        }
        if (st != RP_OK)
            cli_error("cannot read '%s': %s", paths[i], rp_strerror(st));
    }
    if (st == RP_OK)
        cli_progress((void *)c, "read", (uint64_t)npaths, (uint64_t)npaths);
    if (st == RP_OK && !c->quiet)
        warn_dates(corpus, ro.date_field ? ro.date_field : "date");
    if (st == RP_OK && rp_corpus_count(corpus) == 0) {
        cli_error("no documents read (%zu input%s skipped)", reported, reported == 1 ? "" : "s");
        st = RP_EINVAL;
    }
    if (st != RP_OK) {
        rp_corpus_free(corpus);
        return NULL;
    }
    return corpus;
}

static long long ns_of(struct timespec t)
{
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

void cli_progress(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
    static struct timespec last, begun;
    static char current[32];
    static bool ended;
    struct timespec now;
    const cli_common *c = ctx;

    if (!c->progress)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (strncmp(current, stage, sizeof(current) - 1) != 0) { /* a new stage: its clock starts */
        snprintf(current, sizeof(current), "%s", stage);
        begun = now;
        ended = false;
    }
    if (ended || (done < total && ns_of(now) < ns_of(last) + 200000000LL))
        return; /* at most five updates a second, and one line when the stage ends */
    last = now;
    ended = done >= total;
    if (done >= total)
        fprintf(stderr, "\rreprint: %-12s %llu/%llu  %.1f s\n", stage, (unsigned long long)done,
                (unsigned long long)total, (double)(ns_of(now) - ns_of(begun)) / 1e9);
    else
        fprintf(stderr, "\rreprint: %-12s %llu/%llu   ", stage, (unsigned long long)done,
                (unsigned long long)total);
    fflush(stderr);
}

/* Output to a temporary file beside the target, renamed into place when complete. */
static int write_to_file(const char *path, int (*write)(FILE *, void *), void *ctx)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    struct stat sb;
    int fd, rc;
    FILE *out;

    if (!tmp) {
        cli_error("cannot write '%s': out of memory", path);
        return EXIT_TROUBLE;
    }
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        cli_error("cannot write '%s': it is a directory", path);
        free(tmp);
        return EXIT_TROUBLE;
    }
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp-XXXXXX", 12);
    fd = mkstemp(tmp);
    if (fd < 0 || !(out = fdopen(fd, "w"))) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd), unlink(tmp);
        free(tmp);
        return EXIT_TROUBLE;
    }
    fchmod(fd, 0644);
    setvbuf(out, NULL, _IOFBF, 1 << 20); /* a report of many MB: fewer, larger writes */
    rc = write(out, ctx);
    if (fflush(out) != 0 || ferror(out) || fsync(fd) != 0)
        rc = rc ? rc : (cli_error("cannot write '%s': %s", path, strerror(errno)), EXIT_TROUBLE);
    if (fclose(out) != 0 && rc == 0)
        rc = (cli_error("cannot write '%s': %s", path, strerror(errno)), EXIT_TROUBLE);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = (cli_error("cannot write '%s': %s", path, strerror(errno)), EXIT_TROUBLE);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* Output straight to a stream: stdout, or a device or FIFO named with -o (never replaced). */
static int write_to_stream(FILE *out, const char *name, int (*write)(FILE *, void *), void *ctx)
{
    int rc = write(out, ctx);

    if ((fflush(out) != 0 || ferror(out)) && rc == 0) {
        cli_error("cannot write the report to %s: %s", name, strerror(errno));
        rc = EXIT_TROUBLE;
    }
    return rc;
}

int cli_write_report(const cli_common *c, int (*write)(FILE *out, void *ctx), void *ctx)
{
    struct stat sb;
    FILE *out;
    int rc;

    if (!c->output || strcmp(c->output, "-") == 0)
        return write_to_stream(stdout, "standard output", write, ctx);
    if (stat(c->output, &sb) != 0 || S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode))
        return write_to_file(c->output, write, ctx);
    out = fopen(c->output, "w");
    if (!out) {
        cli_error("cannot write '%s': %s", c->output, strerror(errno));
        return EXIT_TROUBLE;
    }
    rc = write_to_stream(out, c->output, write, ctx);
    if (fclose(out) != 0 && rc == 0) {
        cli_error("cannot write '%s': %s", c->output, strerror(errno));
        rc = EXIT_TROUBLE;
    }
    return rc;
}
