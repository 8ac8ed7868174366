/*
 * listing.c - what a report lists, the same in every format: --kinds selects clusters by kind,
 * and --max-passages caps a cluster's listing at its first passages and the pairs between
 * them (its other fields and the documents' coverage stay those of all passages).
 */
#include "report/report.h"

size_t rp_report_listed(const rp_cluster *c, const rp_options *opts)
{
    return opts->max_passages && c->passage_count > opts->max_passages ? opts->max_passages
                                                                       : c->passage_count;
}

bool rp_report_pair_listed(const rp_pair *p, size_t listed)
{
    return p->a < listed && p->b < listed;
}

bool rp_report_kind_wanted(const rp_options *opts, const rp_cluster *c)
{
    return (opts->kinds & (1u << c->kind)) != 0;
}
