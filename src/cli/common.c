/*
 * common.c - the options every reprint command shares (getopt_long, strict numbers with
 * range checks), reading inputs into a corpus, progress on stderr, and atomic report output
 * (a temporary file in the target's folder, renamed into place only when complete).
 */
#include "cli.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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
    OPT_TMP_DIR,
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
    OPT_TEXT_ON_DISK,
    OPT_EXCHANGE_MB,
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
    {"tmp-dir", required_argument, NULL, OPT_TMP_DIR},
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
    {"text-on-disk", no_argument, NULL, OPT_TEXT_ON_DISK},
    {"exchange-mb", required_argument, NULL, OPT_EXCHANGE_MB},
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
        c->format_name = optarg;
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
    case OPT_TMP_DIR: o->tmp_dir = optarg; return true;
    case OPT_TEXT_ON_DISK: o->text_on_disk = true; return true;
    case OPT_EXCHANGE_MB:
        if (!parse_uint(optarg, 1, 1024, &big))
            return usage_error(command, "--exchange-mb takes a whole number from 1 to 1024, "
                                        "not '%s'", optarg);
        c->exchange_mb = (unsigned)big;
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

/* The long name of what getopt_long returned (index: its long_options entry, or -1). */
static const char *option_name(int opt, int index)
{
    if (index >= 0)
        return long_options[index].name;
    switch (opt) {
    case OPT_FORMAT: return "format";
    case OPT_OUTPUT: return "output";
    case OPT_QUIET: return "quiet";
    default: return "help";
    }
}

/* "text", "text or json", "text, json or csv": the formats a command writes, for a message. */
static void formats_text(const char *formats, char *buf, size_t size)
{
    const char *last = strrchr(formats, ' ');
    size_t at = 0;

    for (const char *f = formats; *f && at + 1 < size; f++) {
        if (f == last)
            at += (size_t)snprintf(buf + at, size - at, " or ");
        else if (*f == ' ')
            at += (size_t)snprintf(buf + at, size - at, ", ");
        else
            buf[at++] = *f;
        at = at < size ? at : size - 1;
    }
    buf[at] = '\0';
}

/* A format the command does not write: exit 2 rather than write another one under its name. */
static bool check_format(const char *command, const cli_help *h, const cli_common *c)
{
    char list[64];

    if (!c->format_name || cli_help_writes(h, c->format_name))
        return true;
    formats_text(h->formats, list, sizeof(list));
    if (!strchr(h->formats, ' '))
        return usage_error(command, "%s writes only %s, not %s", command, list, c->format_name);
    return usage_error(command, "%s writes %s, not %s", command, list, c->format_name);
}

bool cli_parse(const char *command, int argc, char **argv, cli_common *c, int *first,
               bool *help)
{
    const cli_help *h = cli_help_find(command);
    char msg[300];
    int opt, index = -1;

    assert(h != NULL);
    *help = false;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":f:o:qh", long_options, &index)) != -1) {
        if (opt == OPT_HELP) {
            *help = true;
            return true;
        }
        if (opt == '?')
            return usage_error(command, "unknown option '%s'", argv[optind - 1]);
        if (opt == ':')
            return usage_error(command, "option '%s' needs a value", argv[optind - 1]);
        if (!cli_help_takes(h, option_name(opt, index)))
            return usage_error(command, "%s does not take --%s", command,
                               option_name(opt, index));
        index = -1;
        if (!apply_option(command, opt, argc, argv, c))
            return false;
    }
    if (!check_format(command, h, c))
        return false;
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

/* The reading options of the command line. */
static rp_read_options read_options(const cli_common *c)
{
    rp_read_options ro = c->read;

    ro.threads = c->opts.threads;
    if (c->opts.memory) { /* under a budget the text's pages go back to the system too */
        ro.text_in_file = true;
        ro.tmp_dir = c->opts.tmp_dir;
    }
    return ro;
}

rp_corpus *cli_read_inputs(const cli_common *c, int npaths, char **paths)
{
    rp_corpus *corpus = NULL;
    rp_status st = rp_corpus_new(&corpus);
    size_t reported = 0;

    rp_read_options ro = read_options(c);
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

int cli_check_unchanged(const rp_corpus *corpus, int rc)
{
    const char *name = rp_corpus_changed(corpus);
    if (!name)
        return rc;
    cli_error("'%s': the file shrank while it was being read (truncated or rewritten): the "
              "results are not to be trusted; run again on a file that stays put",
              name);
    return EXIT_TROUBLE;
}

rp_corpus *cli_read_shared(const cli_common *c, rp_exchange *ex, int npaths, char **paths)
{
    rp_corpus *corpus = NULL;
    rp_read_options ro = read_options(c);
    rp_status st = rp_corpus_new(&corpus);

    if (st != RP_OK) { /* the other ranks wait in the reading's first exchange, which this one
                        * cannot join without a corpus: end the rank, and the launcher the job */
        cli_error("cannot read the inputs: %s", rp_strerror(st));
        exit(EXIT_TROUBLE);
    }
    cli_progress((void *)c, "read", 0, (uint64_t)npaths);
    st = rp_corpus_read_shared(corpus, (const char *const *)paths, (size_t)npaths, &ro, ex);
    if (st != RP_OK && ex->rank == 0)
        cli_error("cannot read the inputs (rank %u of %u): %s", ex->failed_rank, ex->size,
                  rp_strerror(st));
    if (st == RP_OK)
        cli_progress((void *)c, "read", (uint64_t)npaths, (uint64_t)npaths);
    size_t skipped = rp_corpus_skipped_count(corpus); /* all of them on rank 0, in order */
    for (size_t i = 0; st == RP_OK && ex->rank == 0 && !c->quiet && i < skipped; i++)
        cli_error("skipped '%s': %s", rp_corpus_skipped(corpus, i)->input,
                  rp_corpus_skipped(corpus, i)->reason);
    if (st == RP_OK && ex->rank == 0 && !c->quiet)
        warn_dates(corpus, ro.date_field ? ro.date_field : "date");
    if (st == RP_OK && rp_corpus_count(corpus) == 0) { /* the same count on every rank */
        if (ex->rank == 0)
            cli_error("no documents read (%zu input%s skipped)", skipped,
                      skipped == 1 ? "" : "s");
        st = RP_EINVAL;
    }
    if (st != RP_OK) {
        rp_corpus_free(corpus);
        return NULL;
    }
    return corpus;
}

bool cli_shared_inputs(cli_common *c, const rp_exchange *ex, int npaths, char **paths,
                       const char *verb)
{
    for (int i = 0; i < npaths; i++)
        if (strcmp(paths[i], "-") == 0 && ex->size > 1) {
            if (ex->rank == 0)
                cli_error("standard input cannot be shared among %u ranks: save it to a file "
                          "and %s that",
                          ex->size, verb);
            return false;
        }
    if (ex->rank != 0)
        c->quiet = true; /* rank 0 says what is skipped, once */
    return true;
}

/* Whether every rank read its inputs: each says, rank 0 tells which did not (its own error
 * is already on stderr). */
bool cli_all_read(const rp_exchange *ex, const rp_corpus *corpus)
{
    uint64_t v = corpus ? 0 : (uint64_t)1 << 32 | ex->rank;
    if (ex->allreduce(ex->ctx, &v, 1, RP_REDUCE_MAX) != 0)
        v = (uint64_t)1 << 32 | ex->rank;
    if (v && ex->rank == 0 && corpus)
        cli_error("rank %u of %u could not read the inputs (its message above): no report",
                  (unsigned)(v & 0xffffffffu), ex->size);
    return v == 0;
}

/* Whether no rank read an input that shrank meanwhile (collective): a rank's zeros went into
 * what it sent the others. The rank that saw it says which file (cli_check_unchanged); rank 0
 * says which rank, when it is another. */
bool cli_all_unchanged(const rp_exchange *ex, const rp_corpus *corpus)
{
    uint64_t v = rp_corpus_changed(corpus) ? (uint64_t)1 << 32 | ex->rank : 0;
    if (ex->allreduce(ex->ctx, &v, 1, RP_REDUCE_MAX) != 0)
        return false;
    if (v && ex->rank == 0 && (v & 0xffffffffu) != 0)
        cli_error("rank %u of %u read an input that shrank while it was being read (its message "
                  "above): no report",
                  (unsigned)(v & 0xffffffffu), ex->size);
    return v == 0;
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

/* ---- report files: a temporary beside the target, renamed into place when complete ---- */

/* Our temporaries are TARGET.tmp-XXXXXX (mkstemp's six characters); one untouched this long
 * belongs to a run that was killed (SIGKILL, power loss) and is swept by the next run. */
#define TMP_SUFFIX ".tmp-"
#define TMP_STALE_SECONDS 3600

/* The temporary a SIGINT, SIGTERM or SIGHUP must remove before the program dies. */
static char pending_tmp[4096];
static volatile sig_atomic_t pending_set;
static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define CLEANUP_SIGNALS (sizeof(cleanup_signals) / sizeof(cleanup_signals[0]))

static void remove_pending(int sig)
{
    if (pending_set)
        unlink(pending_tmp);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Blocks (block = true) or restores the cleanup signals, so that the temporary file and its
 * record in pending_tmp come into being together. */
static void block_cleanup_signals(bool block, sigset_t *saved)
{
    sigset_t set;

    sigemptyset(&set);
    for (size_t i = 0; i < CLEANUP_SIGNALS; i++)
        sigaddset(&set, cleanup_signals[i]);
    if (block)
        sigprocmask(SIG_BLOCK, &set, saved);
    else
        sigprocmask(SIG_SETMASK, saved, NULL);
}

/* Installs (or, with old given back, restores) the handlers that remove the temporary. A
 * signal the caller ignores (nohup, a background job) stays ignored. */
static void handle_cleanup_signals(struct sigaction *old, bool install)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = remove_pending;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < CLEANUP_SIGNALS; i++) {
        if (!install)
            sigaction(cleanup_signals[i], &old[i], NULL);
        else if (sigaction(cleanup_signals[i], NULL, &old[i]) == 0 && old[i].sa_handler != SIG_IGN)
            sigaction(cleanup_signals[i], &sa, NULL);
    }
}

/* True for BASE.tmp-XXXXXX exactly, the X being mkstemp's letters and digits. */
static bool is_our_tmp(const char *name, const char *base, size_t base_len)
{
    const char *x = name + base_len + strlen(TMP_SUFFIX);

    if (strncmp(name, base, base_len) != 0 ||
        strncmp(name + base_len, TMP_SUFFIX, strlen(TMP_SUFFIX)) != 0 || strlen(x) != 6)
        return false;
    for (int i = 0; i < 6; i++) {
        if (!((x[i] >= 'a' && x[i] <= 'z') || (x[i] >= 'A' && x[i] <= 'Z') ||
              (x[i] >= '0' && x[i] <= '9')))
            return false;
    }
    return true;
}

/* Removes the stale temporaries of earlier runs writing the same target: only our naming,
 * only regular files this user owns, only when untouched for TMP_STALE_SECONDS (a run
 * writing the same file right now keeps its own). Best effort: failures are ignored. */
static void sweep_stale_tmps(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
    DIR *d = opendir(slash ? dir : ".");
    time_t now = time(NULL);
    struct dirent *ent;
    struct stat sb;

    while (d && (ent = readdir(d)) != NULL) {
        if (!is_our_tmp(ent->d_name, base, strlen(base)) ||
            fstatat(dirfd(d), ent->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(sb.st_mode) && sb.st_uid == geteuid() && now - sb.st_mtime > TMP_STALE_SECONDS)
            unlinkat(dirfd(d), ent->d_name, 0);
    }
    if (d)
        closedir(d);
    free(dir);
}

/* The message for a failed write: a full disk (or quota) said in words, else errno's text. */
static int write_failed(const char *shown, int err, int fd)
{
    struct statvfs vs;
    bool full = err == ENOSPC || err == EDQUOT;

    if (!full && fd >= 0 && fstatvfs(fd, &vs) == 0)
        full = (geteuid() == 0 ? vs.f_bfree : vs.f_bavail) == 0;
    if (full)
        cli_error("no space left on device writing %s", shown);
    else
        cli_error("cannot write %s: %s", shown, strerror(err));
    return EXIT_TROUBLE;
}

/* A new report gets 0666 less the umask; a replaced file keeps its permissions and, when we
 * are root, its owner and group (replacing someone's report must not hand it to root). */
static int set_mode(int fd, const char *shown, const struct stat *old)
{
    mode_t mask;

    if (!old) {
        mask = umask(0);
        umask(mask);
        return fchmod(fd, 0666 & ~mask) == 0 ? 0 : write_failed(shown, errno, -1);
    }
    if (geteuid() == 0 && fchown(fd, old->st_uid, old->st_gid) != 0)
        return write_failed(shown, errno, -1);
    return fchmod(fd, old->st_mode & 0777) == 0 ? 0 : write_failed(shown, errno, -1);
}

/* mkstemp beside path, recorded for the signal handlers before any signal can see it. */
static int make_tmp(char *tmp, const char *path, size_t len)
{
    sigset_t saved;
    int fd;

    memcpy(tmp, path, len);
    memcpy(tmp + len, TMP_SUFFIX "XXXXXX", strlen(TMP_SUFFIX) + 7);
    block_cleanup_signals(true, &saved);
    fd = mkstemp(tmp);
    if (fd >= 0 && strlen(tmp) < sizeof(pending_tmp)) {
        memcpy(pending_tmp, tmp, strlen(tmp) + 1);
        pending_set = 1;
    }
    block_cleanup_signals(false, &saved);
    return fd;
}

/* Writes the report into the open temporary and makes it durable: 0 or EXIT_TROUBLE. */
static int fill_tmp(int fd, const char *shown, int (*write)(FILE *, void *), void *ctx)
{
    FILE *out = fdopen(fd, "w");
    int rc;

    if (!out) {
        close(fd);
        return write_failed(shown, errno, -1);
    }
    setvbuf(out, NULL, _IOFBF, 1 << 20); /* a report of many MB: fewer, larger writes */
    errno = 0;
    rc = write(out, ctx);
    if (fflush(out) != 0 || ferror(out) || fsync(fd) != 0)
        rc = rc ? rc : write_failed(shown, errno ? errno : EIO, fd);
    if (fclose(out) != 0 && rc == 0)
        rc = write_failed(shown, errno, -1);
    return rc;
}

/* Output to a temporary file beside the target, renamed into place when complete. */
static int write_to_file(const char *path, int (*write)(FILE *, void *), void *ctx)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 16), *shown = malloc(len + 3);
    struct stat sb, *old = NULL;
    struct sigaction saved[CLEANUP_SIGNALS];
    int fd, rc = EXIT_TROUBLE;

    if (!tmp || !shown) {
        cli_error("cannot write '%s': out of memory", path);
        goto fail;
    }
    snprintf(shown, len + 3, "'%s'", path);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        cli_error("cannot write '%s': it is a directory", path);
        goto fail;
    }
    old = stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? &sb : NULL;
    sweep_stale_tmps(path);
    handle_cleanup_signals(saved, true);
    if ((fd = make_tmp(tmp, path, len)) < 0)
        rc = write_failed(shown, errno, -1);
    else if ((rc = set_mode(fd, shown, old)) != 0)
        close(fd);
    else if ((rc = fill_tmp(fd, shown, write, ctx)) == 0 && rename(tmp, path) != 0)
        rc = write_failed(shown, errno, -1);
    if (fd >= 0 && rc != 0)
        unlink(tmp);
    pending_set = 0;
    handle_cleanup_signals(saved, false);
fail:
    free(shown);
    free(tmp);
    return rc;
}

/* Output straight to a stream: stdout, or a device or FIFO named with -o (never replaced). */
static int write_to_stream(FILE *out, const char *shown, int (*write)(FILE *, void *), void *ctx)
{
    int rc;

    errno = 0;
    rc = write(out, ctx);
    if ((fflush(out) != 0 || ferror(out)) && rc == 0)
        rc = write_failed(shown, errno ? errno : EIO, -1);
    return rc;
}

int cli_write_report(const cli_common *c, int (*write)(FILE *out, void *ctx), void *ctx)
{
    struct stat sb;
    char shown[4200];
    FILE *out;
    int rc;

    if (!c->output || strcmp(c->output, "-") == 0)
        return write_to_stream(stdout, "standard output", write, ctx);
    if (stat(c->output, &sb) != 0 || S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode))
        return write_to_file(c->output, write, ctx);
    snprintf(shown, sizeof(shown), "'%s'", c->output);
    out = fopen(c->output, "w");
    if (!out)
        return write_failed(shown, errno, -1);
    rc = write_to_stream(out, shown, write, ctx);
    if (fclose(out) != 0 && rc == 0)
        rc = write_failed(shown, errno, -1);
    return rc;
}
