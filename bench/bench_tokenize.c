/*
 * bench_tokenize.c - single-thread throughput of tokenizing (rp_text_tokenize) and of tokenizing
 * plus fingerprinting (rp_shingle_winnow, default options), wall and CPU time, the median of RUNS
 * runs, with the fingerprint density and the peak RSS. The input is cut into document-sized
 * pieces (at the first blank line after every 4 KB), as a real corpus is, so token arrays stay
 * small. Usage: bench_tokenize FILE [REPEAT [RUNS]] (the file is concatenated REPEAT times,
 * default 1; RUNS default 5).
 */
#include "reprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

enum { DOC_MIN = 4096, RUNS_MAX = 99 };

static double clock_now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads the whole file, repeated `repeat` times: a malloc'ed buffer, or NULL. */
static char *read_repeated(const char *path, unsigned long repeat, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *all = NULL;
    size_t len = 0, cap = 0, n;

    if (!f)
        return NULL;
    do {
        if (len == cap) {
            char *grown = realloc(buf, cap = cap ? cap * 2 : 1 << 20);
            if (!grown)
                goto done;
            buf = grown;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f) || len == 0 || len > SIZE_MAX / repeat)
        goto done;
    all = malloc(len * repeat);
    if (all)
        for (unsigned long i = 0; i < repeat; i++)
            memcpy(all + i * len, buf, len);
    *len_out = len * repeat;
done:
    free(buf);
    fclose(f);
    return all;
}

/* Document ends: the end of the first blank line at or after every DOC_MIN bytes. */
static size_t *split_docs(const char *text, size_t len, size_t *count)
{
    size_t *ends = malloc((len / DOC_MIN + 2) * sizeof(*ends)), n = 0, p = 0;

    while (ends && p < len) {
        size_t e = p + DOC_MIN;
        while (e < len && !(text[e - 1] == '\n' && text[e] == '\n'))
            e++;
        p = e < len ? e + 1 : len;
        ends[n++] = p;
    }
    *count = n;
    return ends;
}

typedef struct timing {
    double wall, cpu;
} timing;

/* One pass over every document; fingerprints are counted, then dropped per document. */
static int pass(const rp_options *opts, const char *text, const size_t *ends, size_t ndocs,
                bool winnow, rp_tokens *toks, rp_fingerprints *fps, size_t *nfps, size_t *ntoks,
                timing *t)
{
    double w0 = clock_now(CLOCK_MONOTONIC), c0 = clock_now(CLOCK_PROCESS_CPUTIME_ID);
    size_t start = 0;

    *nfps = *ntoks = 0;
    for (size_t d = 0; d < ndocs; start = ends[d++]) {
        if (rp_text_tokenize(opts, text + start, ends[d] - start, false, toks) != RP_OK)
            return -1;
        *ntoks += toks->count;
        if (!winnow)
            continue;
        fps->count = 0;
        if (rp_shingle_winnow(opts, toks->items, toks->count, (uint32_t)d, fps) != RP_OK)
            return -1;
        *nfps += fps->count;
    }
    t->cpu = clock_now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    t->wall = clock_now(CLOCK_MONOTONIC) - w0;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, unsigned long n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    rp_options opts;
    rp_tokens toks;
    rp_fingerprints fps;
    struct rusage ru;
    unsigned long repeat = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
    unsigned long runs = argc > 3 ? strtoul(argv[3], NULL, 10) : 5;
    double tw[RUNS_MAX], tc[RUNS_MAX], fw[RUNS_MAX], fc[RUNS_MAX], mb;
    size_t len = 0, ndocs, *ends, nfps = 0, ntoks = 0;
    char *text;

    if (argc < 2 || repeat == 0 || runs == 0 || runs > RUNS_MAX) {
        fprintf(stderr, "usage: bench_tokenize FILE [REPEAT [RUNS]]\n");
        return 2;
    }
    text = read_repeated(argv[1], repeat, &len);
    ends = text ? split_docs(text, len, &ndocs) : NULL;
    if (!ends) {
        fprintf(stderr, "bench_tokenize: cannot read '%s'\n", argv[1]);
        return 2;
    }
    rp_options_init(&opts);
    rp_tokens_init(&toks);
    rp_fingerprints_init(&fps);
    for (unsigned long r = 0; r < runs; r++) {
        timing a, b;
        if (pass(&opts, text, ends, ndocs, false, &toks, &fps, &nfps, &ntoks, &a) != 0 ||
            pass(&opts, text, ends, ndocs, true, &toks, &fps, &nfps, &ntoks, &b) != 0) {
            fprintf(stderr, "bench_tokenize: tokenize or winnow failed\n");
            return 1;
        }
        tw[r] = a.wall, tc[r] = a.cpu, fw[r] = b.wall, fc[r] = b.cpu;
    }
    getrusage(RUSAGE_SELF, &ru);
    mb = (double)len / 1e6;
    printf("input_bytes %zu\ndocuments %zu\ntokens %zu\nfingerprints %zu\nruns %lu (median)\n", len,
           ndocs, ntoks, nfps, runs);
    printf("tokenize_MBps %.1f\n", mb / median(tw, runs));
    printf("tokenize_cpu_MBps %.1f\n", mb / median(tc, runs));
    printf("tokenize_fingerprint_MBps %.1f\n", mb / median(fw, runs));
    printf("tokenize_fingerprint_cpu_MBps %.1f\n", mb / median(fc, runs));
    printf("fingerprints_per_byte %.5f (k=%u, w=%u)\n", (double)nfps / (double)len, opts.shingle,
           opts.window);
    printf("fingerprint_bytes_per_byte %.4f (%zu-byte entries)\n",
           (double)(nfps * sizeof(rp_fingerprint)) / (double)len, sizeof(rp_fingerprint));
    printf("peak_rss_kb %ld\n", ru.ru_maxrss);
    rp_fingerprints_release(&fps);
    rp_tokens_release(&toks);
    free(ends);
    free(text);
    return 0;
}
