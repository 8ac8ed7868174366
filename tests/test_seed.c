/*
 * test_seed.c - the seed acceptance check: on ../shared/corpora/seed-feed.txt, read
 * as one file and split after each "Continue reading" line, every intro<->reprint repeat in
 * tests/data/seed-truth.json (byte offsets into the file, found by reading the posts) must be
 * reported: one cluster holds two different passages, one covering at least half of the intro
 * span and one at least half of the reprint span. Misses are printed with the nearest match.
 */
#include "reprint.h"

/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SEED_SPLIT_AFTER "^Continue reading "
#define SEED_MIN_COVER 0.5
#define SEED_MIN_REQUIRED 20 /* the issue speaks of "about twenty" repeats */

typedef struct span {
    size_t start;
    size_t end;
} span;

/* One scan of the seed and its truth; every field is released by seed_close. */
typedef struct seed_run {
    rp_corpus *corpus;
    rp_scan *scan;
    rp_options opts;
    json_t *truth;
} seed_run;

/* A scan of the split seed with the file's own lines, to check the text report against. */
typedef struct run_report {
    seed_run run;
    char *bytes;
    char **lines;
    size_t nlines;
} run_report;

/* The best pair of passages of one cluster for a truth pair, and each side's best passage. */
typedef struct match {
    double intro;
    double reprint;
    size_t cluster;
    const rp_passage *a;
    const rp_passage *b;
    double intro_alone;
    double reprint_alone;
} match;

static const char *source_dir(void)
{
    const char *dir = getenv("RP_SOURCE_DIR");
    return dir && *dir ? dir : RP_SOURCE_DIR;
}

/* Reads the seed (split after "Continue reading" lines when split is true), scans it with the
 * default options and loads the truth. False when the seed is absent. */
static bool seed_open(bool split, seed_run *run)
{
    char seed[1024], truth[1024];
    struct stat st;
    rp_read_options ropts;
    json_error_t err;

    snprintf(seed, sizeof(seed), "%s/../shared/corpora/seed-feed.txt", source_dir());
    snprintf(truth, sizeof(truth), "%s/tests/data/seed-truth.json", source_dir());
    if (stat(seed, &st) != 0)
        return false;
    run->truth = json_load_file(truth, 0, &err);
    if (!run->truth)
        print_error("%s:%d: %s\n", truth, err.line, err.text);
    assert_non_null(run->truth);
    assert_int_equal((size_t)st.st_size,
                     (size_t)json_integer_value(json_object_get(run->truth, "bytes")));

    rp_read_options_init(&ropts);
    ropts.split_after = split ? SEED_SPLIT_AFTER : NULL;
    rp_options_init(&run->opts);
    assert_int_equal(rp_corpus_new(&run->corpus), RP_OK);
    assert_int_equal(rp_corpus_read(run->corpus, seed, &ropts), RP_OK);
    assert_int_equal(rp_corpus_skipped_count(run->corpus), 0);
    assert_int_equal(rp_scan_run(run->corpus, &run->opts, NULL, NULL, &run->scan), RP_OK);
    return true;
}

static void seed_close(seed_run *run)
{
    rp_scan_free(run->scan);
    rp_corpus_free(run->corpus);
    json_decref(run->truth);
}

static span json_span(const json_t *pair)
{
    span s = {(size_t)json_integer_value(json_array_get(pair, 0)),
              (size_t)json_integer_value(json_array_get(pair, 1))};
    return s;
}

/* The part holding a file span, and the span in that part's coordinates (rp_doc.offset).
 * False when no single part holds it. */
static bool locate(const rp_corpus *corpus, span file, uint32_t *doc, span *rel)
{
    for (uint32_t i = 0; i < rp_corpus_count(corpus); i++) {
        const rp_doc *d = rp_corpus_doc(corpus, i);
        if (d->offset <= file.start && file.end <= d->offset + d->len) {
            *doc = i;
            rel->start = file.start - d->offset;
            rel->end = file.end - d->offset;
            return true;
        }
    }
    return false;
}

/* Share of the span's bytes that the passage covers. */
static double coverage(const rp_passage *p, uint32_t doc, span s)
{
    size_t lo = p->start > s.start ? p->start : s.start;
    size_t hi = p->end < s.end ? p->end : s.end;

    if (p->doc != doc || hi <= lo)
        return 0.0;
    return (double)(hi - lo) / (double)(s.end - s.start);
}

static double min2(double x, double y)
{
    return x < y ? x : y;
}

/* Looks at every ordered pair of different passages of every cluster; true when one pair
 * covers both sides enough. *best gets the pair closest to that and each side's best cover. */
static bool find_pair(const rp_scan *scan, uint32_t doc_i, span intro, uint32_t doc_r, span reprint,
                      match *best)
{
    bool found = false;

    memset(best, 0, sizeof(*best));
    for (size_t c = 0; c < rp_scan_cluster_count(scan); c++) {
        const rp_cluster *cl = rp_scan_cluster(scan, c);
        for (size_t i = 0; i < cl->passage_count; i++) {
            const rp_passage *a = &cl->passages[i];
            double ci = coverage(a, doc_i, intro);
            double cr_alone = coverage(a, doc_r, reprint);
            best->intro_alone = ci > best->intro_alone ? ci : best->intro_alone;
            best->reprint_alone = cr_alone > best->reprint_alone ? cr_alone : best->reprint_alone;
            for (size_t j = 0; j < cl->passage_count && ci > 0.0; j++) {
                double cr = j == i ? 0.0 : coverage(&cl->passages[j], doc_r, reprint);
                if (min2(ci, cr) > min2(best->intro, best->reprint)) {
                    best->intro = ci;
                    best->reprint = cr;
                    best->cluster = c;
                    best->a = a;
                    best->b = &cl->passages[j];
                }
                found = found || (ci >= SEED_MIN_COVER && cr >= SEED_MIN_COVER);
            }
        }
    }
    return found;
}

static void print_passage(const seed_run *run, const char *side, const rp_passage *p)
{
    const rp_doc *d = rp_corpus_doc(run->corpus, p->doc);
    print_message("      %s passage: doc %u [%zu,%zu) = file [%zu,%zu), %u tokens, identity %.3f\n",
                  side, p->doc, p->start, p->end, d->offset + p->start, d->offset + p->end,
                  p->tokens, p->identity);
}

static void print_miss(const seed_run *run, const json_t *rep, const match *m, const char *what)
{
    span i = json_span(json_object_get(rep, "intro"));
    span r = json_span(json_object_get(rep, "reprint"));

    print_message("  %s repeat %d (%s, %d words; %s): intro [%zu,%zu) reprint [%zu,%zu)\n", what,
                  (int)json_integer_value(json_object_get(rep, "id")),
                  json_string_value(json_object_get(rep, "post")),
                  (int)json_integer_value(json_object_get(rep, "words")),
                  json_string_value(json_object_get(rep, "edits")), i.start, i.end, r.start, r.end);
    if (m->a) {
        print_message("    best pair: cluster %zu (%s) covers intro %.2f, reprint %.2f\n",
                      m->cluster, rp_kind_name(rp_scan_cluster(run->scan, m->cluster)->kind),
                      m->intro, m->reprint);
        print_passage(run, "intro  ", m->a);
        print_passage(run, "reprint", m->b);
    } else {
        print_message("    no cluster holds passages on both sides\n");
    }
    print_message("    best single passage: intro %.2f, reprint %.2f\n", m->intro_alone,
                  m->reprint_alone);
}

/* Checks every truth repeat; prints each miss; returns the number of required ones missed. */
static size_t check_repeats(const seed_run *run, const char *mode)
{
    const json_t *reps = json_object_get(run->truth, "repeats");
    size_t missed = 0, found = 0, required = 0;

    for (size_t k = 0; k < json_array_size(reps); k++) {
        const json_t *rep = json_array_get(reps, k);
        bool must = json_is_true(json_object_get(rep, "required"));
        uint32_t doc_i = 0, doc_r = 0;
        span i, r;
        match m;

        assert_true(locate(run->corpus, json_span(json_object_get(rep, "intro")), &doc_i, &i));
        assert_true(locate(run->corpus, json_span(json_object_get(rep, "reprint")), &doc_r, &r));
        required += must;
        if (find_pair(run->scan, doc_i, i, doc_r, r, &m)) {
            found++;
            continue;
        }
        missed += must;
        print_miss(run, rep, &m, must ? "MISSED" : "missed (not required)");
    }
    print_message("  %s: %zu of %zu truth repeats found (%zu required, %zu required missed)\n",
                  mode, found, json_array_size(reps), required, missed);
    return missed;
}

/* Spans of a group covered at least half by some passage of cluster c. */
static size_t group_hits(const seed_run *run, const json_t *spans, const rp_cluster *cl)
{
    size_t hits = 0;

    for (size_t s = 0; s < json_array_size(spans); s++) {
        uint32_t doc = 0;
        span rel;
        bool hit = false;
        assert_true(locate(run->corpus, json_span(json_array_get(spans, s)), &doc, &rel));
        for (size_t p = 0; p < cl->passage_count && !hit; p++)
            hit = coverage(&cl->passages[p], doc, rel) >= SEED_MIN_COVER;
        hits += hit;
    }
    return hits;
}

/* Distinct documents holding the group's spans. */
static size_t group_docs(const seed_run *run, const json_t *spans)
{
    uint32_t seen[64];
    size_t count = 0;

    assert_true(json_array_size(spans) <= 64);
    for (size_t s = 0; s < json_array_size(spans); s++) {
        uint32_t doc = 0;
        span rel;
        size_t k = 0;
        assert_true(locate(run->corpus, json_span(json_array_get(spans, s)), &doc, &rel));
        while (k < count && seen[k] != doc)
            k++;
        if (k == count)
            seen[count++] = doc;
    }
    return count;
}

/* A template line group is reported when one cluster covers at least min_in_one_cluster of
 * its lines; when the lines lie in boilerplate_docs documents or more, that cluster must also
 * be of kind boilerplate (fewer documents cannot make boilerplate by definition). */
static size_t check_boilerplate(const seed_run *run, const char *mode)
{
    const json_t *groups = json_object_get(run->truth, "boilerplate");
    size_t missed = 0;

    for (size_t g = 0; g < json_array_size(groups); g++) {
        const json_t *group = json_array_get(groups, g);
        const json_t *spans = json_object_get(group, "spans");
        size_t need = (size_t)json_integer_value(json_object_get(group, "min_in_one_cluster"));
        bool want_kind = group_docs(run, spans) >= run->opts.boilerplate_docs;
        size_t best = 0;
        bool ok = false;

        for (size_t c = 0; c < rp_scan_cluster_count(run->scan) && !ok; c++) {
            const rp_cluster *cl = rp_scan_cluster(run->scan, c);
            size_t hits = group_hits(run, spans, cl);
            best = hits > best ? hits : best;
            ok = hits >= need && (!want_kind || cl->kind == RP_KIND_BOILERPLATE);
        }
        if (!ok) {
            missed++;
            print_message("  %s: MISSED template group '%s': best cluster covers %zu of %zu lines "
                          "(need %zu%s)\n",
                          mode, json_string_value(json_object_get(group, "label")), best,
                          json_array_size(spans), need, want_kind ? ", kind boilerplate" : "");
        }
    }
    return missed;
}

/* Title line <-> "Continue reading <title>" footer: printed for the engineer, not asserted
 * (a title is not an intro<->reprint repeat and is shorter than 15 words). */
static void print_title_footers(const seed_run *run, const char *mode)
{
    const json_t *pairs = json_object_get(run->truth, "title_footer_repeats");
    size_t found = 0;

    for (size_t k = 0; k < json_array_size(pairs); k++) {
        const json_t *tf = json_array_get(pairs, k);
        uint32_t doc_t = 0, doc_f = 0;
        span t, f;
        match m;
        assert_true(locate(run->corpus, json_span(json_object_get(tf, "title")), &doc_t, &t));
        assert_true(locate(run->corpus, json_span(json_object_get(tf, "footer")), &doc_f, &f));
        found += find_pair(run->scan, doc_t, t, doc_f, f, &m);
    }
    print_message("  %s: (not asserted) %zu of %zu title<->footer lines found\n", mode, found,
                  json_array_size(pairs));
}

static void test_seed_truth_spans_lie_inside_one_post_part(void **state)
{
    seed_run run;
    const json_t *reps;
    size_t required = 0;

    (void)state;
    if (!seed_open(true, &run)) {
        print_message("seed-feed.txt not found next to the repository: skipped\n");
        skip();
    }
    /* the split gives one part per "Continue reading" line; four posts have none */
    assert_int_equal(rp_corpus_count(run.corpus), 16);
    reps = json_object_get(run.truth, "repeats");
    for (size_t k = 0; k < json_array_size(reps); k++) {
        const json_t *rep = json_array_get(reps, k);
        span i = json_span(json_object_get(rep, "intro"));
        span r = json_span(json_object_get(rep, "reprint"));
        uint32_t doc_i = 0, doc_r = 0;
        span rel;

        assert_true(i.start < i.end && i.end <= r.start && r.start < r.end);
        assert_true(locate(run.corpus, i, &doc_i, &rel));
        assert_true(locate(run.corpus, r, &doc_r, &rel));
        assert_int_equal(doc_i, doc_r); /* an intro and its reprint share a post */
        assert_true(json_integer_value(json_object_get(rep, "words")) >= 15);
        required += json_is_true(json_object_get(rep, "required"));
    }
    assert_true(required >= SEED_MIN_REQUIRED);
    seed_close(&run);
}

static void run_repeats(bool split)
{
    seed_run run;
    const char *mode = split ? "split after Continue reading" : "one file";
    size_t missed;

    if (!seed_open(split, &run)) {
        print_message("seed-feed.txt not found next to the repository: skipped\n");
        skip();
    }
    missed = check_repeats(&run, mode);
    print_title_footers(&run, mode);
    seed_close(&run);
    assert_int_equal(missed, 0);
}

static void run_boilerplate(bool split)
{
    seed_run run;
    size_t missed;

    if (!seed_open(split, &run)) {
        print_message("seed-feed.txt not found next to the repository: skipped\n");
        skip();
    }
    missed = check_boilerplate(&run, split ? "split after Continue reading" : "one file");
    seed_close(&run);
    assert_int_equal(missed, 0);
}

/* Two passages of one document that overlap (the credit line reported inside a longer
 * passage and again as a cluster of its own, or twice in one cluster): a reader would meet
 * the same bytes twice. */
static void run_no_overlaps(bool split)
{
    seed_run run;
    size_t n = 0;

    if (!seed_open(split, &run)) {
        print_message("seed-feed.txt not found next to the repository: skipped\n");
        skip();
    }
    for (size_t i = 0; i < rp_scan_cluster_count(run.scan); i++)
        for (size_t j = i; j < rp_scan_cluster_count(run.scan); j++) {
            const rp_cluster *x = rp_scan_cluster(run.scan, i), *y = rp_scan_cluster(run.scan, j);
            for (size_t a = 0; a < x->passage_count; a++)
                for (size_t b = i == j ? a + 1 : 0; b < y->passage_count; b++) {
                    const rp_passage *p = &x->passages[a], *q = &y->passages[b];
                    if (p->doc == q->doc && p->start < q->end && q->start < p->end) {
                        print_message("  overlap: clusters %zu and %zu, bytes %zu-%zu and "
                                      "%zu-%zu\n", i, j, p->start, p->end, q->start, q->end);
                        n++;
                    }
                }
        }
    seed_close(&run);
    assert_int_equal(n, 0);
}

static void test_seed_one_file_reports_no_byte_twice(void **state)
{
    (void)state;
    run_no_overlaps(false);
}

static void test_seed_split_posts_report_no_byte_twice(void **state)
{
    (void)state;
    run_no_overlaps(true);
}

static void test_seed_one_file_reports_every_intro_repeat(void **state)
{
    (void)state;
    run_repeats(false);
}

static void test_seed_split_posts_report_every_intro_repeat(void **state)
{
    (void)state;
    run_repeats(true);
}

static void test_seed_one_file_reports_template_lines(void **state)
{
    (void)state;
    run_boilerplate(false);
}

static void test_seed_split_posts_report_template_lines(void **state)
{
    (void)state;
    run_boilerplate(true);
}

/* ---- names and file coordinates of the split posts ---- */

/* The seed file's lines (1-based: lines[1] is the first), pointing into *bytes. */
static char **file_lines(const char *path, char **bytes, size_t *count)
{
    FILE *f = fopen(path, "rb");
    long size;
    char **lines;
    size_t n = 1;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    rewind(f);
    *bytes = malloc((size_t)size + 1);
    assert_int_equal(fread(*bytes, 1, (size_t)size, f), (size_t)size);
    (*bytes)[size] = '\0';
    fclose(f);
    lines = calloc((size_t)size + 2, sizeof(*lines));
    lines[n++] = *bytes;
    for (char *p = *bytes; (p = strchr(p, '\n')) != NULL; p++) {
        *p = '\0';
        lines[n++] = p + 1;
    }
    *count = n;
    return lines;
}

/* Does the excerpt (whitespace folded to one space) start at code point col of line? Up to 24
 * bytes are compared, or to the line's end. */
static bool excerpt_at(const char *line, unsigned col, const char *excerpt)
{
    for (unsigned c = 1; c < col && *line; line++)
        c += ((unsigned char)line[1] & 0xC0) != 0x80;
    for (int i = 0; i < 24 && *line && *excerpt && *excerpt != '"'; i++, line++, excerpt++) {
        if (*line == '\r')
            return *excerpt == ' ';
        if (*line != *excerpt)
            return false;
    }
    return true;
}

/* Checks one passage line "  PATH:LINE:COL (#N)  [TITLE]  ... \"excerpt\"". */
static void check_passage_line(const run_report *rr, const char *ln)
{
    unsigned line, col, part;
    const char *at = strstr(ln, "seed-feed.txt:"), *q;
    char want[160];

    assert_non_null(at);
    assert_int_equal(sscanf(at, "seed-feed.txt:%u:%u (#%u)", &line, &col, &part), 3);
    assert_true(part >= 1 && part <= rp_corpus_count(rr->run.corpus) && line < rr->nlines);
    const rp_doc *d = rp_corpus_doc(rr->run.corpus, part - 1);
    snprintf(want, sizeof(want), "(#%u)  [%.20s", part, d->title);
    if (!strstr(ln, want))
        fail_msg("no title of part %u on: %s", part, ln);
    q = strstr(ln, "  \"");
    assert_non_null(q);
    if (!excerpt_at(rr->lines[line], col, q + 3))
        fail_msg("line %u col %u of the file does not hold: %s", line, col, q + 3);
}

static void test_seed_split_text_report_names_titles_at_file_lines(void **state)
{
    run_report rr;
    char path[1024], *text = NULL, *save = NULL;
    size_t len = 0, checked = 0, rows = 0;
    FILE *f;

    (void)state;
    if (!seed_open(true, &rr.run)) {
        print_message("seed-feed.txt not found next to the repository: skipped\n");
        skip();
    }
    snprintf(path, sizeof(path), "%s/../shared/corpora/seed-feed.txt", source_dir());
    rr.lines = file_lines(path, &rr.bytes, &rr.nlines);
    f = open_memstream(&text, &len);
    assert_int_equal(rp_report_scan(f, RP_FORMAT_TEXT, rr.run.corpus, rr.run.scan, &rr.run.opts),
                     RP_OK);
    fclose(f);
    for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        if (strncmp(ln, "  ", 2) == 0 && strstr(ln, "tokens, identity")) {
            check_passage_line(&rr, ln);
            checked++;
        } else if (strstr(ln, "% of ") && strstr(ln, "seed-feed.txt#")) {
            assert_non_null(strstr(ln, "  [")); /* every document row names its title */
            rows++;
        }
    }
    assert_true(checked >= 2 * SEED_MIN_REQUIRED);
    assert_int_equal(rows, rp_corpus_count(rr.run.corpus));
    free(text);
    free(rr.lines);
    free(rr.bytes);
    seed_close(&rr.run);
}

static void test_seed_split_posts_never_match_their_continue_reading_line(void **state)
{
    seed_run run;

    (void)state;
    if (!seed_open(true, &run)) {
        print_message("seed-feed.txt not found next to the repository: skipped\n");
        skip();
    }
    for (uint32_t i = 0; i < rp_corpus_count(run.corpus); i++) {
        const rp_doc *d = rp_corpus_doc(run.corpus, i);
        assert_non_null(d->title);
        assert_true(d->file_line >= 1);
        if (i + 1 < rp_corpus_count(run.corpus)) /* the last part may end without one */
            assert_int_equal(d->ignored_count, 1);
    }
    for (size_t i = 0; i < rp_scan_cluster_count(run.scan); i++) {
        const rp_cluster *c = rp_scan_cluster(run.scan, i);
        for (size_t j = 0; j < c->passage_count; j++) {
            const rp_passage *p = &c->passages[j];
            const rp_doc *d = rp_corpus_doc(run.corpus, p->doc);
            for (size_t k = 0; k < d->ignored_count; k++)
                if (p->start < d->ignored[k].end && d->ignored[k].start < p->end)
                    fail_msg("cluster %zu holds the separator line of %s", i, d->name);
        }
    }
    seed_close(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_truth_spans_lie_inside_one_post_part),
        cmocka_unit_test(test_seed_one_file_reports_every_intro_repeat),
        cmocka_unit_test(test_seed_split_posts_report_every_intro_repeat),
        cmocka_unit_test(test_seed_one_file_reports_template_lines),
        cmocka_unit_test(test_seed_split_posts_report_template_lines),
        cmocka_unit_test(test_seed_one_file_reports_no_byte_twice),
        cmocka_unit_test(test_seed_split_posts_report_no_byte_twice),
        cmocka_unit_test(test_seed_split_text_report_names_titles_at_file_lines),
        cmocka_unit_test(test_seed_split_posts_never_match_their_continue_reading_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
