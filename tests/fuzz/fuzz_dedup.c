/*
 * fuzz_dedup.c - batch dedup (rp_dedup_run) over up to 8 documents cut at 0x1E bytes, through
 * the public API only; the first byte sets the shingle, the thresholds and --keep.
 * Invariants: every group has members in doc order, none of them its representative, each
 * document in at most one group; verdicts and similarities are in range; a group's
 * representative is kept and its members are not; the JSON report parses, every JSONL line
 * parses, the CSV report parses by RFC 4180 with the header's cell count on every record;
 * the kept documents are written.
 */
#include "fuzz_public.h"

#include <jansson.h>

static void check_groups(const rp_corpus *c, const rp_dedup *dd)
{
    uint8_t seen[FUZZ_MAX_DOCS] = {0};

    for (size_t i = 0; i < rp_dedup_group_count(dd); i++) {
        const rp_dedup_group *g = rp_dedup_get_group(dd, i);
        FUZZ_CHECK(g->representative < rp_corpus_count(c) && g->member_count >= 1);
        FUZZ_CHECK(!seen[g->representative]++ && rp_dedup_kept(dd, g->representative));
        for (size_t k = 0; k < g->member_count; k++) {
            const rp_dedup_member *m = &g->members[k];
            FUZZ_CHECK(m->doc < rp_corpus_count(c) && m->doc != g->representative);
            FUZZ_CHECK(k == 0 || g->members[k - 1].doc < m->doc);
            FUZZ_CHECK(!seen[m->doc]++ && !rp_dedup_kept(dd, m->doc));
            FUZZ_CHECK((unsigned)m->verdict <= RP_VERDICT_SEEN);
            FUZZ_CHECK(m->resemblance >= 0.0 && m->resemblance <= 1.0);
            FUZZ_CHECK(m->containment >= 0.0 && m->containment <= 1.0);
        }
    }
}

static void check_csv(const char *text, size_t len)
{
    char *cell = malloc(len + 1);
    size_t at = 0;
    int header = -1;

    FUZZ_CHECK(cell);
    while (at < len) {
        bool end = false;
        int column = 0;
        for (; !end; column++)
            FUZZ_CHECK(fuzz_csv_cell(text, len, &at, cell, &end));
        FUZZ_CHECK(header < 0 || column == header);
        header = column;
    }
    free(cell);
}

static void check_reports(const rp_corpus *c, const rp_dedup *dd, const rp_options *o,
                          const rp_dedup_options *dopts)
{
    fuzz_out out;
    json_t *root;

    FUZZ_CHECK(rp_report_dedup(fuzz_open(&out), RP_FORMAT_JSON, c, dd, o, dopts) == RP_OK);
    fuzz_close(&out);
    root = json_loadb(out.text, out.len, JSON_ALLOW_NUL, NULL);
    FUZZ_CHECK(json_is_object(root));
    json_decref(root);
    free(out.text);
    FUZZ_CHECK(rp_report_dedup(fuzz_open(&out), RP_FORMAT_JSONL, c, dd, o, dopts) == RP_OK);
    fuzz_close(&out);
    fuzz_check_jsonl(out.text, out.len);
    free(out.text);
    FUZZ_CHECK(rp_report_dedup(fuzz_open(&out), RP_FORMAT_CSV, c, dd, o, dopts) == RP_OK);
    fuzz_close(&out);
    check_csv(out.text, out.len);
    free(out.text);
    FUZZ_CHECK(rp_dedup_write_kept(fuzz_open(&out), c, dd) == RP_OK);
    fuzz_close(&out);
    free(out.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_options o;
    rp_dedup_options dopts;
    rp_corpus *c = NULL;
    rp_dedup *dd = NULL;

    if (size < 1)
        return 0;
    rp_options_init(&o);
    o.threads = 1;
    o.shingle = 1 + (data[0] & 3);
    rp_dedup_options_init(&dopts);
    dopts.resemblance = (data[0] & 4) ? 0.3 : 0.9;
    dopts.containment = (data[0] & 8) ? 0.4 : 0.8;
    dopts.keep = (rp_keep)((data[0] >> 4) % 2); /* first or longest: no dates here */
    FUZZ_CHECK(rp_corpus_new(&c) == RP_OK);
    fuzz_add_docs(c, data + 1, size - 1, fuzz_names);
    FUZZ_CHECK(rp_dedup_run(c, &o, &dopts, &dd) == RP_OK);
    check_groups(c, dd);
    check_reports(c, dd, &o, &dopts);
    rp_dedup_free(dd);
    rp_corpus_free(c);
    return 0;
}
