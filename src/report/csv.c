/*
 * csv.c - the CSV reports, for spreadsheets: scan (one row per listed passage, CRLF line
 * ends) and dedup (one row per group member). Every name goes through rp_escape_csv_cell,
 * which quotes RFC 4180 style and defuses cells a spreadsheet would run as formulas.
 */
#include "report/report.h"
#include "base/escape.h"

void rp_report_scan_csv(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                        const rp_options *opts)
{
    size_t n = rp_scan_cluster_count(scan);

    /* title and first (1 on the cluster's earliest passage) come after the first draft's */
    fputs("cluster,kind,doc,name,start,end,line,column,tokens,identity,title,first\r\n", out);
    for (size_t i = 0; i < n; i++) {
        const rp_cluster *c = rp_scan_cluster(scan, i);
        if (!rp_report_kind_wanted(opts, c))
            continue;
        size_t first = rp_cluster_first(corpus, c);
        for (size_t j = 0, listed = rp_report_listed(c, opts); j < listed; j++) {
            const rp_passage *p = &c->passages[j];
            const rp_doc *d = rp_corpus_doc(corpus, p->doc);
            fprintf(out, "%zu,%s,%u,", i, rp_kind_name(c->kind), p->doc);
            rp_escape_csv_cell(out, d->name);
            fprintf(out, ",%zu,%zu,%u,%u,%u,%.4f,", p->start, p->end, p->line, p->column,
                    p->tokens, p->identity);
            if (d->title)
                rp_escape_csv_cell(out, d->title);
            fprintf(out, ",%d\r\n", j == first);
        }
    }
}

static void dedup_row(FILE *out, const rp_corpus *corpus, size_t g, const char *role,
                      const rp_dedup_member *m)
{
    fprintf(out, "%zu,%u,", g, m->doc);
    rp_escape_csv_cell(out, rp_corpus_doc(corpus, m->doc)->name);
    fprintf(out, ",%s,%s,", role, rp_verdict_name(m->verdict));
    if (m->of != UINT32_MAX)
        rp_escape_csv_cell(out, rp_corpus_doc(corpus, m->of)->name);
    fprintf(out, ",%.4f,%.4f\n", m->resemblance, m->containment);
}

void rp_report_dedup_csv(FILE *out, const rp_corpus *corpus, const rp_dedup *dd)
{
    size_t ngroups = rp_dedup_group_count(dd);

    fputs("group,doc,name,role,verdict,of,resemblance,containment\n", out);
    for (size_t g = 0; g < ngroups; g++) {
        const rp_dedup_group *grp = rp_dedup_get_group(dd, g);
        rp_dedup_member rep = *rp_dedup_doc(dd, grp->representative);
        dedup_row(out, corpus, g, "representative", &rep);
        for (size_t i = 0; i < grp->member_count; i++)
            dedup_row(out, corpus, g, "member", &grp->members[i]);
    }
}
