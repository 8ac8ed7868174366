/*
 * cli.h - what the reprint program's commands share: the options every command takes, strict
 * number parsing, reading the inputs into a corpus, and writing a report atomically.
 */
#ifndef REPRINT_CLI_H
#define REPRINT_CLI_H

#include "reprint.h"

#include <stdarg.h>
#include <stdio.h>

/* Exit codes: 1 only with --exit-code when something was found; 2 for trouble. */
enum { EXIT_FOUND = 1, EXIT_TROUBLE = 2 };

typedef struct cli_common {
    rp_options opts;
    rp_read_options read;
    rp_format format;
    const char *output; /* -o FILE, or NULL for stdout */
    int progress;       /* 1 on, 0 off, -1 when stderr is a terminal */
    bool quiet;
    bool exit_code;
    const char *format_name; /* --format as given, or NULL when not given */
    char *explain[2];        /* --explain A B: two document names (argv strings) */
    unsigned exchange_mb;    /* --exchange-mb: MiB a rank sends in one round (0: default) */
} cli_common;

/* A command of the program's table (main.c); its summary is its help's. */
typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
} cli_command;

/* A command's help, generated at build time from src/cli/help/<name>.txt (help-c.awk). */
typedef struct cli_help {
    const char *name;           /* the command, or "reprint" for the program */
    const char *summary;        /* one line, as in the man page's NAME */
    const char *text;           /* from the usage line on; @name@ stands for a default */
    const char *const *options; /* the long options the text names, NULL-terminated */
    const char *formats;        /* what --format takes, space-separated ("" for none) */
} cli_help;

extern const cli_help cli_helps[];
extern const size_t cli_help_count;

/* The help of NAME ("reprint" for the program's), or NULL. */
const cli_help *cli_help_find(const char *name);

/* Prints the help with its placeholders filled with the library's defaults. */
void cli_help_print(FILE *out, const cli_help *h);

/* Whether the command takes --OPTION (its help names it) / writes FORMAT. */
bool cli_help_takes(const cli_help *h, const char *option);
bool cli_help_writes(const cli_help *h, const char *format);

void cli_common_init(cli_common *c);

/* Parses the common options from argv; positional arguments are left in argv[*first..argc).
 * Prints a usage error and returns false on bad usage, which includes an option the command's
 * help does not name and a format it does not write; sets *help when --help was asked. */
bool cli_parse(const char *command, int argc, char **argv, cli_common *c, int *first,
               bool *help);

/* Reads every PATH into a new corpus, printing each skipped input on stderr. NULL (after an
 * error message) when nothing usable was read or reading failed. */
rp_corpus *cli_read_inputs(const cli_common *c, int npaths, char **paths);

/* The inputs read among the launcher's ranks, each a share (rp_corpus_read_shared; collective):
 * rank 0 says what was skipped, for all. NULL on every rank when the reading failed. */
rp_corpus *cli_read_shared(const cli_common *c, rp_exchange *ex, int npaths, char **paths);

/* rc, or EXIT_TROUBLE after a one-line error when a mapped input shrank while it was read
 * (rp_corpus_changed): what was computed from it is not to be trusted. */
int cli_check_unchanged(const rp_corpus *corpus, int rc);

/* Under a launcher, before reading: false (rank 0 says why) when the inputs cannot be shared
 * among the ranks (standard input with more than one rank: every rank would wait on its own);
 * ranks other than 0 are made quiet (rank 0 names skipped inputs, once). `verb` ends the
 * message ("save it to a file and VERB that"). */
bool cli_shared_inputs(cli_common *c, const rp_exchange *ex, int npaths, char **paths,
                       const char *verb);
/* Under a launcher: whether every rank read its inputs (corpus not NULL); rank 0 says which
 * did not (that rank's own error is already on stderr). Collective: every rank calls it. */
bool cli_all_read(const rp_exchange *ex, const rp_corpus *corpus);
/* Under a launcher: whether no rank's inputs shrank while they were read (rp_corpus_changed);
 * rank 0 names the rank that saw it. Collective: every rank calls it. */
bool cli_all_unchanged(const rp_exchange *ex, const rp_corpus *corpus);

/* Prints "reprint: MESSAGE" on stderr without a line break; the formatted message goes
 * through rp_write_safe, so names and paths in it cannot drive the terminal. */
void cli_vmessage(const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 0)))
#endif
    ;

/* Prints "reprint: MESSAGE" and a line break on stderr (the message as cli_vmessage writes
 * it). */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Writes a report through write(FILE*, ctx): to stdout, or to a temporary file beside
 * c->output renamed into place once complete. Returns 0 or EXIT_TROUBLE (after a message). */
int cli_write_report(const cli_common *c, int (*write)(FILE *out, void *ctx), void *ctx);

/* The progress callback for rp_scan_run (ctx: cli_common). */
void cli_progress(void *ctx, const char *stage, uint64_t done, uint64_t total);

int cmd_scan(int argc, char **argv);
int cmd_tokens(int argc, char **argv);
int cmd_dedup(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_quotes(int argc, char **argv);

#endif /* REPRINT_CLI_H */
