/*
 * main.c - the reprint program: dispatches `reprint <command>` through one table of commands
 * (git's way), and answers help and --version. Each command lives in its own file.
 */
#include "cli.h"

#include <string.h>

static int cmd_help(int argc, char **argv);

static const cli_command commands[] = {
    {"scan", cmd_scan, "repeated passages within and across documents, as clusters"},
    {"tokens", cmd_tokens, "tokens, spans and fingerprints: why two texts match or not"},
    {"quotes", cmd_quotes, "quotations, their sources in the corpus and their fidelity"},
    {"dedup", cmd_dedup, "near-duplicate documents; --store DIR for incremental feeds"},
    {"store", cmd_store,
     "inspect and maintain a dedup store: stats, export, check, compact, delete, upgrade"},
    {"serve", cmd_serve, "serve a dedup store over HTTP (JSON lines; loopback by default)"},
    {"help", cmd_help, "this list"},
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *out)
{
    fprintf(out, "usage: reprint <command> [options] [PATH...]\n\n"
                 "reprint finds text that appears more than once: passages reprinted across\n"
                 "documents, passages repeated inside one document, and boilerplate.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nPATH is a file, a directory (walked), or - for standard input.\n"
                 "'reprint <command> --help' lists a command's options.\n");
}

static int cmd_help(int argc, char **argv)
{
    print_usage(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_TROUBLE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(argc - 1, argv + 1);
    if (strcmp(argv[1], "--version") == 0) {
        printf("reprint %s\n", rp_version());
        return 0;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "reprint: unknown command '%s'\ntry 'reprint --help'\n", argv[1]);
    return EXIT_TROUBLE;
}
