/*
 * serve.c - `reprint serve --store DIR`: the store over HTTP with libmicrohttpd (a thread per
 * connection, a bounded number of them). POST /v1/items (JSONL, or one JSON object) answers
 * one verdict line per item, the same lines as `reprint dedup --store`; the items of every
 * request waiting are added by ONE writer thread as one group commit, and each request is
 * answered once its group is committed. ?dry_run=1 judges without adding. DELETE
 * /v1/items/{id}, GET /v1/stats, GET /v1/health. Bodies are size-limited (413), a bad line is
 * a 400 naming it, every error a status and a one-line JSON message. Loopback by default; any
 * other address needs a bearer token (--token-file). SIGTERM/SIGINT: stop listening, answer
 * the requests in flight, commit, close the store.
 */
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SERVE_MAX_BODY ((size_t)16 << 20)
#define SERVE_MAX_CONNECTIONS 64u
#define SERVE_COMMIT_ITEMS 1000u
#define SERVE_COMMIT_MS 10u
#define SERVE_DRAIN_SECONDS 30

/* A POST waiting for its group commit. */
typedef struct job {
    char *body; /* validated JSONL, each line ending in "\n" */
    size_t len;
    size_t items;
    char *answer; /* the verdict lines, or NULL when the group failed (then msg) */
    size_t answer_len;
    char msg[384];
    bool done;
    struct job *next;
} job;

typedef struct server {
    rp_store *store;
    pthread_mutex_t store_mu; /* one thread at a time uses the store */
    rp_options opts;
    rp_dedup_options dopts;
    rp_read_options ropts;
    size_t max_body;
    size_t commit_items;
    unsigned commit_ms;
    char *token;        /* NULL: no token checked */
    pthread_mutex_t mu; /* guards the queue, stopping and active */
    pthread_cond_t work;
    pthread_cond_t done;
    job *head, *tail;
    size_t queued_items;
    struct timespec first_queued;
    bool stopping;
    unsigned active; /* requests begun and not yet completed */
} server;

/* The state of one request while its body arrives. */
typedef struct request {
    char *body;
    size_t len;
    size_t cap;
    bool too_big;
} request;

/* ---- answers ---- */

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *type,
                              char *text, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ok;

    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

/* {"error": message} with the message escaped for JSON. */
static enum MHD_Result answer_error(struct MHD_Connection *conn, unsigned status,
                                    const char *message)
{
    size_t n = strlen(message), o = 0;
    char *text = malloc(n * 6 + 32);

    if (!text)
        return MHD_NO;
    o += (size_t)sprintf(text, "{\"error\":\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)message[i];
        if (ch == '"' || ch == '\\')
            text[o++] = '\\', text[o++] = (char)ch;
        else if (ch < 0x20)
            o += (size_t)sprintf(text + o, "\\u%04x", ch);
        else
            text[o++] = (char)ch;
    }
    o += (size_t)sprintf(text + o, "\"}\n");
    return answer(conn, status, "application/json", text, o);
}

static enum MHD_Result answer_text(struct MHD_Connection *conn, unsigned status, const char *type,
                                   const char *text)
{
    char *copy = strdup(text);
    return copy ? answer(conn, status, type, copy, strlen(copy)) : MHD_NO;
}

/* ---- the writer: group commit ---- */

static double ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) * 1e3 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

/* Writes verdicts [from, from + n) as lines into a new string. */
static rp_status verdict_lines(const rp_store_verdict *v, size_t n, char **out, size_t *len)
{
    FILE *f = open_memstream(out, len);
    rp_status st;

    if (!f)
        return RP_ENOMEM;
    st = rp_store_write_verdicts(f, v, n);
    if (fclose(f) != 0 && st == RP_OK)
        st = RP_ENOMEM;
    return st;
}

/* Adds the items of jobs (a list) as one transaction and hands each job its verdicts. */
static void commit_group(server *sv, job *jobs)
{
    size_t len = 0, off = 0, count = 0;
    rp_corpus *c = NULL;
    rp_store_verdict *v = NULL;
    char msg[384] = "";
    rp_status st;

    for (job *j = jobs; j; j = j->next)
        len += j->len;
    char *all = malloc(len + 1);
    st = all && rp_corpus_new(&c) == RP_OK ? RP_OK : RP_ENOMEM;
    for (job *j = jobs; st == RP_OK && j; j = j->next)
        memcpy(all + off, j->body, j->len), off += j->len;
    if (st == RP_OK)
        st = rp_corpus_read_jsonl_bytes(c, "request", all, len, 1, &sv->ropts);
    if (st == RP_OK) {
        pthread_mutex_lock(&sv->store_mu);
        st = rp_store_add(sv->store, c, &sv->dopts, &v, &count, msg, sizeof(msg));
        pthread_mutex_unlock(&sv->store_mu);
    }
    off = 0;
    for (job *j = jobs; j; j = j->next) {
        if (st == RP_OK && off + j->items <= count)
            st = verdict_lines(v + off, j->items, &j->answer, &j->answer_len);
        else
            snprintf(j->msg, sizeof(j->msg), "%s", msg[0] ? msg : rp_strerror(st));
        off += j->items;
    }
    rp_store_verdicts_free(v, count);
    rp_corpus_free(c);
    free(all);
}

/* Waits for a group: the first job, then more until commit_items items or commit_ms. */
static job *take_group(server *sv)
{
    job *group;

    while (!sv->head && !sv->stopping)
        pthread_cond_wait(&sv->work, &sv->mu);
    while (sv->head && !sv->stopping && sv->queued_items < sv->commit_items) {
        double left = sv->commit_ms - ms_since(&sv->first_queued);
        if (left <= 0)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long ns = until.tv_nsec + (long)(left * 1e6);
        until.tv_sec += ns / 1000000000L;
        until.tv_nsec = ns % 1000000000L;
        pthread_cond_timedwait(&sv->work, &sv->mu, &until);
    }
    group = sv->head;
    sv->head = sv->tail = NULL;
    sv->queued_items = 0;
    return group;
}

static void *writer_main(void *arg)
{
    server *sv = arg;

    pthread_mutex_lock(&sv->mu);
    for (;;) {
        job *group = take_group(sv);
        if (!group && sv->stopping)
            break;
        pthread_mutex_unlock(&sv->mu);
        commit_group(sv, group);
        pthread_mutex_lock(&sv->mu);
        for (job *j = group; j; j = j->next)
            j->done = true;
        pthread_cond_broadcast(&sv->done);
    }
    pthread_mutex_unlock(&sv->mu);
    return NULL;
}

/* Queues the job and waits until its group is committed. */
static void run_job(server *sv, job *j)
{
    pthread_mutex_lock(&sv->mu);
    if (!sv->head)
        clock_gettime(CLOCK_MONOTONIC, &sv->first_queued);
    if (sv->tail)
        sv->tail->next = j;
    else
        sv->head = j;
    sv->tail = j;
    sv->queued_items += j->items;
    pthread_cond_signal(&sv->work);
    while (!j->done)
        pthread_cond_wait(&sv->done, &sv->mu);
    pthread_mutex_unlock(&sv->mu);
}

/* ---- routes ---- */

/* A body that is one JSON object over several lines, as one line (a raw line break cannot be
 * inside a JSON string, so every one is white space between tokens). */
static void one_line(char *body, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (body[i] == '\n' || body[i] == '\r')
            body[i] = ' ';
}

/* Reads the body into a corpus; false (msg says why, naming the line) when a line is bad. */
static bool validate(server *sv, request *rq, rp_corpus **out, char *msg, size_t msglen)
{
    rp_corpus *c = NULL;
    size_t start = 0;

    while (start < rq->len && strchr(" \t\r\n", rq->body[start]) && rq->body[start])
        start++;

    for (int attempt = 0; attempt < 2; attempt++) {
        rp_corpus_free(c);
        c = NULL;
        if (rp_corpus_new(&c) != RP_OK ||
            rp_corpus_read_jsonl_bytes(c, "line", rq->body, rq->len, 1, &sv->ropts) != RP_OK) {
            snprintf(msg, msglen, "out of memory");
            break;
        }
        if (rp_corpus_skipped_count(c) == 0 && rp_corpus_count(c) > 0) {
            for (uint32_t d = 0; d < rp_corpus_count(c); d++)
                if (strlen(rp_corpus_doc(c, d)->name) > RP_STORE_MAX_ID) {
                    snprintf(msg, msglen, "item %u: its id is longer than %u bytes", d + 1,
                             RP_STORE_MAX_ID);
                    rp_corpus_free(c);
                    return false;
                }
            *out = c;
            return true;
        }
        if (attempt) /* not one object either: the message of the lines stands */
            break;
        if (rp_corpus_skipped_count(c)) {
            const rp_skip *sk = rp_corpus_skipped(c, 0);
            snprintf(msg, msglen, "%s: %s", sk->input, sk->reason);
        } else {
            snprintf(msg, msglen, "no items in the body");
        }
        if (attempt || start >= rq->len || rq->body[start] != '{')
            break;
        one_line(rq->body, rq->len); /* perhaps one object over several lines */
    }
    rp_corpus_free(c);
    return false;
}

/* The body as JSONL whose lines all end in "\n" (so bodies can be joined). */
static bool terminate_body(request *rq)
{
    if (rq->len && rq->body[rq->len - 1] == '\n')
        return true;
    char *b = realloc(rq->body, rq->len + 2);
    if (!b)
        return false;
    rq->body = b;
    rq->body[rq->len++] = '\n';
    return true;
}

static enum MHD_Result post_items(server *sv, struct MHD_Connection *conn, request *rq)
{
    const char *dry = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "dry_run");
    char msg[384];
    rp_corpus *c = NULL;
    rp_store_verdict *v = NULL;
    size_t count = 0;
    rp_status st;

    if (!validate(sv, rq, &c, msg, sizeof(msg)))
        return answer_error(conn, MHD_HTTP_BAD_REQUEST, msg);
    if (dry && strcmp(dry, "0") != 0) {
        pthread_mutex_lock(&sv->store_mu);
        st = rp_store_query(sv->store, c, &sv->dopts, &v, &count, msg, sizeof(msg));
        pthread_mutex_unlock(&sv->store_mu);
        job j = {NULL, 0, 0, NULL, 0, "", false, NULL};
        if (st == RP_OK)
            st = verdict_lines(v, count, &j.answer, &j.answer_len);
        rp_store_verdicts_free(v, count);
        rp_corpus_free(c);
        return st == RP_OK
                   ? answer(conn, MHD_HTTP_OK, "application/x-ndjson", j.answer, j.answer_len)
                   : answer_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, msg);
    }
    job j = {NULL, 0, rp_corpus_count(c), NULL, 0, "", false, NULL};
    rp_corpus_free(c);
    if (!terminate_body(rq))
        return MHD_NO;
    j.body = rq->body, j.len = rq->len;
    run_job(sv, &j);
    if (!j.answer)
        return answer_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, j.msg);
    return answer(conn, MHD_HTTP_OK, "application/x-ndjson", j.answer, j.answer_len);
}

static enum MHD_Result delete_item(server *sv, struct MHD_Connection *conn, const char *id)
{
    char msg[384] = "", text[64];
    size_t deleted = 0;
    rp_status st;

    pthread_mutex_lock(&sv->store_mu);
    st = rp_store_delete(sv->store, &id, 1, &deleted, msg, sizeof(msg));
    pthread_mutex_unlock(&sv->store_mu);
    if (st != RP_OK)
        return answer_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, msg);
    if (!deleted)
        return answer_error(conn, MHD_HTTP_NOT_FOUND, "no item has this id");
    snprintf(text, sizeof(text), "{\"deleted\":%zu}\n", deleted);
    return answer_text(conn, MHD_HTTP_OK, "application/json", text);
}

static enum MHD_Result get_stats(server *sv, struct MHD_Connection *conn)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    rp_status st = RP_ENOMEM;

    if (f) {
        pthread_mutex_lock(&sv->store_mu);
        st = rp_store_stats(sv->store, f);
        pthread_mutex_unlock(&sv->store_mu);
        if (fclose(f) != 0 && st == RP_OK)
            st = RP_ENOMEM;
    }
    if (st != RP_OK) {
        free(text);
        return answer_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, rp_strerror(st));
    }
    return answer(conn, MHD_HTTP_OK, "application/json", text, len);
}

/* Routes a request whose body has arrived. */
static enum MHD_Result route(server *sv, struct MHD_Connection *conn, const char *url,
                             const char *method, request *rq)
{
    bool items = strcmp(url, "/v1/items") == 0;
    bool one = strncmp(url, "/v1/items/", 10) == 0 && url[10];
    bool stats = strcmp(url, "/v1/stats") == 0, health = strcmp(url, "/v1/health") == 0;
    char msg[160];

    if (rq->too_big) {
        snprintf(msg, sizeof(msg), "the body is larger than %zu bytes", sv->max_body);
        return answer_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, msg);
    }
    if (items && strcmp(method, "POST") == 0)
        return post_items(sv, conn, rq);
    if (one && strcmp(method, "DELETE") == 0)
        return delete_item(sv, conn, url + 10);
    if (stats && strcmp(method, "GET") == 0)
        return get_stats(sv, conn);
    if (health && strcmp(method, "GET") == 0)
        return answer_text(conn, MHD_HTTP_OK, "application/json", "{\"status\":\"ok\"}\n");
    snprintf(msg, sizeof(msg), "%s %.80s: %s", method, url,
             items || one || stats || health ? "method not allowed" : "no such route");
    return answer_error(
        conn, items || one || stats || health ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_NOT_FOUND,
        msg);
}

/* True when the request carries the bearer token (or none is asked for). */
static bool authorized(const server *sv, struct MHD_Connection *conn)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

    if (!sv->token)
        return true;
    return h && strncmp(h, "Bearer ", 7) == 0 && strcmp(h + 7, sv->token) == 0;
}

/* The first call for a request: refusals that need no body, else its state. */
static enum MHD_Result begin(server *sv, struct MHD_Connection *conn, void **con_cls)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    request *rq;
    char msg[160];

    if (!authorized(sv, conn))
        return answer_error(conn, MHD_HTTP_UNAUTHORIZED, "a valid bearer token is needed");
    if (cl && strtoull(cl, NULL, 10) > sv->max_body) {
        snprintf(msg, sizeof(msg), "the body is larger than %zu bytes", sv->max_body);
        return answer_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, msg);
    }
    if (!(rq = calloc(1, sizeof(*rq))))
        return MHD_NO;
    *con_cls = rq;
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    server *sv = cls;
    request *rq = *con_cls;

    (void)version;
    if (!rq) {
        pthread_mutex_lock(&sv->mu);
        sv->active++;
        bool stopping = sv->stopping;
        pthread_mutex_unlock(&sv->mu);
        if (stopping)
            return answer_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "the service is stopping");
        return begin(sv, conn, con_cls);
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (rq->too_big || rq->len + n > sv->max_body) {
            rq->too_big = true;
            return MHD_YES;
        }
        if (rq->len + n + 2 > rq->cap) {
            size_t cap = rq->cap ? rq->cap : 4096;
            while (cap < rq->len + n + 2)
                cap *= 2;
            char *b = realloc(rq->body, cap);
            if (!b)
                return MHD_NO;
            rq->body = b, rq->cap = cap;
        }
        memcpy(rq->body + rq->len, upload, n);
        rq->len += n;
        return MHD_YES;
    }
    return route(sv, conn, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    server *sv = cls;
    request *rq = *con_cls;

    (void)conn, (void)toe;
    if (rq) {
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
    pthread_mutex_lock(&sv->mu);
    if (sv->active)
        sv->active--;
    pthread_cond_broadcast(&sv->done);
    pthread_mutex_unlock(&sv->mu);
}

/* ---- options and main ---- */

typedef struct serve_args {
    const char *store;
    const char *listen;
    const char *token_file;
    uint64_t max_body;
    uint64_t max_connections;
    uint64_t commit_items;
    uint64_t commit_ms;
    bool wait;
} serve_args;

static void serve_help(void)
{
    printf("usage: reprint serve --store DIR [options]\n\n"
           "Serves the dedup store DIR (created when missing) over HTTP, JSON lines in and out:\n"
           "  POST   /v1/items        JSONL (or one JSON object): one verdict line per item, as\n"
           "                          `reprint dedup --store` prints them; ?dry_run=1 judges\n"
           "                          without adding\n"
           "  DELETE /v1/items/{id}   delete one item: {\"deleted\":1}, or 404\n"
           "  GET    /v1/stats        the store's stats (as `reprint store stats`)\n"
           "  GET    /v1/health       {\"status\":\"ok\"}\n"
           "Items of concurrent requests are added by one writer in group commits; a request\n"
           "is answered once its items are committed. Errors: 400 (a bad line, named), 401,\n"
           "404, 405, 413 (body too large), 500, each with {\"error\": message}.\n\n"
           "  --store DIR             the store (default settings: shingle 5, window 4, folds)\n"
           "  --listen ADDR:PORT      IPv4 address and port (default 127.0.0.1:8080; port 0:\n"
           "                          any free port, printed on stderr)\n"
           "  --token-file FILE       require 'Authorization: Bearer TOKEN' (TOKEN: the first\n"
           "                          line of FILE); needed to listen on a non-loopback address\n"
           "  --max-body BYTES        largest request body (default %zu)\n"
           "  --max-connections N     connections at once (default %u)\n"
           "  --commit-items N        commit a group at N items (default %u)\n"
           "  --commit-ms T           or T ms after its first request (default %u)\n"
           "  --wait                  wait for another writer of the store\n\n"
           "SIGTERM or SIGINT: stop listening, answer the requests in flight, close the store,\n"
           "exit 0. exit status: 2 when the store or the address cannot be used.\n",
           SERVE_MAX_BODY, SERVE_MAX_CONNECTIONS, SERVE_COMMIT_ITEMS, SERVE_COMMIT_MS);
}

static int serve_usage(const char *what, const char *value)
{
    cli_error("%s%s%s", what, value ? " " : "", value ? value : "");
    fputs("try 'reprint serve --help'\n", stderr);
    return EXIT_TROUBLE;
}

static bool number(const char *text, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = text[0] >= '0' && text[0] <= '9' ? strtoull(text, &end, 10) : 0;
    if (text[0] < '0' || text[0] > '9' || errno || *end || v == 0 || v > max)
        return false;
    *out = v;
    return true;
}

/* One option with its value; 0, or the exit status of a usage error. */
static int serve_option(serve_args *a, const char *name, const char *value)
{
    static const struct {
        const char *name;
        uint64_t max;
        size_t off;
    } nums[] = {{"--max-body", (uint64_t)1 << 34, offsetof(serve_args, max_body)},
                {"--max-connections", 4096, offsetof(serve_args, max_connections)},
                {"--commit-items", 1000000, offsetof(serve_args, commit_items)},
                {"--commit-ms", 3600000, offsetof(serve_args, commit_ms)}};

    if (strcmp(name, "--store") == 0)
        return a->store = value, 0;
    if (strcmp(name, "--listen") == 0)
        return a->listen = value, 0;
    if (strcmp(name, "--token-file") == 0)
        return a->token_file = value, 0;
    for (size_t i = 0; i < sizeof(nums) / sizeof(*nums); i++)
        if (strcmp(name, nums[i].name) == 0)
            return number(value, nums[i].max, (uint64_t *)((char *)a + nums[i].off))
                       ? 0
                       : serve_usage("a whole number from 1 is needed, not", value);
    return serve_usage("unknown option", name);
}

static int parse_args(serve_args *a, int argc, char **argv, bool *help)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '=');
        char name[32];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return *help = true, 0;
        if (strcmp(arg, "--wait") == 0) {
            a->wait = true;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0)
            return serve_usage("serve takes no PATH, not", arg);
        snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
        if (!eq && i + 1 >= argc)
            return serve_usage("a value is needed after", arg);
        int rc = serve_option(a, name, eq ? eq + 1 : argv[++i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* ADDR:PORT into sin; false when malformed. */
static bool parse_listen(const char *text, struct sockaddr_in *sin)
{
    const char *colon = strrchr(text, ':');
    char host[64];
    uint64_t port = 0;

    if (!colon || (size_t)(colon - text) >= sizeof(host))
        return false;
    snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
        return false;
    if (strcmp(colon + 1, "0") != 0 && !number(colon + 1, 65535, &port))
        return false;
    sin->sin_port = htons((uint16_t)port);
    return true;
}

/* The token: the first line of the file, which must not be empty. */
static char *read_token(const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (!f)
        return NULL;
    n = getline(&line, &cap, f);
    fclose(f);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (n <= 0) {
        free(line);
        return NULL;
    }
    return line;
}

/* Waits for SIGTERM or SIGINT (blocked in every thread), then drains and stops. */
static void wait_and_drain(server *sv, struct MHD_Daemon *d, const sigset_t *sigs)
{
    int sig = 0;
    struct timespec until;

    sigwait(sigs, &sig);
    MHD_quiesce_daemon(d); /* no new connections */
    pthread_mutex_lock(&sv->mu);
    sv->stopping = true;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += SERVE_DRAIN_SECONDS;
    while (sv->active > 0)
        if (pthread_cond_timedwait(&sv->done, &sv->mu, &until) == ETIMEDOUT)
            break;
    pthread_cond_broadcast(&sv->work);
    pthread_mutex_unlock(&sv->mu);
}

static struct MHD_Daemon *start_daemon(server *sv, const serve_args *a,
                                       const struct sockaddr_in *sin)
{
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;

    return MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, sv, MHD_OPTION_SOCK_ADDR, sin,
        MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(a->max_connections ? a->max_connections : SERVE_MAX_CONNECTIONS),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, sv, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
        MHD_OPTION_END);
}

static int serve(server *sv, const serve_args *a, const struct sockaddr_in *sin)
{
    sigset_t sigs;
    pthread_t writer;
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    char host[INET_ADDRSTRLEN];

    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* every thread started from here on too */
    signal(SIGPIPE, SIG_IGN);
    if (pthread_create(&writer, NULL, writer_main, sv) != 0) {
        cli_error("cannot start the writer thread");
        return EXIT_TROUBLE;
    }
    d = start_daemon(sv, a, sin);
    if (d) {
        info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
        cli_error("serving store '%s' on http://%s:%u/", a->store, host,
                  info ? (unsigned)info->port : 0u);
        wait_and_drain(sv, d, &sigs);
    } else {
        cli_error("cannot listen on %s: %s", a->listen, strerror(errno));
        pthread_mutex_lock(&sv->mu);
        sv->stopping = true;
        pthread_cond_broadcast(&sv->work);
        pthread_mutex_unlock(&sv->mu);
    }
    pthread_join(writer, NULL);
    if (d)
        MHD_stop_daemon(d);
    return d ? 0 : EXIT_TROUBLE;
}

static int open_server(server *sv, const serve_args *a)
{
    rp_store_options so;
    char msg[512];

    memset(sv, 0, sizeof(*sv));
    rp_options_init(&sv->opts);
    rp_dedup_options_init(&sv->dopts);
    rp_read_options_init(&sv->ropts);
    sv->ropts.jsonl = true;
    sv->max_body = a->max_body ? (size_t)a->max_body : SERVE_MAX_BODY;
    sv->commit_items = a->commit_items ? (size_t)a->commit_items : SERVE_COMMIT_ITEMS;
    sv->commit_ms = a->commit_ms ? (unsigned)a->commit_ms : SERVE_COMMIT_MS;
    rp_store_options_init(&so);
    so.wait = a->wait;
    if (rp_store_open(a->store, &sv->opts, &so, &sv->store, msg, sizeof(msg)) != RP_OK) {
        cli_error("%s", msg);
        return EXIT_TROUBLE;
    }
    pthread_mutex_init(&sv->store_mu, NULL);
    pthread_mutex_init(&sv->mu, NULL);
    pthread_cond_init(&sv->work, NULL);
    pthread_cond_init(&sv->done, NULL);
    return 0;
}

static void close_server(server *sv)
{
    rp_store_close(sv->store);
    pthread_mutex_destroy(&sv->store_mu);
    pthread_mutex_destroy(&sv->mu);
    pthread_cond_destroy(&sv->work);
    pthread_cond_destroy(&sv->done);
    free(sv->token);
}

int cmd_serve(int argc, char **argv)
{
    serve_args a = {NULL, "127.0.0.1:8080", NULL, 0, 0, 0, 0, false};
    struct sockaddr_in sin;
    server sv;
    bool help = false;
    char *token = NULL;
    int rc = parse_args(&a, argc, argv, &help);

    if (rc || help)
        return help ? (serve_help(), 0) : rc;
    if (!a.store)
        return serve_usage("serve needs --store DIR", NULL);
    if (!parse_listen(a.listen, &sin))
        return serve_usage("--listen takes IPV4:PORT (such as 127.0.0.1:8080), not", a.listen);
    bool loopback = (ntohl(sin.sin_addr.s_addr) >> 24) == 127;
    if (!loopback && !a.token_file)
        return serve_usage("listening on a non-loopback address needs --token-file FILE, for",
                           a.listen);
    if (a.token_file && !(token = read_token(a.token_file))) {
        cli_error("cannot read a token from '%s' (its first line, not empty)", a.token_file);
        return EXIT_TROUBLE;
    }
    if ((rc = open_server(&sv, &a)) != 0) {
        free(token);
        return rc;
    }
    sv.token = token;
    rc = serve(&sv, &a, &sin);
    close_server(&sv);
    return rc;
}
