/*
 * bench_tokenize.c - single-thread throughput of tokenizing (rp_text_tokenize) and of tokenizing
 * plus fingerprinting (rp_shingle_winnow, default options) one file, with the fingerprint
 * density and the peak RSS. Usage: bench_tokenize FILE [REPEAT]; the file is read once into
 * memory and concatenated REPEAT times (default 1) before timing.
 */
#include "reprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* CPU time of this process: the machine may be shared, and the target is per core. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
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

int main(int argc, char **argv)
{
    rp_options opts;
    rp_tokens toks;
    rp_fingerprints fps;
    struct rusage ru;
    unsigned long repeat = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
    size_t len = 0;
    char *text;
    double t0, t1, t2, c0, c1, c2;

    if (argc < 2 || repeat == 0) {
        fprintf(stderr, "usage: bench_tokenize FILE [REPEAT]\n");
        return 2;
    }
    text = read_repeated(argv[1], repeat, &len);
    if (!text) {
        fprintf(stderr, "bench_tokenize: cannot read '%s'\n", argv[1]);
        return 2;
    }
    rp_options_init(&opts);
    rp_tokens_init(&toks);
    rp_fingerprints_init(&fps);
    c0 = cpu_now();
    t0 = now();
    if (rp_text_tokenize(&opts, text, len, false, &toks) != RP_OK)
        return 1;
    t1 = now();
    c1 = cpu_now();
    if (rp_shingle_winnow(&opts, toks.items, toks.count, 0, &fps) != RP_OK)
        return 1;
    t2 = now();
    c2 = cpu_now();
    getrusage(RUSAGE_SELF, &ru);
    printf("input_bytes %zu\ntokens %zu\nfingerprints %zu\n", len, toks.count, fps.count);
    printf("tokenize_MBps %.1f\n", (double)len / 1e6 / (t1 - t0));
    printf("tokenize_fingerprint_MBps %.1f\n", (double)len / 1e6 / (t2 - t0));
    printf("tokenize_cpu_MBps %.1f\n", (double)len / 1e6 / (c1 - c0));
    printf("tokenize_fingerprint_cpu_MBps %.1f\n", (double)len / 1e6 / (c2 - c0));
    printf("fingerprints_per_byte %.5f\n", (double)fps.count / (double)len);
    printf("fingerprint_table_bytes_per_byte %.4f\n",
           (double)(fps.count * sizeof(rp_fingerprint)) / (double)len);
    printf("peak_rss_kb %ld\n", ru.ru_maxrss);
    rp_fingerprints_release(&fps);
    rp_tokens_release(&toks);
    free(text);
    return 0;
}
