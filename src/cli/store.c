/*
 * store.c - `reprint store stats|export|check|compact|delete|upgrade DIR`: inspect, verify and
 * maintain a dedup store made by `reprint dedup --store DIR`. stats, export and check read a
 * snapshot and never wait for a writer; compact, delete and upgrade take the writer lock (--wait
 * to wait for it). Every action refuses a DIR that does not hold a store.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void store_help(void)
{
    printf("usage: reprint store ACTION [--wait] DIR [ID...]\n\n"
           "  stats     counts and sizes as one JSON object (documents, postings, bytes used,\n"
           "            bytes per document, batches committed, the store's settings, and\n"
           "            postings_levels: the postings held by each level, level 0 first)\n"
           "  export    one JSON line per stored document, oldest first: doc, id, verdict,\n"
           "            of, bytes, tokens, date (epoch seconds), fingerprints\n"
           "  check     verify everything (LMDB's pages, each record's checksum, ids, order\n"
           "            and postings against the documents); exit 2 naming what is wrong\n"
           "  compact   rewrite the store without free pages (into a temporary folder, then\n"
           "            renamed into place); run it when no reader is open\n"
           "  delete    delete the items with these ids (and those of --ids-from FILE, one id\n"
           "            a line), as one transaction; prints {\"deleted\":N}\n"
           "  upgrade   upgrade a store of the previous format version in place (one\n"
           "            transaction: a crash leaves it as it was)\n"
           "  --wait    compact, delete, upgrade: wait for another writer instead of failing\n"
           "  --ids-from FILE  delete: read ids from FILE ('-': standard input)\n\n"
           "exit status: 0 done, 2 usage error, the store could not be used or is damaged.\n");
}

static int store_usage(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static int store_usage(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cli_vmessage(fmt, ap);
    va_end(ap);
    fputs("\ntry 'reprint store --help'\n", stderr);
    return EXIT_TROUBLE;
}

typedef struct store_args {
    const char *action;
    const char *dir;
    const char *ids_from;
    bool wait;
    char **ids; /* delete: ids from argv, then from --ids-from (each OWNED) */
    size_t count;
    size_t cap;
} store_args;

static bool push_id(store_args *a, const char *id, size_t len)
{
    if (a->count == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        char **ids = realloc(a->ids, cap * sizeof(*ids));
        if (!ids)
            return false;
        a->ids = ids, a->cap = cap;
    }
    if (!(a->ids[a->count] = malloc(len + 1)))
        return false;
    memcpy(a->ids[a->count], id, len);
    a->ids[a->count++][len] = '\0';
    return true;
}

/* One id a line (a final line without a break counts; blank lines are passed over). */
static bool read_ids(store_args *a)
{
    FILE *f = strcmp(a->ids_from, "-") == 0 ? stdin : fopen(a->ids_from, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bool ok = true;

    if (!f) {
        cli_error("cannot read --ids-from '%s': %s", a->ids_from, strerror(errno));
        return false;
    }
    while (ok && (n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        ok = n == 0 || push_id(a, line, (size_t)n);
    }
    if (ok && ferror(f))
        cli_error("cannot read --ids-from '%s': %s", a->ids_from, strerror(errno)), ok = false;
    free(line);
    if (f != stdin)
        fclose(f);
    return ok;
}

static rp_status act(const store_args *a, rp_store *store, char *msg, size_t msglen)
{
    size_t deleted = 0;
    rp_status st;

    if (strcmp(a->action, "compact") == 0)
        return rp_store_compact(store, msg, msglen);
    if (strcmp(a->action, "stats") == 0)
        return rp_store_stats(store, stdout);
    if (strcmp(a->action, "check") == 0) {
        st = rp_store_verify(store, msg, msglen);
        if (st == RP_OK)
            printf("store '%s' is sound\n", a->dir);
        return st;
    }
    if (strcmp(a->action, "delete") == 0) {
        st = rp_store_delete(store, (const char *const *)a->ids, a->count, &deleted, msg, msglen);
        if (st == RP_OK)
            printf("{\"deleted\":%zu}\n", deleted);
        return st;
    }
    return rp_store_export(store, stdout);
}

static int finish(rp_status st, const char *dir, char *msg, size_t msglen)
{
    if (st != RP_OK && !msg[0])
        snprintf(msg, msglen, "store '%s': %s", dir, rp_strerror(st));
    if (st != RP_OK || fflush(stdout) != 0) {
        cli_error("%s", msg[0] ? msg : "cannot write to standard output");
        return EXIT_TROUBLE;
    }
    return 0;
}

static int run(const store_args *a)
{
    rp_options opts;
    rp_store_options so;
    rp_store *store = NULL;
    char msg[512] = "";
    bool upgraded = false;
    rp_status st;

    if (strcmp(a->action, "upgrade") == 0) {
        st = rp_store_upgrade(a->dir, a->wait, &upgraded, msg, sizeof(msg));
        if (st == RP_OK)
            printf("store '%s' %s\n", a->dir, upgraded ? "upgraded" : "is already current");
        return finish(st, a->dir, msg, sizeof(msg));
    }
    rp_options_init(&opts);
    rp_store_options_init(&so);
    so.read_only =
        !strcmp(a->action, "stats") || !strcmp(a->action, "export") || !strcmp(a->action, "check");
    so.any_settings = true;
    so.existing = true;
    so.wait = a->wait;
    st = rp_store_open(a->dir, &opts, &so, &store, msg, sizeof(msg));
    if (st == RP_OK)
        st = act(a, store, msg, sizeof(msg));
    rp_store_close(store);
    return finish(st, a->dir, msg, sizeof(msg));
}

static bool known_action(const char *action)
{
    static const char *const actions[] = {"stats",   "export", "check",
                                          "compact", "delete", "upgrade"};

    for (size_t i = 0; i < sizeof(actions) / sizeof(*actions); i++)
        if (strcmp(action, actions[i]) == 0)
            return true;
    return false;
}

/* Positional arguments: the action, DIR, then (delete only) ids. */
static int take_arg(store_args *a, const char *arg)
{
    if (!a->action)
        a->action = arg;
    else if (!a->dir)
        a->dir = arg;
    else if (strcmp(a->action, "delete") == 0)
        return push_id(a, arg, strlen(arg)) ? 0 : (cli_error("out of memory"), EXIT_TROUBLE);
    else
        return store_usage("store %s takes one DIR, not also '%s'", a->action, arg);
    return 0;
}

static int parse(store_args *a, int argc, char **argv, bool *help)
{
    bool options = true;
    int rc = 0;

    for (int i = 1; i < argc && !rc && !*help; i++) {
        const char *arg = argv[i];
        if (options && strcmp(arg, "--") == 0)
            options = false;
        else if (options && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0))
            *help = true;
        else if (options && strcmp(arg, "--wait") == 0)
            a->wait = true;
        else if (options && strcmp(arg, "--ids-from") == 0 && i + 1 < argc)
            a->ids_from = argv[++i];
        else if (options && strncmp(arg, "--ids-from=", 11) == 0)
            a->ids_from = arg + 11;
        else if (options && arg[0] == '-' && arg[1])
            rc = store_usage("unknown option '%s'", arg);
        else
            rc = take_arg(a, arg);
    }
    return rc;
}

static int check_args(const store_args *a)
{
    if (!a->action || !known_action(a->action))
        return store_usage("store needs stats, export, check, compact, delete or upgrade%s",
                           a->action ? ", not that" : "");
    if (!a->dir)
        return store_usage("store %s needs a DIR", a->action);
    if (a->ids_from && strcmp(a->action, "delete") != 0)
        return store_usage("--ids-from goes with store delete only%s", "");
    if (strcmp(a->action, "delete") == 0 && !a->ids_from && a->count == 0)
        return store_usage("store delete needs an ID or --ids-from FILE%s", "");
    return 0;
}

int cmd_store(int argc, char **argv)
{
    store_args a;
    bool help = false;
    int rc;

    memset(&a, 0, sizeof(a));
    rc = parse(&a, argc, argv, &help);
    if (help && !rc) {
        store_help();
    } else if (!rc && !(rc = check_args(&a))) {
        if (a.ids_from && !read_ids(&a))
            rc = EXIT_TROUBLE;
        else
            rc = run(&a);
    }
    for (size_t i = 0; i < a.count; i++)
        free(a.ids[i]);
    free(a.ids);
    return rc;
}
