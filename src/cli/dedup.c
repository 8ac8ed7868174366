/*
 * dedup.c - `reprint dedup`: near-duplicate groups of the inputs (a report, or with
 * --keep-only the kept documents themselves), or with --store DIR incremental verdicts against
 * a persistent store. dedup's own options are taken out of argv before the common parser runs.
 */
#include "cli.h"
#include "follow.h"
#include "launch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct dedup_args {
    rp_dedup_options d;
    rp_store_options s;
    const char *store;
    bool keep_only;
    bool dry_run;
    const char *follow; /* --follow PATH, "-" for standard input; NULL: not following */
    uint64_t commit_items;
    uint64_t commit_ms;
    bool commit_set;
} dedup_args;

static bool usage(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static bool usage(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cli_vmessage(fmt, ap);
    va_end(ap);
    fputs("\ntry 'reprint dedup --help'\n", stderr);
    return false;
}

static bool parse_share(const char *name, const char *text, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= 0.0 && v <= 1.0))
        return usage("--%s takes a number from 0 to 1, not '%s'", name, text);
    *out = v;
    return true;
}

/* 30s, 90m, 12h, 7d, 2w, or a bare number of seconds. */
static bool parse_duration(const char *text, int64_t *out)
{
    static const char units[] = "smhdw";
    static const int64_t secs[] = {1, 60, 3600, 86400, 604800};
    char *end;
    unsigned long long v;
    int64_t mul = 1;

    if (text[0] < '0' || text[0] > '9')
        return usage("--max-age takes a duration such as 12h or 7d, not '%s'", text);
    errno = 0;
    v = strtoull(text, &end, 10);
    if (*end) {
        const char *u = end[1] == '\0' ? strchr(units, *end) : NULL;
        if (!u || !*end)
            return usage("--max-age takes a duration such as 12h or 7d, not '%s'", text);
        mul = secs[u - units];
    }
    if (errno || v == 0 || v > (unsigned long long)(INT64_MAX / mul))
        return usage("--max-age takes a duration such as 12h or 7d, not '%s'", text);
    *out = (int64_t)v * mul;
    return true;
}

static bool parse_count(const char *name, const char *text, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = text[0] >= '0' && text[0] <= '9' ? strtoull(text, &end, 10) : 0;
    if (text[0] < '0' || text[0] > '9' || errno || *end || v == 0 || v > max)
        return usage("--%s takes a whole number from 1 to %llu, not '%s'", name,
                     (unsigned long long)max, text);
    *out = v;
    return true;
}

/* One of dedup's own options with its value (NULL for flags). */
static bool apply(dedup_args *a, const char *name, const char *value)
{
    if (strcmp(name, "resemblance") == 0)
        return parse_share(name, value, &a->d.resemblance);
    if (strcmp(name, "containment") == 0)
        return parse_share(name, value, &a->d.containment);
    if (strcmp(name, "keep") == 0)
        return rp_keep_parse(value, &a->d.keep) == RP_OK ||
               usage("--keep takes first, longest or newest, not '%s'", value);
    if (strcmp(name, "date-field") == 0)
        return a->d.date_field = value, true;
    if (strcmp(name, "store") == 0)
        return a->store = value, true;
    if (strcmp(name, "max-items") == 0)
        return parse_count(name, value, UINT64_MAX, &a->s.max_items);
    if (strcmp(name, "commit-items") == 0)
        return a->commit_set = true, parse_count(name, value, 1000000, &a->commit_items);
    if (strcmp(name, "commit-ms") == 0)
        return a->commit_set = true, parse_count(name, value, 3600000, &a->commit_ms);
    if (strcmp(name, "follow") == 0)
        return a->follow = value, true;
    if (strcmp(name, "dry-run") == 0)
        return a->dry_run = true;
    if (strcmp(name, "max-age") == 0)
        return parse_duration(value, &a->s.max_age);
    if (strcmp(name, "keep-only") == 0)
        return a->keep_only = true;
    return a->s.wait = true; /* "wait" */
}

/* Takes dedup's options out of argv (compacting it); the rest goes to cli_parse. */
static bool take_options(dedup_args *a, int *argc, char **argv)
{
    static const char *const with_value[] = {"resemblance", "containment",  "keep",
                                             "date-field",  "store",        "max-items",
                                             "max-age",     "commit-items", "commit-ms"};
    static const char *const flags[] = {"keep-only", "wait", "dry-run"};
    int out = 1, i;

    for (i = 1; i < *argc && strcmp(argv[i], "--") != 0; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg) - 2;
        bool taken = false;
        if (strncmp(arg, "--", 2) != 0) {
            argv[out++] = argv[i];
            continue;
        }
        if (strcmp(arg, "--follow") == 0 || strncmp(arg, "--follow=", 9) == 0) {
            /* an optional value: the next argument unless it is another option */
            bool next = !eq && i + 1 < *argc && (argv[i + 1][0] != '-' || !argv[i + 1][1]);
            apply(a, "follow", eq ? eq + 1 : next ? argv[++i] : "-");
            continue;
        }
        for (size_t k = 0; k < sizeof(with_value) / sizeof(*with_value) && !taken; k++) {
            if (strlen(with_value[k]) != len || strncmp(arg + 2, with_value[k], len) != 0)
                continue;
            if (!eq && i + 1 >= *argc)
                return usage("option '%s' needs a value", arg);
            char name[16];
            snprintf(name, sizeof(name), "%.*s", (int)len, arg + 2);
            if (!apply(a, name, eq ? eq + 1 : argv[++i]))
                return false;
            taken = true;
        }
        for (size_t k = 0; k < sizeof(flags) / sizeof(*flags) && !taken && !eq; k++)
            if (strcmp(arg + 2, flags[k]) == 0)
                taken = apply(a, flags[k], NULL);
        if (!taken)
            argv[out++] = argv[i];
    }
    while (i < *argc)
        argv[out++] = argv[i++];
    argv[out] = NULL;
    *argc = out;
    return true;
}

static bool check_combination(const dedup_args *a)
{
    if ((a->s.max_items || a->s.max_age || a->s.wait || a->dry_run || a->follow) && !a->store)
        return usage("--max-items, --max-age, --wait, --dry-run and --follow need --store DIR%s",
                     "");
    if (a->commit_set && !a->follow)
        return usage("--commit-items and --commit-ms go with --follow%s", "");
    if (a->follow && !a->follow[0])
        return usage("--follow takes a PATH or - (standard input)%s", "");
    return true;
}

typedef struct dedup_report {
    const cli_common *common;
    const dedup_args *args;
    const rp_corpus *corpus;
    const rp_dedup *dd;
    const rp_store_verdict *verdicts;
    size_t count;
} dedup_report;

static int write_dedup(FILE *out, void *ctx)
{
    const dedup_report *r = ctx;
    rp_status st;

    if (rp_corpus_changed(r->corpus)) /* the caller says which input shrank */
        return EXIT_TROUBLE;
    if (r->verdicts && r->args->keep_only)
        st = rp_store_write_new(out, r->corpus, r->verdicts, r->count);
    else if (r->verdicts)
        st = rp_store_write_verdicts(out, r->verdicts, r->count);
    else if (r->args->keep_only)
        st = rp_dedup_write_kept(out, r->corpus, r->dd);
    else
        st = rp_report_dedup(out, r->common->format, r->corpus, r->dd, &r->common->opts,
                             &r->args->d);
    if (st != RP_OK && st != RP_EIO) {
        cli_error("cannot write the report: %s", rp_strerror(st));
        return EXIT_TROUBLE;
    }
    if (rp_corpus_changed(r->corpus)) /* shrank while written: no file is left */
        return EXIT_TROUBLE;
    return 0;
}

static int compare_names(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Warns (stderr) about ids given to more than one item of this run, naming them. */
static void warn_duplicate_ids(const cli_common *c, const rp_corpus *corpus)
{
    size_t n = rp_corpus_count(corpus), shown = 0, more = 0;
    const char **names = malloc((n + 1) * sizeof(*names));

    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        names[i] = rp_corpus_doc(corpus, (uint32_t)i)->name;
    qsort(names, n, sizeof(*names), compare_names);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && strcmp(names[i], names[j]) == 0; j++)
            ;
        if (j - i < 2 || c->quiet)
            continue;
        if (shown++ < 10)
            cli_error("warning: id '%s' is given to %zu items of this run", names[i], j - i);
        else
            more++;
    }
    if (more)
        cli_error("warning: and %zu more ids given to several items", more);
    free(names);
}

static int run_follow(const cli_common *c, const dedup_args *a)
{
    rp_store *store = NULL;
    char msg[512];
    follow_options fo = {a->follow,
                         a->commit_items ? a->commit_items : FOLLOW_COMMIT_ITEMS,
                         a->commit_ms ? (unsigned)a->commit_ms : FOLLOW_COMMIT_MS,
                         a->dry_run,
                         a->keep_only,
                         c->quiet,
                         c->opts.threads == 1,
                         &a->d,
                         &c->read};
    rp_status st = rp_store_open(a->store, &c->opts, &a->s, &store, msg, sizeof(msg));
    int rc;

    if (st != RP_OK) {
        cli_error("%s", msg);
        return EXIT_TROUBLE;
    }
    rc = follow_run(store, &fo);
    rp_store_close(store);
    return rc;
}

static int run_store(const cli_common *c, const dedup_args *a, const rp_corpus *corpus)
{
    rp_store *store = NULL;
    rp_store_verdict *v = NULL;
    size_t count = 0;
    char msg[512];
    int rc;
    rp_status st = rp_store_open(a->store, &c->opts, &a->s, &store, msg, sizeof(msg));

    if (st == RP_OK)
        st = (a->dry_run ? rp_store_query : rp_store_add)(store, corpus, &a->d, &v, &count, msg,
                                                          sizeof(msg));
    rp_store_close(store); /* releases the writer lock before the output is written */
    if (st != RP_OK) {
        cli_error("%s", msg);
        return EXIT_TROUBLE;
    }
    dedup_report r = {c, a, corpus, NULL, v, count};
    rc = cli_write_report(c, write_dedup, &r);
    for (size_t i = 0; rc == 0 && c->exit_code && i < count; i++)
        if (v[i].verdict != RP_VERDICT_NEW && v[i].verdict != RP_VERDICT_SEEN &&
            v[i].verdict != RP_VERDICT_TOO_SHORT)
            rc = EXIT_FOUND;
    rp_store_verdicts_free(v, count);
    return rc;
}

static int run_batch(const cli_common *c, const dedup_args *a, const rp_corpus *corpus)
{
    rp_dedup *dd = NULL;
    rp_exchange *ex = launch_exchange();
    rp_status st;
    int rc;

    /* under mpirun or srun: the signatures shared, rank 0 judges and writes */
    if (ex && !a->store) {
        ex->round_bytes = (size_t)(c->exchange_mb ? c->exchange_mb : 256) << 20;
        st = rp_dedup_run_shared(corpus, &c->opts, &a->d, ex, NULL, NULL, &dd);
        bool same = cli_all_unchanged(ex, corpus); /* the caller names a file of its own */
        if (st != RP_OK && ex->rank == 0)
            cli_error("dedup failed on rank %u of %u: %s", ex->failed_rank, ex->size,
                      rp_strerror(st));
        if (st != RP_OK || !same || ex->rank != 0) {
            rp_dedup_free(dd);
            return st == RP_OK && same ? 0 : EXIT_TROUBLE;
        }
    } else {
        st = rp_dedup_run(corpus, &c->opts, &a->d, &dd);
    }
    if (st != RP_OK) {
        cli_error("dedup failed: %s", rp_strerror(st));
        return EXIT_TROUBLE;
    }
    dedup_report r = {c, a, corpus, dd, NULL, 0};
    rc = cli_write_report(c, write_dedup, &r);
    if (rc == 0 && c->exit_code && rp_dedup_group_count(dd) > 0)
        rc = EXIT_FOUND;
    rp_dedup_free(dd);
    return rc;
}

int cmd_dedup(int argc, char **argv)
{
    cli_common c;
    dedup_args a;
    rp_corpus *corpus;
    int first, rc;
    bool help;

    memset(&a, 0, sizeof(a));
    rp_dedup_options_init(&a.d);
    rp_store_options_init(&a.s);
    cli_common_init(&c);
    if (!take_options(&a, &argc, argv) || !cli_parse("dedup", argc, argv, &c, &first, &help))
        return EXIT_TROUBLE;
    if (help) {
        cli_help_print(stdout, cli_help_find("dedup"));
        return 0;
    }
    if (!check_combination(&a))
        return EXIT_TROUBLE;
    if (c.format_name && (a.store || a.keep_only)) { /* their output is not a report */
        usage("--%s writes its own output and takes no --format", a.store ? "store" : "keep-only");
        return EXIT_TROUBLE;
    }
    if (a.follow && (first < argc || c.output))
        return usage("--follow reads its own input and writes to standard output; it takes "
                     "no PATH and no -o%s",
                     ""),
               EXIT_TROUBLE;
    rp_exchange *ex = launch_exchange();
    if (ex && (a.store || a.follow) && ex->rank != 0)
        return 0; /* the store and follow mode: rank 0's alone */
    if (ex && (a.store || a.follow))
        ex = NULL;
    if (a.follow)
        return run_follow(&c, &a);
    if (first >= argc) {
        fprintf(stderr, "reprint: dedup needs a PATH (a file, a directory, or - for standard "
                        "input)\ntry 'reprint dedup --help'\n");
        return EXIT_TROUBLE;
    }
    if (ex && !cli_shared_inputs(&c, ex, argc - first, argv + first, "deduplicate"))
        return EXIT_TROUBLE;
    c.read.date_field = a.d.date_field; /* documents' dates: one rule with the scan */
    corpus = cli_read_inputs(&c, argc - first, argv + first);
    if (ex && !cli_all_read(ex, corpus)) {
        rp_corpus_free(corpus);
        return EXIT_TROUBLE;
    }
    if (!corpus)
        return EXIT_TROUBLE;
    warn_duplicate_ids(&c, corpus);
    rc = a.store ? run_store(&c, &a, corpus) : run_batch(&c, &a, corpus);
    rc = cli_check_unchanged(corpus, rc);
    rp_corpus_free(corpus);
    return rc;
}
