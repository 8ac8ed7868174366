/*
 * follow.c - follow mode of `reprint dedup --store`: reads JSONL from standard input or a
 * growing file, gathers whole lines into a group until --commit-items lines or --commit-ms
 * after the group's first line, then adds the group as one transaction and prints its
 * verdicts (a verdict is never printed before its commit, so a lost output is recovered by a
 * re-run). SIGINT and SIGTERM end the run after the group in hand is committed.
 */
#include "follow.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK 65536
#define FILE_POLL_MS 10 /* how often a followed file is looked at again once at its end */

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
    (void)sig;
    stop_asked = 1;
}

typedef struct follower {
    const follow_options *fo;
    rp_store *store;
    int fd;
    bool regular;   /* a file, followed past its end; else a pipe or terminal, ended by EOF */
    struct stat id; /* the file's device and inode, to see it replaced */
    off_t off;      /* bytes read from the file */
    char *part;     /* bytes after the last line break */
    size_t part_len;
    size_t part_cap;
    char *group; /* the group's whole lines */
    size_t group_len;
    size_t group_cap;
    size_t items;      /* non-blank lines in the group */
    size_t first_line; /* the group's first line number */
    size_t lines;      /* lines read into groups so far */
    double started;    /* when the group's first item arrived (ms) */
} follower;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool grow(char **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    char *q = realloc(*p, n);
    if (!q)
        return false;
    *p = q, *cap = n;
    return true;
}

/* True when bytes[0..len) are all white space (a blank line). */
static bool blank(const char *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n\f\v", bytes[i]) || !bytes[i])
            return false;
    return true;
}

static void print_skipped(const follower *f, const rp_corpus *c)
{
    for (size_t i = 0; !f->fo->quiet && i < rp_corpus_skipped_count(c); i++) {
        const rp_skip *sk = rp_corpus_skipped(c, i);
        cli_error("skipped '%s': %s", sk->input, sk->reason);
    }
}

/* Judges and commits the group, then prints its verdicts (or its new items). */
static int commit(follower *f)
{
    const char *name = strcmp(f->fo->path, "-") == 0 ? "-" : f->fo->path;
    rp_corpus *c = NULL;
    rp_store_verdict *v = NULL;
    size_t count = 0;
    char msg[512] = "";
    rp_status st;

    if (f->items == 0)
        return f->group_len = 0, 0;
    st = rp_corpus_new(&c);
    if (st == RP_OK)
        st = rp_corpus_read_jsonl_bytes(c, name, f->group, f->group_len, f->first_line,
                                        f->fo->ropts);
    if (st == RP_OK) {
        print_skipped(f, c);
        st = (f->fo->dry_run ? rp_store_query : rp_store_add)(f->store, c, f->fo->dopts, &v, &count,
                                                              msg, sizeof(msg));
    }
    if (st == RP_OK)
        st = f->fo->keep_only ? rp_store_write_new(stdout, c, v, count)
                              : rp_store_write_verdicts(stdout, v, count);
    if (st == RP_OK && fflush(stdout) != 0)
        st = RP_EIO, snprintf(msg, sizeof(msg), "cannot write the verdicts: %s", strerror(errno));
    rp_store_verdicts_free(v, count);
    rp_corpus_free(c);
    f->group_len = f->items = 0;
    if (st != RP_OK) {
        cli_error("%s", msg[0] ? msg : rp_strerror(st));
        return EXIT_TROUBLE;
    }
    return 0;
}

/* Moves the whole lines of f->part into the group. */
static bool take_lines(follower *f, bool all)
{
    size_t start = 0;

    for (size_t i = 0; i < f->part_len; i++) {
        if (f->part[i] != '\n' && !(all && i + 1 == f->part_len))
            continue;
        size_t len = i + 1 - start;
        if (!grow(&f->group, &f->group_cap, f->group_len + len + 1))
            return false;
        if (f->group_len == 0)
            f->first_line = f->lines + 1;
        memcpy(f->group + f->group_len, f->part + start, len);
        f->group_len += len;
        f->lines++;
        if (!blank(f->part + start, len) && f->items++ == 0)
            f->started = now_ms();
        start = i + 1;
    }
    memmove(f->part, f->part + start, f->part_len - start);
    f->part_len -= start;
    return true;
}

/* A followed file truncated or replaced is read again from its start. */
static void check_file(follower *f)
{
    struct stat now, cur;

    if (stat(f->fo->path, &now) != 0 || fstat(f->fd, &cur) != 0)
        return;
    if (now.st_dev != f->id.st_dev || now.st_ino != f->id.st_ino) {
        int fd = open(f->fo->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return;
        close(f->fd);
        f->fd = fd, f->id = now, f->off = 0, f->part_len = 0;
    } else if (cur.st_size < f->off) {
        lseek(f->fd, 0, SEEK_SET);
        f->off = 0, f->part_len = 0;
    }
}

/* How long to wait for input: until the group's deadline, or a file's next look. */
static int wait_ms(const follower *f)
{
    int t = -1;

    if (f->items) {
        double left = f->started + f->fo->commit_ms - now_ms();
        t = left <= 0 ? 0 : (int)left + 1;
    }
    if (f->regular && (t < 0 || t > FILE_POLL_MS))
        t = FILE_POLL_MS;
    return t;
}

/* Reads what is there: 1 read something, 0 at the end (of a pipe: done), -1 error. */
static int read_some(follower *f)
{
    if (!grow(&f->part, &f->part_cap, f->part_len + READ_CHUNK))
        return errno = ENOMEM, -1;
    ssize_t n = read(f->fd, f->part + f->part_len, READ_CHUNK);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : -1;
    if (n == 0)
        return 0;
    f->part_len += (size_t)n;
    f->off += n;
    return take_lines(f, false) ? 1 : (errno = ENOMEM, -1);
}

static int loop(follower *f)
{
    int rc = 0, got = 1;

    while (!stop_asked && rc == 0) {
        if (f->items &&
            (f->items >= f->fo->commit_items || now_ms() >= f->started + f->fo->commit_ms)) {
            rc = commit(f);
            continue;
        }
        struct pollfd p = {f->fd, POLLIN, 0};
        int t = wait_ms(f);
        if (f->regular && got == 0)
            poll(NULL, 0, t), check_file(f);
        else if (!f->regular && poll(&p, 1, t) <= 0)
            continue; /* the deadline came, or a signal */
        if ((got = read_some(f)) < 0) {
            cli_error("cannot read '%s': %s", f->fo->path, strerror(errno));
            return EXIT_TROUBLE;
        }
        if (got == 0 && !f->regular)
            break;
    }
    if (rc == 0 && f->part_len && !take_lines(f, true))
        rc = EXIT_TROUBLE;
    return rc ? rc : commit(f);
}

static void catch_signals(struct sigaction *old_int, struct sigaction *old_term)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop; /* no SA_RESTART: poll and read return at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGTERM, &sa, old_term);
}

int follow_run(rp_store *store, const follow_options *fo)
{
    follower f;
    struct sigaction old_int, old_term;
    int rc;

    memset(&f, 0, sizeof(f));
    f.fo = fo;
    f.store = store;
    f.fd = strcmp(fo->path, "-") == 0 ? STDIN_FILENO : open(fo->path, O_RDONLY | O_CLOEXEC);
    if (f.fd < 0 || fstat(f.fd, &f.id) != 0) {
        cli_error("cannot follow '%s': %s", fo->path, strerror(errno));
        return EXIT_TROUBLE;
    }
    f.regular = S_ISREG(f.id.st_mode) && f.fd != STDIN_FILENO;
    stop_asked = 0;
    catch_signals(&old_int, &old_term);
    rc = loop(&f);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (f.fd != STDIN_FILENO)
        close(f.fd);
    free(f.part);
    free(f.group);
    return rc;
}
