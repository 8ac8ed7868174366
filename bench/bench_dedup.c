/*
 * bench_dedup.c - incremental dedup throughput: generated news items of about 2 KB (invented
 * words, Zipf-weighted; one in ten a light edit of a recent item) added to an LMDB store in
 * batches, one transaction each. Prints, per tenth of the run (per 100,000 items of a
 * million; does it slow as the store grows?), items/s over the wall-clock time and over the
 * process's CPU time (user + system, less noisy on a shared machine) spent adding, and the
 * slowest batch (merges of postings levels land in some batches) and the megabytes the process
 * wrote (Linux's /proc/self/io write_bytes: what the batches' commits sent to the disk; -1
 * where it cannot be read); then the totals and the store's stats (bytes per item).
 *
 *     bench_dedup [ITEMS [BATCH [DIR [FROM]]]]  (defaults 100000, 1000, a temporary folder, 0)
 *
 * Each batch is added with rp_store_add_ahead, the next batch (made before) passed along so it
 * is signed while this one is judged and committed, as a feeder holding its next batch would;
 * BENCH_AHEAD=0 adds each with rp_store_add, signed when its call begins.
 *
 * FROM: the items are numbered from FROM on and drawn from a generator seeded by FROM (the same
 * words, other items), so `bench_dedup 1000 1000 DIR 1000000` adds to a store DIR of a million
 * (made by `bench_dedup 1000000 1000 DIR`, copied first to measure again) a thousand new items:
 * one batch at the size the target is set for, short enough for callgrind.
 *
 *     bench_dedup --jsonl ITEMS [FROM]
 *
 * writes to standard output, one JSON line each ({"id","text"}), the ITEMS items numbered from
 * FROM that `bench_dedup ITEMS BATCH DIR FROM` adds (the same for any BATCH), for the CLI:
 * `reprint dedup --store DIR --follow - < FILE` (bench/cli_dedup.sh).
 */
#include "reprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VOCAB 6000
#define ITEM_BYTES 2000

static char vocab[VOCAB][12];
static size_t vocab_len[VOCAB];
static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static void make_vocab(void)
{
    static const char *const syl[] = {"ka", "ri", "to", "mu", "sel", "van", "dor", "pin",
                                      "eth", "lo", "ra", "mi", "sun", "ber", "cal", "den"};
    for (int i = 0; i < VOCAB; i++) {
        int n = 1 + (int)(next_rand() % 3);
        vocab[i][0] = '\0';
        for (int j = 0; j < n; j++)
            strcat(vocab[i], syl[next_rand() % 16]);
        vocab_len[i] = strlen(vocab[i]);
    }
}

/* A word index with a rough Zipf shape: the square of a uniform pick. */
static int zipf_word(void)
{
    double u = (double)(next_rand() % 1000000) / 1000000.0;
    return (int)(u * u * VOCAB) % VOCAB;
}

static size_t make_item(char *buf, size_t cap)
{
    size_t len = 0;

    while (len + 16 < cap && len < ITEM_BYTES) { /* a word, then ". " one time in 12, else " " */
        int w = zipf_word();
        memcpy(buf + len, vocab[w], vocab_len[w]);
        len += vocab_len[w];
        if (next_rand() % 12 == 0)
            buf[len++] = '.';
        buf[len++] = ' ';
    }
    return len;
}

/* A light edit: a few words overwritten in place by others of the same length. */
static void edit_item(char *buf, size_t len)
{
    for (int i = 0; i < 6; i++) {
        size_t at = (size_t)(next_rand() % len);
        while (at < len && buf[at] != ' ')
            at++;
        if (at + 3 < len)
            buf[at + 1] = 'z', buf[at + 2] = 'q';
    }
}

/* Bytes this process has caused to be written to storage, -1 when unknown. */
static double written_bytes(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    char line[128];
    double out = -1;

    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "write_bytes:", 12) == 0)
            out = strtod(line + 12, NULL);
    if (f)
        fclose(f);
    return out;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char recent[64][ITEM_BYTES + 64];
static size_t recent_len[64];

/* Items [done, done + batch) of the run (at most items), numbered from from + done. */
static rp_corpus *make_batch(size_t done, size_t batch, size_t items, size_t from)
{
    char buf[ITEM_BYTES + 64];
    rp_corpus *c;

    if (done >= items || rp_corpus_new(&c) != RP_OK)
        return NULL;
    for (size_t i = 0; i < batch && done + i < items; i++) {
        char name[32];
        size_t len, slot = (done + i) % 64;
        if (done + i >= 64 && next_rand() % 10 == 0) {
            size_t pick = next_rand() % 64;
            memcpy(buf, recent[pick], recent_len[pick]);
            len = recent_len[pick];
            edit_item(buf, len);
        } else {
            len = make_item(buf, sizeof(buf));
        }
        memcpy(recent[slot], buf, len);
        recent_len[slot] = len;
        snprintf(name, sizeof(name), "item-%zu", from + done + i);
        rp_corpus_add(c, name, buf, len, NULL);
    }
    return c;
}

/* The generator at the start of the items numbered from `from`: the words, then the stream
 * (other items than the first run's for another from, the same words). The bench and
 * --jsonl both start here, so that --jsonl writes the very items the bench adds. */
static void start_items(size_t from)
{
    make_vocab();
    if (from)
        rng ^= (uint64_t)from * 0x9e3779b97f4a7c15ULL, next_rand();
}

/* The items as JSON lines (their bytes are letters, spaces and full stops: nothing to escape). */
static int write_jsonl(size_t items, size_t from)
{
    start_items(from);
    for (size_t done = 0; done < items;) {
        rp_corpus *c = make_batch(done, 1000, items, from);
        if (!c)
            return 1;
        for (uint32_t d = 0; d < rp_corpus_count(c); d++) {
            const rp_doc *doc = rp_corpus_doc(c, d);
            printf("{\"id\":\"%s\",\"text\":\"%.*s\"}\n", doc->name, (int)doc->len,
                   (const char *)doc->bytes);
        }
        done += rp_corpus_count(c);
        rp_corpus_free(c);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "--jsonl") == 0)
        return write_jsonl(strtoul(argv[2], NULL, 10), argc > 3 ? strtoul(argv[3], NULL, 10) : 0);

    size_t items = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    size_t batch = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    size_t from = argc > 4 ? strtoul(argv[4], NULL, 10) : 0;
    char tmp[] = "/tmp/bench-dedup-XXXXXX", msg[512];
    const char *dir = argc > 3 ? argv[3] : mkdtemp(tmp);
    bool ahead = !getenv("BENCH_AHEAD") || strcmp(getenv("BENCH_AHEAD"), "0") != 0;
    rp_corpus *next;
    rp_options o;
    rp_store_options so;
    rp_dedup_options d;
    rp_store *s;
    double add_time = 0, window_time = 0, cpu_time = 0, window_cpu = 0, window_max = 0;
    double window_written = written_bytes();
    size_t dups = 0, window_items = 0;

    start_items(from);
    rp_options_init(&o);
    rp_store_options_init(&so);
    if (getenv("BENCH_MAP_MB")) /* valgrind cannot map the default 64 GiB */
        so.map_size = (size_t)strtoul(getenv("BENCH_MAP_MB"), NULL, 10) << 20;
    rp_dedup_options_init(&d);
    if (!dir || rp_store_open(dir, &o, &so, &s, msg, sizeof(msg)) != RP_OK) {
        fprintf(stderr, "bench_dedup: %s\n", dir ? msg : "no temporary folder");
        return 1;
    }
    printf("items,items_per_s,cpu_items_per_s,slowest_batch_s,cumulative_items_per_s,written_mb\n");
    next = make_batch(0, batch, items, from);
    for (size_t done = 0; done < items;) {
        rp_corpus *c = next;
        rp_store_verdict *v;
        size_t n = rp_corpus_count(c);
        next = make_batch(done + n, batch, items, from); /* made before: not timed */
        double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        if ((ahead ? rp_store_add_ahead(s, c, next, &d, &v, &n, msg, sizeof(msg))
                   : rp_store_add(s, c, &d, &v, &n, msg, sizeof(msg))) != RP_OK) {
            fprintf(stderr, "bench_dedup: %s\n", msg);
            return 1;
        }
        double dt = clock_s(CLOCK_MONOTONIC) - t0, dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        cpu_time += dc, window_cpu += dc;
        add_time += dt, window_time += dt, window_items += n;
        window_max = dt > window_max ? dt : window_max;
        for (size_t i = 0; i < n; i++)
            dups += v[i].verdict != RP_VERDICT_NEW;
        rp_store_verdicts_free(v, n);
        rp_corpus_free(c);
        done += n;
        if (done % (items / 10 ? items / 10 : 1) < n || done == items) {
            double written = written_bytes();
            printf("%zu,%.0f,%.0f,%.3f,%.0f,%.0f\n", done, (double)window_items / window_time,
                   (double)window_items / window_cpu, window_max, (double)done / add_time,
                   written < 0 || window_written < 0 ? -1 : (written - window_written) / 1e6);
            window_written = written;
            fflush(stdout);
            window_items = 0, window_time = 0, window_cpu = 0, window_max = 0;
        }
    }
    printf("# %zu items in %.1f s of adding (%.0f items/s wall), %.1f s CPU (%.0f items/s), %zu "
           "flagged as copies\n",
           items, add_time, (double)items / add_time, cpu_time, (double)items / cpu_time, dups);
    rp_store_stats(s, stdout);
    rp_store_close(s);
    return 0;
}
