/*
 * store.c - `reprint store stats|export|compact DIR`: inspect and maintain a dedup store made
 * by `reprint dedup --store DIR`. stats and export read a snapshot and never wait for a
 * writer; compact takes the writer lock (--wait to wait for it).
 */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

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

static int run(const char *action, const char *dir, bool wait)
{
    rp_options opts;
    rp_store_options so;
    rp_store *store = NULL;
    char msg[512] = "";
    rp_status st;
    bool compact = strcmp(action, "compact") == 0;

    rp_options_init(&opts);
    rp_store_options_init(&so);
    so.read_only = !compact;
    so.any_settings = true;
    so.wait = wait;
    st = rp_store_open(dir, &opts, &so, &store, msg, sizeof(msg));
    if (st == RP_OK) {
        if (compact)
            st = rp_store_compact(store, msg, sizeof(msg));
        else if (strcmp(action, "stats") == 0)
            st = rp_store_stats(store, stdout);
        else
            st = rp_store_export(store, stdout);
        if (st != RP_OK && !msg[0])
            snprintf(msg, sizeof(msg), "store '%s': %s", dir, rp_strerror(st));
    }
    rp_store_close(store);
    if (st != RP_OK || fflush(stdout) != 0) {
        cli_error("%s", msg[0] ? msg : "cannot write to standard output");
        return EXIT_TROUBLE;
    }
    return 0;
}

int cmd_store(int argc, char **argv)
{
    const char *action = NULL, *dir = NULL;
    bool wait = false;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cli_help_print(stdout, cli_help_find("store"));
            return 0;
        }
        if (strcmp(argv[i], "--wait") == 0)
            wait = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return store_usage("unknown option '%s'", argv[i]);
        else if (!action)
            action = argv[i];
        else if (!dir)
            dir = argv[i];
        else
            return store_usage("store takes one DIR, not also '%s'", argv[i]);
    }
    if (!action || (strcmp(action, "stats") && strcmp(action, "export") &&
                    strcmp(action, "compact")))
        return store_usage("store needs stats, export or compact%s", action ? ", not that" : "");
    if (!dir)
        return store_usage("store %s needs a DIR", action);
    return run(action, dir, wait);
}
