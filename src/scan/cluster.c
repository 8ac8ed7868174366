/*
 * cluster.c - passages -> clusters. Occurrences in one document are grouped around a
 * representative (they must overlap it by more than half of the longer), so overlap never
 * chains along a document; union-find (Tarjan) over the alignments, strongest first as in
 * Kruskal's algorithm, joins groups into clusters, and the alignments that joined them are the
 * cluster's pairs. An occurrence is thus in a cluster only because an alignment holds it there.
 */
#include "scan/cluster.h"

#include <stdlib.h>
#include <string.h>

#define RP_CLUSTER_OPEN_GROUPS 64 /* earlier groups of a document an occurrence is tried on */

typedef struct occ_ref {
    rp_occ o;
    uint32_t idx; /* 2 * link + side */
} occ_ref;

typedef struct group {
    rp_occ span; /* union of its members */
    uint32_t rep_start, rep_end;
    uint32_t best_m, best_c; /* its best alignment */
    uint32_t cluster;
    uint32_t slot; /* index among its cluster's passages */
} group;

typedef struct edge {
    uint32_t m, c;
    size_t link;
} edge;

typedef struct ckey {
    uint32_t id;
    uint64_t size; /* passages x tokens */
    uint32_t doc;
    size_t off_start, off_end;
} ckey;

/* Working arrays of one build. */
typedef struct build {
    occ_ref *refs;
    uint32_t *group_of;
    group *groups;
    size_t group_count;
    uint32_t *parent;
    edge *edges;
    unsigned char *tree;
    size_t *members; /* group ids by cluster */
    size_t *start;   /* cluster -> first member in members */
    ckey *keys;
    size_t cluster_count;
    size_t *rank;   /* cluster -> report position */
    size_t *cursor; /* report position -> next free pair slot */
} build;

void rp_clusters_release(rp_clusters *c)
{
    rp_free(c->items);
    rp_free(c->passages);
    rp_free(c->pairs);
    memset(c, 0, sizeof(*c));
}

void rp_cluster_line_col(const char *bytes, size_t from, uint32_t line, uint32_t col, size_t off,
                         uint32_t *line_out, uint32_t *col_out)
{
    const char *p = bytes + from, *end = bytes + off, *nl;
    while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        line++; /* memchr skips whole lines fast; columns count only on the last one */
        col = 1;
        p = nl + 1;
    }
    for (; p < end; p++)
        col += ((unsigned char)*p & 0xc0) != 0x80;
    *line_out = line;
    *col_out = col;
}

static int ref_cmp(const void *pa, const void *pb)
{
    const occ_ref *x = pa, *y = pb;
    if (x->o.doc != y->o.doc)
        return x->o.doc < y->o.doc ? -1 : 1;
    if (x->o.start != y->o.start)
        return x->o.start < y->o.start ? -1 : 1;
    if (x->o.end != y->o.end)
        return x->o.end > y->o.end ? -1 : 1; /* longest first: it becomes the representative */
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The open group of this document whose representative r overlaps most, by more than half. */
static size_t join_group(const build *b, size_t open_from, const rp_occ *o)
{
    size_t best = SIZE_MAX, best_ov = 0;
    size_t stop = b->group_count > RP_CLUSTER_OPEN_GROUPS ? b->group_count - RP_CLUSTER_OPEN_GROUPS
                                                          : 0;
    if (stop < open_from)
        stop = open_from;
    for (size_t g = b->group_count; g-- > stop;) {
        const group *gr = &b->groups[g];
        uint32_t lo = gr->rep_start > o->start ? gr->rep_start : o->start;
        uint32_t hi = gr->rep_end < o->end ? gr->rep_end : o->end;
        uint32_t rl = gr->rep_end - gr->rep_start, ol = o->end - o->start;
        size_t ov = hi > lo ? hi - lo : 0;
        if (2 * ov > (rl > ol ? rl : ol) && ov > best_ov) {
            best = g;
            best_ov = ov;
        }
    }
    return best;
}

static void assign_groups(build *b, size_t n)
{
    size_t open_from = 0;
    for (size_t i = 0; i < n; i++) {
        const rp_occ *o = &b->refs[i].o;
        if (i == 0 || o->doc != b->refs[i - 1].o.doc)
            open_from = b->group_count;
        size_t g = join_group(b, open_from, o);
        if (g == SIZE_MAX) {
            g = b->group_count++;
            b->groups[g] = (group){*o, o->start, o->end, 0, 0, 0, 0};
        }
        group *gr = &b->groups[g];
        if (o->start < gr->span.start) {
            gr->span.start = o->start;
            gr->span.off_start = o->off_start;
        }
        if (o->end > gr->span.end) {
            gr->span.end = o->end;
            gr->span.off_end = o->off_end;
        }
        b->group_of[b->refs[i].idx] = (uint32_t)g;
    }
}

/* m1/c1 > m2/c2, exactly. */
static int identity_gt(uint32_t m1, uint32_t c1, uint32_t m2, uint32_t c2)
{
    return (uint64_t)m1 * c2 > (uint64_t)m2 * c1;
}

static int edge_cmp(const void *pa, const void *pb)
{
    const edge *x = pa, *y = pb;
    if (identity_gt(x->m, x->c, y->m, y->c))
        return -1;
    if (identity_gt(y->m, y->c, x->m, x->c))
        return 1;
    if (x->c != y->c)
        return x->c > y->c ? -1 : 1;
    return x->link < y->link ? -1 : x->link > y->link;
}

static uint32_t find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* Kruskal: strongest alignments first; the ones that join two groups become pairs. */
static void join_clusters(build *b, const rp_link *links, size_t count)
{
    for (size_t g = 0; g < b->group_count; g++)
        b->parent[g] = (uint32_t)g;
    for (size_t i = 0; i < count; i++) {
        b->edges[i] = (edge){links[i].matches, links[i].columns, i};
        for (int side = 0; side < 2; side++) {
            group *gr = &b->groups[b->group_of[2 * i + side]];
            if (gr->best_c == 0 || identity_gt(links[i].matches, links[i].columns, gr->best_m,
                                               gr->best_c)) {
                gr->best_m = links[i].matches;
                gr->best_c = links[i].columns;
            }
        }
    }
    qsort(b->edges, count, sizeof(edge), edge_cmp);
    for (size_t i = 0; i < count; i++) {
        size_t l = b->edges[i].link;
        uint32_t x = find(b->parent, b->group_of[2 * l]), y = find(b->parent, b->group_of[2 * l + 1]);
        if (x == y)
            continue;
        b->tree[l] = 1;
        if (x < y)
            b->parent[y] = x;
        else
            b->parent[x] = y;
    }
}

static int member_cmp_ctx(const group *groups, size_t x, size_t y)
{
    const rp_occ *a = &groups[x].span, *c = &groups[y].span;
    if (a->doc != c->doc)
        return a->doc < c->doc ? -1 : 1;
    if (a->off_start != c->off_start)
        return a->off_start < c->off_start ? -1 : 1;
    if (a->off_end != c->off_end)
        return a->off_end < c->off_end ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Insertion sort of one cluster's members (clusters are small; giant ones are rare and sorted
 * once). */
static void sort_members(const group *groups, size_t *m, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        size_t v = m[i], j = i;
        while (j > 0 && member_cmp_ctx(groups, m[j - 1], v) > 0) {
            m[j] = m[j - 1];
            j--;
        }
        m[j] = v;
    }
}

/* Numbers clusters by root, buckets groups by cluster, sorts each cluster's members. */
static void collect_members(build *b)
{
    size_t nc = 0;
    for (size_t g = 0; g < b->group_count; g++) {
        uint32_t r = find(b->parent, (uint32_t)g);
        b->groups[g].cluster = r == g ? (uint32_t)nc++ : b->groups[r].cluster;
    }
    b->cluster_count = nc;
    memset(b->start, 0, (nc + 1) * sizeof(size_t));
    for (size_t g = 0; g < b->group_count; g++)
        b->start[b->groups[g].cluster + 1]++;
    for (size_t c = 0; c < nc; c++)
        b->start[c + 1] += b->start[c];
    for (size_t g = 0; g < b->group_count; g++)
        b->members[b->start[b->groups[g].cluster]++] = g;
    for (size_t c = nc; c > 0; c--)
        b->start[c] = b->start[c - 1]; /* the fill moved each start to the next one */
    b->start[0] = 0;
    for (size_t c = 0; c < nc; c++) {
        sort_members(b->groups, b->members + b->start[c], b->start[c + 1] - b->start[c]);
        for (size_t i = b->start[c]; i < b->start[c + 1]; i++)
            b->groups[b->members[i]].slot = (uint32_t)(i - b->start[c]);
    }
}

static int key_cmp(const void *pa, const void *pb)
{
    const ckey *x = pa, *y = pb;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    if (x->off_start != y->off_start)
        return x->off_start < y->off_start ? -1 : 1;
    if (x->off_end != y->off_end)
        return x->off_end < y->off_end ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Boilerplate: in at least boilerplate_docs documents, and at least half of its passages (the
 * median, not the longest: one copy that runs on into chance words must not hide a template
 * line) have at most boilerplate_tokens tokens. */
static rp_kind cluster_kind(uint32_t documents, size_t passages, size_t short_passages,
                            const rp_options *opts)
{
    if (documents >= opts->boilerplate_docs && 2 * short_passages >= passages)
        return RP_KIND_BOILERPLATE;
    return documents == 1 ? RP_KIND_INTERNAL : RP_KIND_REPRINT;
}

/* Fills cluster c's passages (from its sorted members) and its summary fields. */
static void emit_passages(const build *b, size_t c, const rp_options *opts, rp_passage *out,
                          rp_cluster *cl)
{
    uint32_t tokens = 0, docs = 0;
    size_t n = b->start[c + 1] - b->start[c], short_passages = 0;
    for (size_t i = 0; i < n; i++) {
        const group *g = &b->groups[b->members[b->start[c] + i]];
        uint32_t t = g->span.end - g->span.start;
        out[i] = (rp_passage){g->span.doc, g->span.off_start, g->span.off_end, 1, 1, t,
                              g->best_c ? (double)g->best_m / g->best_c : 0.0};
        tokens = t > tokens ? t : tokens;
        short_passages += t <= opts->boilerplate_tokens;
        docs += i == 0 || out[i - 1].doc != out[i].doc;
    }
    cl->tokens = tokens;
    cl->documents = docs;
    cl->kind = cluster_kind(docs, n, short_passages, opts);
    cl->passages = out;
    cl->passage_count = n;
}

static int pair_cmp(const void *pa, const void *pb)
{
    const rp_pair *x = pa, *y = pb;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    return x->b < y->b ? -1 : x->b > y->b;
}

/* Keys for the report order. */
static void make_keys(build *b)
{
    for (size_t c = 0; c < b->cluster_count; c++) {
        size_t n = b->start[c + 1] - b->start[c];
        uint32_t tokens = 0;
        for (size_t i = b->start[c]; i < b->start[c + 1]; i++) {
            const rp_occ *o = &b->groups[b->members[i]].span;
            tokens = o->end - o->start > tokens ? o->end - o->start : tokens;
        }
        const rp_occ *first = &b->groups[b->members[b->start[c]]].span;
        b->keys[c] = (ckey){(uint32_t)c, (uint64_t)n * tokens, first->doc, first->off_start,
                            first->off_end};
    }
    qsort(b->keys, b->cluster_count, sizeof(ckey), key_cmp);
}

/* Pairs: the tree links of each cluster, as passage indexes, sorted. */
static void emit_pairs(build *b, const rp_link *links, size_t count, rp_clusters *out)
{
    rp_pair *next = out->pairs;
    for (size_t r = 0; r < out->count; r++) {
        b->cursor[r] = (size_t)(next - out->pairs);
        out->items[r].pairs = next;
        next += out->items[r].passage_count - 1;
    }
    for (size_t l = 0; l < count; l++) {
        if (!b->tree[l])
            continue;
        const group *x = &b->groups[b->group_of[2 * l]], *y = &b->groups[b->group_of[2 * l + 1]];
        size_t r = b->rank[x->cluster];
        uint32_t sa = x->slot < y->slot ? x->slot : y->slot, sb = x->slot ^ y->slot ^ sa;
        out->pairs[b->cursor[r]++] = (rp_pair){sa, sb, (double)links[l].matches / links[l].columns,
                                               links[l].columns};
    }
    for (size_t r = 0; r < out->count; r++) {
        rp_cluster *cl = &out->items[r];
        cl->pair_count = cl->passage_count - 1;
        qsort((void *)cl->pairs, cl->pair_count, sizeof(rp_pair), pair_cmp);
    }
    out->pair_count = (size_t)(next - out->pairs);
}

/* Tokens of each document inside passages of non-boilerplate clusters (groups are in (doc,
 * start) order, so one sweep unions them). */
static void coverage(const build *b, const rp_clusters *out, uint32_t *covered)
{
    uint32_t doc = UINT32_MAX, end = 0;
    for (size_t g = 0; g < b->group_count; g++) {
        const group *gr = &b->groups[g];
        if (out->items[b->rank[gr->cluster]].kind == RP_KIND_BOILERPLATE)
            continue;
        if (gr->span.doc != doc) {
            doc = gr->span.doc;
            end = 0;
        }
        uint32_t from = gr->span.start > end ? gr->span.start : end;
        if (gr->span.end > from)
            covered[doc] += gr->span.end - from;
        end = gr->span.end > end ? gr->span.end : end;
    }
}

static int pos_cmp(const void *pa, const void *pb)
{
    const rp_passage *x = *(rp_passage *const *)pa, *y = *(rp_passage *const *)pb;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Line and column of every passage: one incremental sweep per document. */
static rp_status line_cols(const rp_corpus *corpus, rp_clusters *out)
{
    rp_passage **by = rp_malloc(out->passage_count * sizeof(*by));
    if (!by)
        return RP_ENOMEM;
    for (size_t i = 0; i < out->passage_count; i++)
        by[i] = &out->passages[i];
    qsort(by, out->passage_count, sizeof(*by), pos_cmp);
    size_t off = 0;
    uint32_t line = 1, col = 1;
    for (size_t i = 0; i < out->passage_count; i++) {
        if (i == 0 || by[i]->doc != by[i - 1]->doc) {
            off = 0;
            line = col = 1;
        }
        const rp_doc *d = rp_corpus_doc(corpus, by[i]->doc);
        rp_cluster_line_col(d->bytes, off, line, col, by[i]->start, &line, &col);
        off = by[i]->start;
        by[i]->line = line;
        by[i]->column = col;
    }
    rp_free(by);
    return RP_OK;
}

static void build_release(build *b)
{
    rp_free(b->refs);
    rp_free(b->group_of);
    rp_free(b->groups);
    rp_free(b->parent);
    rp_free(b->edges);
    rp_free(b->tree);
    rp_free(b->members);
    rp_free(b->start);
    rp_free(b->keys);
    rp_free(b->rank);
    rp_free(b->cursor);
}

static rp_status build_alloc(build *b, size_t count)
{
    size_t n = 2 * count;
    b->refs = rp_malloc(n * sizeof(*b->refs));
    b->group_of = rp_malloc(n * sizeof(*b->group_of));
    b->groups = rp_malloc(n * sizeof(*b->groups));
    b->parent = rp_malloc(n * sizeof(*b->parent));
    b->edges = rp_malloc(count * sizeof(*b->edges));
    b->tree = rp_calloc(count, 1);
    b->members = rp_malloc(n * sizeof(*b->members));
    b->start = rp_malloc((n + 1) * sizeof(*b->start));
    b->keys = rp_malloc(n * sizeof(*b->keys));
    b->rank = rp_malloc(n * sizeof(*b->rank));
    b->cursor = rp_malloc(n * sizeof(*b->cursor));
    if (!b->refs || !b->group_of || !b->groups || !b->parent || !b->edges || !b->tree ||
        !b->members || !b->start || !b->keys || !b->rank || !b->cursor)
        return RP_ENOMEM;
    return RP_OK;
}

static rp_status emit(build *b, const rp_corpus *corpus, const rp_options *opts,
                      const rp_link *links, size_t count, rp_clusters *out)
{
    out->items = rp_calloc(b->cluster_count, sizeof(rp_cluster));
    out->passages = rp_malloc(b->group_count * sizeof(rp_passage));
    out->pairs = rp_malloc(b->group_count * sizeof(rp_pair));
    if (!out->items || !out->passages || !out->pairs)
        return RP_ENOMEM;
    out->count = b->cluster_count;
    out->passage_count = b->group_count;
    rp_passage *next = out->passages;
    for (size_t r = 0; r < out->count; r++) {
        size_t c = b->keys[r].id;
        b->rank[c] = r;
        emit_passages(b, c, opts, next, &out->items[r]);
        next += out->items[r].passage_count;
    }
    emit_pairs(b, links, count, out);
    return line_cols(corpus, out);
}

rp_status rp_cluster_build(const rp_corpus *corpus, const rp_options *opts, const rp_link *links,
                           size_t count, uint32_t *covered, rp_clusters *out)
{
    build b;
    rp_clusters res;

    memset(&b, 0, sizeof(b));
    memset(&res, 0, sizeof(res));
    if (count > UINT32_MAX / 2)
        return RP_ELIMIT;
    if (build_alloc(&b, count) != RP_OK)
        goto fail;
    for (size_t i = 0; i < count; i++) {
        b.refs[2 * i] = (occ_ref){links[i].a, (uint32_t)(2 * i)};
        b.refs[2 * i + 1] = (occ_ref){links[i].b, (uint32_t)(2 * i + 1)};
    }
    qsort(b.refs, 2 * count, sizeof(occ_ref), ref_cmp);
    assign_groups(&b, 2 * count);
    join_clusters(&b, links, count);
    collect_members(&b);
    make_keys(&b);
    if (emit(&b, corpus, opts, links, count, &res) != RP_OK)
        goto fail;
    coverage(&b, &res, covered);
    build_release(&b);
    *out = res;
    return RP_OK;
fail:
    build_release(&b);
    rp_clusters_release(&res);
    return RP_ENOMEM;
}
