/*
 * main.c - the reprint program: dispatches `reprint <command>` through one table of commands
 * (git's way), and answers help, `help COMMAND` and the version. Each command lives in its
 * own file; its help text in src/cli/help/<command>.txt.
 */
#include "cli.h"
#include "launch.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const cli_command commands[] = {
    {"scan", cmd_scan},   {"tokens", cmd_tokens}, {"quotes", cmd_quotes},   {"dedup", cmd_dedup},
    {"store", cmd_store}, {"serve", cmd_serve}, {"help", cmd_help},   {"version", cmd_version},
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    cli_error("unknown command '%s'", name);
    fputs("try 'reprint --help'\n", stderr);
    return EXIT_TROUBLE;
}

/* `reprint help` is the program's help; `reprint help CMD` is `reprint CMD --help`. */
static int cmd_help(int argc, char **argv)
{
    const cli_help *h;

    if (argc > 2) {
        cli_error("help takes one command, not also '%s'", argv[2]);
        fputs("try 'reprint --help'\n", stderr);
        return EXIT_TROUBLE;
    }
    h = cli_help_find(argc == 2 ? argv[1] : "reprint");
    if (argc == 2 && (!h || strcmp(argv[1], "reprint") == 0))
        return find_command(argv[1]) ? cmd_help(1, argv) : unknown_command(argv[1]);
    cli_help_print(stdout, h);
    return fflush(stdout) == 0 ? 0 : EXIT_TROUBLE;
}

static int cmd_version(int argc, char **argv)
{
    if (argc > 1) {
        cli_error("version takes no arguments, not '%s'", argv[1]);
        fputs("try 'reprint --help'\n", stderr);
        return EXIT_TROUBLE;
    }
    printf("reprint %s\n", rp_version());
    return fflush(stdout) == 0 ? 0 : EXIT_TROUBLE;
}

/* The commands that fill big tables (scan, quotes, batch dedup) run with glibc's malloc
 * asking for transparent huge pages (the tunable glibc.malloc.hugetlb=1): a scan fills its
 * tables page by page, and a fault for every 4 KiB page cost about a quarter of a 100 MB
 * scan's CPU time (BENCHMARKS.md, "Huge pages"). glibc reads its tunables only when a program
 * starts, so the program starts itself once more with the tunable added, and a marker in the
 * environment (taken out again at once) says it did: never a second time. A user's own
 * glibc.malloc.hugetlb setting is kept (=0 turns this off). Left alone: secure mode (setuid,
 * setgid, capabilities: glibc drops the tunables there), a program started through the dynamic
 * loader (/proc/self/exe is the loader then), valgrind (which would lose the program), or any
 * failure: the program goes on as it is. */
#define RESTARTED "REPRINT_HUGE_PAGES_RESTARTED"

static bool started_by_loader(void)
{
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

    if (n <= 0)
        return true; /* no /proc: nothing to start again */
    path[n] = '\0';
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strncmp(base, "ld-", 3) == 0 || strncmp(base, "ld.so", 5) == 0;
}

static void with_huge_pages(const char *command, char **argv)
{
#if defined(__GLIBC__) && defined(__linux__)
    static const char tunable[] = "glibc.malloc.hugetlb=1";
    const char *had = getenv("GLIBC_TUNABLES"), *preload = getenv("LD_PRELOAD");
    char *value, *kept;

    if (getenv(RESTARTED)) {
        unsetenv(RESTARTED);
        return;
    }
    if (strcmp(command, "scan") != 0 && strcmp(command, "quotes") != 0 &&
        strcmp(command, "dedup") != 0)
        return;
    if ((had && strstr(had, "glibc.malloc.hugetlb")) ||
        (preload && strstr(preload, "vgpreload")) || getauxval(AT_SECURE) ||
        started_by_loader())
        return;
    kept = had ? strdup(had) : NULL;
    value = malloc((had ? strlen(had) + 1 : 0) + sizeof(tunable));
    if (value && (!had || kept)) {
        if (had)
            strcat(strcat(strcpy(value, had), ":"), tunable);
        else
            strcpy(value, tunable);
        if (setenv("GLIBC_TUNABLES", value, 1) == 0 && setenv(RESTARTED, "1", 1) == 0)
            execv("/proc/self/exe", argv);
        unsetenv(RESTARTED); /* no start again: the environment as it was */
        if (kept)
            setenv("GLIBC_TUNABLES", kept, 1);
        else
            unsetenv("GLIBC_TUNABLES");
    }
    free(value);
    free(kept);
#else
    (void)command;
    (void)argv;
#endif
}

int main(int argc, char **argv)
{
    const cli_command *cmd;

    if (argc < 2) {
        cli_help_print(stderr, cli_help_find("reprint"));
        return EXIT_TROUBLE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(argc - 1, argv + 1);
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
        return cmd_version(argc - 1, argv + 1);
    cmd = find_command(argv[1]);
    if (!cmd)
        return unknown_command(argv[1]);
    with_huge_pages(cmd->name, argv);
    if (launch_start(&argc, &argv) != 0)
        return EXIT_TROUBLE;
    /* Under a launcher, scan and batch dedup are shared among the ranks; any other command
     * runs on rank 0 alone (N copies of a store writer or a server would fight over the same
     * files). */
    rp_exchange *ex = launch_exchange();
    int rc = 0;
    if (!ex || ex->rank == 0 || strcmp(cmd->name, "scan") == 0 ||
        strcmp(cmd->name, "dedup") == 0)
        rc = cmd->run(argc - 1, argv + 1);
    launch_stop();
    return rc;
}
