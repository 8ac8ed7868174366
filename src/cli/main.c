/*
 * main.c - the reprint program: dispatches `reprint <command>` through one table of commands
 * (git's way), and answers help, `help COMMAND` and the version. Each command lives in its
 * own file; its help text in src/cli/help/<command>.txt.
 */
#include "cli.h"

#include <string.h>

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
    return cmd ? cmd->run(argc - 1, argv + 1) : unknown_command(argv[1]);
}
