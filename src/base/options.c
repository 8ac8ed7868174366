/*
 * options.c - the public options' defaults and checks, and the names of cluster kinds.
 */
#include "reprint.h"

#include <string.h>

const char *rp_kind_name(rp_kind kind)
{
    switch (kind) {
    case RP_KIND_REPRINT: return "reprint";
    case RP_KIND_INTERNAL: return "internal";
    case RP_KIND_BOILERPLATE: return "boilerplate";
    case RP_KIND_SERIES: return "series";
    }
    return "unknown";
}

rp_status rp_kind_parse(const char *name, rp_kind *out)
{
    for (rp_kind k = RP_KIND_REPRINT; k < RP_KIND_COUNT; k++) {
        if (strcmp(name, rp_kind_name(k)) == 0) {
            *out = k;
            return RP_OK;
        }
    }
    return RP_EINVAL;
}

void rp_options_init(rp_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->fold_case = true;
    opts->fold_marks = true;
    opts->fold_quotes = true;
    opts->fold_spelling = true;
    opts->shingle = 5;
    opts->window = 4;
    opts->min_tokens = 10;
    opts->min_identity = 0.6;
    opts->max_df = 50;
    opts->boilerplate_docs = 5;
    opts->boilerplate_tokens = 40;
    opts->threads = 0;
    opts->kinds = RP_KINDS_ALL;
    opts->max_passages = 0; /* every passage: the report is complete unless asked otherwise */
}

rp_status rp_options_check(const rp_options *opts)
{
    if (opts->shingle < 1 || opts->shingle > 64 || opts->window < 1 || opts->window > 1024)
        return RP_EINVAL;
    if (!(opts->min_identity >= 0.0 && opts->min_identity <= 1.0))
        return RP_EINVAL;
    if (opts->max_df < 2 || opts->min_tokens < 1 || opts->boilerplate_docs < 2)
        return RP_EINVAL;
    if (opts->threads > 1024)
        return RP_EINVAL;
    if (opts->kinds == 0 || (opts->kinds & ~RP_KINDS_ALL) != 0)
        return RP_EINVAL;
    return RP_OK;
}

void rp_read_options_init(rp_read_options *ropts)
{
    memset(ropts, 0, sizeof(*ropts));
    ropts->id_field = "id";
    ropts->text_field = "text";
}
