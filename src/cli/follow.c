/*
 * follow.c - follow mode of `reprint dedup --store`: reads JSONL from standard input or a
 * growing file, gathers whole lines into a group until it holds --commit-items items (exactly:
 * later lines wait for the next group) or --commit-ms after the group's first item, then adds
 * the group as one transaction and prints its verdicts (a verdict is never printed before its
 * commit, so a lost output is recovered by a re-run). When the next group is already in hand
 * as a group commits (a backlog: lines came faster than commits), it is read into its corpus
 * first and signed on the other core during the commit (rp_store_add_ahead), and the group
 * after it, when in hand too, is read into its corpus on a thread meanwhile. SIGINT and
 * SIGTERM end the run after the lines read so far are committed.
 */
#define _GNU_SOURCE /* ppoll */
#include "follow.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK 65536
#define FILE_POLL_MS 10 /* how often a followed file is looked at again once at its end */
#define GROUPS 3        /* the group in hand, the next (signed ahead), the one after (read ahead) */

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
    (void)sig;
    stop_asked = 1;
}

/* A group of whole lines, committed as one transaction. */
typedef struct group {
    char *bytes;
    size_t len;
    size_t cap;
    size_t items;      /* non-blank lines */
    size_t first_line; /* its first line's number */
    double started;    /* when its first item arrived (ms) */
    rp_corpus *corpus; /* read ahead (and signed during the commit before): the group is closed */
} group;

typedef struct follower {
    const follow_options *fo;
    rp_store *store;
    int fd;
    bool regular;   /* a file, followed past its end; else a pipe or terminal, ended by EOF */
    bool ended;     /* the end of a pipe (or of standard input) was read */
    struct stat id; /* the file's device and inode, to see it replaced */
    off_t off;      /* bytes read from the file */
    char *part;     /* bytes not yet in a group: after the last line break, or lines waiting
                     * while the groups are full */
    /* the signal mask while waiting for input: SIGINT and SIGTERM, blocked everywhere else,
     * are taken only there (no signal is missed between the stop check and the wait, none
     * lands on a helper thread) */
    sigset_t wait_mask;
    size_t part_len;
    size_t part_cap;
    group g[GROUPS]; /* the group in hand, then the lines after its last item: the next group,
                      * then the one after */
    size_t lines;    /* lines read into groups so far */
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

/* True when the group takes no more lines. */
static bool full(const follower *f, const group *g)
{
    return g->corpus || g->items >= f->fo->commit_items;
}

/* True when the group holds items and takes no more lines, or no more come (the input ended):
 * it can be read into its corpus ahead of its commit. */
static bool complete(const follower *f, const group *g)
{
    return g->items && (full(f, g) || f->ended);
}

static rp_status read_group(const follower *f, const group *g, rp_corpus **out)
{
    const char *name = strcmp(f->fo->path, "-") == 0 ? "-" : f->fo->path;
    rp_status st = rp_corpus_new(out);

    if (st == RP_OK)
        st = rp_corpus_read_jsonl_bytes(*out, name, g->bytes, g->len, g->first_line, f->fo->ropts);
    return st;
}

/* The next group's corpus, when that group is complete (full, or the input has ended) and is
 * to be signed during this commit; NULL otherwise, or when it cannot be read now (its own
 * commit then reads it again and says why). */
static rp_corpus *read_next(const follower *f)
{
    const group *n = &f->g[1];
    rp_corpus *c = NULL;

    if (n->corpus)
        return n->corpus;
    if (f->fo->dry_run || !complete(f, n))
        return NULL;
    if (read_group(f, n, &c) != RP_OK) {
        rp_corpus_free(c);
        return NULL;
    }
    return c;
}

/* The group after the next, read into its corpus on a thread while a commit runs. */
typedef struct reader {
    const follower *f;
    const group *g;
    rp_corpus *corpus;
    rp_status st;
    pthread_t tid;
    bool running;
} reader;

static void *reader_main(void *arg)
{
    reader *r = arg;
    r->st = read_group(r->f, r->g, &r->corpus);
    return NULL;
}

/* Starts reading the group after the next when it is complete and the next is signed ahead. */
static void reader_start(follower *f, reader *r)
{
    const group *g = &f->g[2];

    memset(r, 0, sizeof(*r));
    if (f->fo->one_thread || g->corpus || !complete(f, g))
        return;
    r->f = f, r->g = g;
    r->running = pthread_create(&r->tid, NULL, reader_main, r) == 0;
}

/* The group after the next gets its corpus (a failure: it is read again at its commit, which
 * says why). */
static void reader_join(follower *f, reader *r)
{
    if (!r->running)
        return;
    pthread_join(r->tid, NULL);
    if (r->st == RP_OK)
        f->g[2].corpus = r->corpus;
    else
        rp_corpus_free(r->corpus);
}

/* Judges and commits the group in hand, then prints its verdicts (or its new items); the next
 * group becomes the one in hand. */
static int commit(follower *f)
{
    group *g = &f->g[0], held;
    rp_corpus *c = g->corpus, *next = NULL;
    rp_store_verdict *v = NULL;
    size_t count = 0;
    char msg[512] = "";
    rp_status st = RP_OK;
    reader r = {0};

    if (g->items == 0)
        return g->len = 0, 0;
    g->corpus = NULL;
    if (!c)
        st = read_group(f, g, &c);
    if (st == RP_OK) {
        print_skipped(f, c);
        next = f->g[1].corpus = read_next(f); /* kept alive, unchanged, until it is added */
        if (next)
            reader_start(f, &r);
        if (f->fo->dry_run)
            st = rp_store_query(f->store, c, f->fo->dopts, &v, &count, msg, sizeof(msg));
        else if (next)
            st = rp_store_add_ahead(f->store, c, next, f->fo->dopts, &v, &count, msg, sizeof(msg));
        else
            st = rp_store_add(f->store, c, f->fo->dopts, &v, &count, msg, sizeof(msg));
        reader_join(f, &r);
    }
    if (st == RP_OK)
        st = f->fo->keep_only ? rp_store_write_new(stdout, c, v, count)
                              : rp_store_write_verdicts(stdout, v, count);
    if (st == RP_OK && fflush(stdout) != 0)
        st = RP_EIO, snprintf(msg, sizeof(msg), "cannot write the verdicts: %s", strerror(errno));
    rp_store_verdicts_free(v, count);
    rp_corpus_free(c);
    g->len = g->items = 0;
    held = f->g[0]; /* the buffers are kept */
    for (int i = 0; i + 1 < GROUPS; i++)
        f->g[i] = f->g[i + 1];
    f->g[GROUPS - 1] = held;
    if (st != RP_OK) {
        cli_error("%s", msg[0] ? msg : rp_strerror(st));
        return EXIT_TROUBLE;
    }
    return 0;
}

/* Moves the whole lines of f->part into the groups: the one in hand until it holds
 * --commit-items items, then the next, then the one after; lines after that one's last item
 * wait in part. */
static bool take_lines(follower *f, bool all)
{
    size_t start = 0;

    while (start < f->part_len) {
        const char *nl = memchr(f->part + start, '\n', f->part_len - start);
        if (!nl && !all)
            break;
        group *g = f->g;
        while (g < f->g + GROUPS - 1 && full(f, g))
            g++;
        if (full(f, g))
            break;
        size_t len = (nl ? (size_t)(nl - f->part) + 1 : f->part_len) - start;
        if (!grow(&g->bytes, &g->cap, g->len + len + 1))
            return false;
        if (g->len == 0)
            g->first_line = f->lines + 1;
        memcpy(g->bytes + g->len, f->part + start, len);
        g->len += len;
        f->lines++;
        if (!blank(f->part + start, len) && g->items++ == 0)
            g->started = now_ms();
        start += len;
    }
    memmove(f->part, f->part + start, f->part_len - start);
    f->part_len -= start;
    return true;
}

/* A followed file truncated or replaced is read again from its start: true then. */
static bool check_file(follower *f)
{
    struct stat now, cur;

    if (stat(f->fo->path, &now) != 0 || fstat(f->fd, &cur) != 0)
        return false;
    if (now.st_dev != f->id.st_dev || now.st_ino != f->id.st_ino) {
        int fd = open(f->fo->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return false;
        close(f->fd);
        f->fd = fd, f->id = now, f->off = 0, f->part_len = 0;
        return true;
    }
    if (cur.st_size < f->off) {
        lseek(f->fd, 0, SEEK_SET);
        f->off = 0, f->part_len = 0;
        return true;
    }
    return false;
}

/* How long to wait for input: until the group's deadline, or a file's next look. */
static int wait_ms(const follower *f)
{
    int t = -1;

    if (f->g[0].items) {
        double left = f->g[0].started + f->fo->commit_ms - now_ms();
        t = left <= 0 ? 0 : (int)left + 1;
    }
    if (f->regular && (t < 0 || t > FILE_POLL_MS))
        t = FILE_POLL_MS;
    return t;
}

/* poll with SIGINT and SIGTERM let in for the wait alone (ppoll): a stop asked before the wait
 * ends it at once, one asked during it too. t < 0: no deadline. */
static int wait_input(const follower *f, struct pollfd *p, int t)
{
    struct timespec ts = {t / 1000, (long)(t % 1000) * 1000000L};
    return ppoll(p, p ? 1 : 0, t < 0 ? NULL : &ts, &f->wait_mask);
}

/* Reads what is there: 1 read something, 0 at the end (of a pipe: done), -1 error. */
static int read_some(follower *f)
{
    if (!grow(&f->part, &f->part_cap, f->part_len + READ_CHUNK))
        return errno = ENOMEM, -1;
    ssize_t n = read(f->fd, f->part + f->part_len, READ_CHUNK);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : -1;
    if (n == 0) {
        if (!f->regular) /* the last line may lack its line break */
            f->ended = true;
        return f->regular || take_lines(f, true) ? 0 : (errno = ENOMEM, -1);
    }
    f->part_len += (size_t)n;
    f->off += n;
    return take_lines(f, false) ? 1 : (errno = ENOMEM, -1);
}

/* Before the full group in hand commits: reads, without waiting, what has arrived, until the
 * next groups are full too (the next is then signed during the commit, the one after read).
 * Nothing waiting: nothing done, as with no backlog. */
static int read_backlog(follower *f)
{
    while (!f->fo->dry_run && !f->ended && !full(f, &f->g[GROUPS - 1])) {
        struct pollfd p = {f->fd, POLLIN, 0};
        if (!f->regular && poll(&p, 1, 0) <= 0)
            return 0;
        int got = read_some(f);
        if (got <= 0)
            return got;
    }
    return 0;
}

static int read_failed(const follower *f)
{
    cli_error("cannot read '%s': %s", f->fo->path, strerror(errno));
    return EXIT_TROUBLE;
}

static int loop(follower *f)
{
    int rc = 0, got = 1;

    while (rc == 0 && !f->ended && (wait_input(f, NULL, 0), !stop_asked)) {
        /* (a stop asked during the last commit, pending until now, is taken first) */
        const group *g = &f->g[0];
        if (g->items && (full(f, g) || now_ms() >= g->started + f->fo->commit_ms)) {
            if (full(f, g) && read_backlog(f) < 0)
                return read_failed(f);
            rc = commit(f);
            /* lines that waited behind the full groups move up now: with no more input
             * coming they would wait for it (a poll without end), never judged */
            if (rc == 0 && !take_lines(f, false))
                return errno = ENOMEM, read_failed(f);
            continue;
        }
        struct pollfd p = {f->fd, POLLIN, 0};
        int t = wait_ms(f);
        if (f->regular && got == 0) {
            wait_input(f, NULL, t);
            /* a file read again from its start: the old file's lines (the group in hand: it
             * is not full, so the only one) are committed as a group of their own, and lines
             * are numbered from 1 again */
            if (check_file(f)) {
                if ((rc = commit(f)) != 0)
                    break;
                f->lines = 0;
            }
        } else if (!f->regular && wait_input(f, &p, t) <= 0)
            continue; /* the deadline came, or a signal */
        if ((got = read_some(f)) < 0)
            return read_failed(f);
    }
    /* the end, or a signal: what was read is committed (the group in hand, the next, the
     * lines waiting), in groups as before; nothing more is read, so a next group in hand is
     * complete and is signed ahead. At a pipe's end its last line may lack its line break;
     * stopped by a signal, bytes after the last line break are a line not yet all written
     * (its rest unread): not a line, and left */
    bool all = f->ended;
    f->ended = true;
    while (rc == 0) {
        if (!take_lines(f, all))
            return errno = ENOMEM, read_failed(f);
        if (!f->g[0].items && !f->g[1].items && !f->g[2].items)
            break;
        rc = commit(f);
    }
    if (rc == 0 && f->part_len && !f->fo->quiet)
        cli_error("warning: '%s': stopped inside line %zu (%zu bytes of it read): not judged",
                  f->fo->path, f->lines + 1, f->part_len);
    return rc;
}

static void catch_signals(struct sigaction *old_int, struct sigaction *old_term)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop; /* no SA_RESTART: the wait (ppoll) returns at once */
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
    /* SIGINT and SIGTERM blocked but while waiting for input (wait_input): threads started
     * meanwhile (the reader, the store's) inherit the block */
    sigset_t stops, old_mask;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stops, &old_mask);
    f.wait_mask = old_mask;
    sigdelset(&f.wait_mask, SIGINT);
    sigdelset(&f.wait_mask, SIGTERM);
    rc = loop(&f);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL); /* a stop still pending lands on on_stop */
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (f.fd != STDIN_FILENO)
        close(f.fd);
    free(f.part);
    for (int i = 0; i < GROUPS; i++) {
        rp_corpus_free(f.g[i].corpus);
        free(f.g[i].bytes);
    }
    return rc;
}
