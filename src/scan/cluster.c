/*
 * cluster.c - passages -> clusters. Occurrences in one document are grouped around a
 * representative (it must hold at least half of each member), so overlap never chains along a
 * document, and groups that still overlap are cut apart: each stretch of a document is one
 * passage. Union-find (Tarjan) over the alignments, strongest first as in Kruskal's algorithm,
 * joins groups into clusters; a shorter copy then joins, once, the cluster of the longer text
 * it is a stretch of, as a partial passage. The alignments that joined groups are the
 * cluster's pairs: an occurrence is in a cluster only because an alignment holds it there.
 */
#include "scan/cluster.h"
#include "corpus/corpus.h"

#include "base/pool.h"
#include "base/sort.h"

#include <assert.h>

#include <stdlib.h>
#include <string.h>

#define RP_CLUSTER_OPEN_GROUPS 64 /* earlier groups of a document an occurrence is tried on */
#define RP_CLUSTER_EDGE_LINES 3   /* a passage this near a document's start or end is at an edge */
#define RP_CLUSTER_EDGE_BYTES 4096
#define NONE UINT32_MAX
size_t rp_cluster_par_sort_min = 65536; /* fewer items are sorted on the calling thread */

/*
 * RP_DEFINE_PAR_SORT(name, seq) defines `static void name(type *v, size_t n, unsigned
 * threads)` over the sequential sort `seq` (RP_DEFINE_SORT): the pool sorts one slice of v per
 * thread, then the slices are merged pairwise through a scratch array. The plan's sorts run
 * between two stages where nothing else can (every later step needs them); on two threads
 * the slices halve their serial time. Keys are unique or interchangeable, so any merge order
 * gives the sequential sort's result. Without memory for the scratch, sorts on one thread.
 */
#define RP_DEFINE_PAR_SORT(name, type, seq, less)                                                  \
    typedef struct name##_job {                                                                    \
        type *v;                                                                                   \
        size_t n, parts;                                                                           \
    } name##_job;                                                                                  \
                                                                                                   \
    static rp_status name##_task(void *ctx, size_t k, unsigned worker)                             \
    {                                                                                              \
        const name##_job *j = ctx;                                                                 \
        size_t lo = j->n * k / j->parts, hi = j->n * (k + 1) / j->parts;                           \
        (void)worker;                                                                              \
        seq(j->v + lo, hi - lo);                                                                   \
        return RP_OK;                                                                              \
    }                                                                                              \
                                                                                                   \
    static void name##_merge(const type *x, size_t nx, const type *y, size_t ny, type *out)        \
    {                                                                                              \
        size_t i = 0, j = 0, k = 0;                                                                \
        while (i < nx && j < ny)                                                                   \
            out[k++] = less(&y[j], &x[i]) ? y[j++] : x[i++];                                       \
        while (i < nx)                                                                             \
            out[k++] = x[i++];                                                                     \
        while (j < ny)                                                                             \
            out[k++] = y[j++];                                                                     \
    }                                                                                              \
                                                                                                   \
    static void name(type *v, size_t n, unsigned threads)                                          \
    {                                                                                              \
        type *tmp = threads > 1 && n >= rp_cluster_par_sort_min && n >= threads                    \
                        ? rp_malloc(n * sizeof(type))                                              \
                        : NULL;                                                                    \
        if (!tmp) {                                                                                \
            seq(v, n);                                                                             \
            return;                                                                                \
        }                                                                                          \
        name##_job job = {v, n, threads};                                                          \
        if (rp_pool_run(threads, threads, name##_task, &job, "plan", NULL, NULL) != RP_OK) {       \
            rp_free(tmp); /* cannot happen: the task never fails */                                \
            seq(v, n);                                                                             \
            return;                                                                                \
        }                                                                                          \
        type *src = v, *dst = tmp;                                                                 \
        for (size_t width = 1; width < threads; width *= 2) { /* slices merged pairwise */         \
            for (size_t k = 0; k < threads; k += 2 * width) {                                      \
                size_t lo = n * k / threads;                                                       \
                size_t mid = n * (k + width < threads ? k + width : threads) / threads;            \
                size_t hi = n * (k + 2 * width < threads ? k + 2 * width : threads) / threads;     \
                name##_merge(src + lo, mid - lo, src + mid, hi - mid, dst + lo);                   \
            }                                                                                      \
            type *t_ = src;                                                                        \
            src = dst;                                                                             \
            dst = t_;                                                                              \
        }                                                                                          \
        if (src != v)                                                                              \
            memcpy(v, src, n * sizeof(type));                                                      \
        rp_free(tmp);                                                                              \
    }

/* An occurrence (2 * link + side) as a sort key: (doc, start, longest first, idx). Sorting
 * 16-byte keys with the comparison inlined took the plan's largest sort (qsort of 40-byte
 * records through a callback, a fifth of the plan) to a fraction. */
typedef struct occ_ref {
    uint64_t at;   /* doc << 32 | start */
    uint64_t rest; /* (UINT32_MAX - end) << 32 | idx */
} occ_ref;

typedef struct group {
    rp_occ span; /* union of its members, cut where the next passage starts (tokens) */
    uint32_t rep_start, rep_end;
    uint32_t best_m, best_c; /* its best alignment as a whole occurrence */
    uint32_t cluster;        /* NONE: in no cluster of two passages */
    uint32_t slot;           /* index among its cluster's passages */
    uint32_t host;           /* partial: the group holding the stretch it copies, else NONE */
    uint32_t within_start, within_end; /* that stretch, tokens of the host's document */
} group;

typedef struct edge {
    uint32_t m, c;
    size_t link;
} edge;

typedef struct ckey {
    uint32_t id;
    uint64_t size; /* passages x tokens */
    uint32_t doc;
    uint32_t start, end;
} ckey;

typedef struct interval {
    uint32_t doc, start, end;
} interval;

/* A link's bridged gaps: gaps[first, first + count) of the plan. */
typedef struct gap_ref {
    size_t first;
    uint32_t count;
} gap_ref;

struct rp_cluster_plan {
    rp_options opts;
    unsigned threads; /* the pool's, for the sorts */
    rp_link *links;
    gap_ref *link_gaps;
    size_t count;
    rp_link_gap *gaps;
    size_t gap_count;
    /* the grouping and clustering of the links */
    occ_ref *refs;
    uint32_t *group_of;
    unsigned char *partial; /* per 2 * link + side: shorter than half its representative */
    group *groups;
    size_t group_count;
    uint32_t *parent;
    uint32_t *first_root; /* a group's cluster after the whole links */
    uint32_t *csize;      /* per first root: its groups */
    unsigned char *absorbed;
    edge *edges;
    unsigned char *tree;
    size_t *members; /* group ids by cluster */
    size_t *start;   /* cluster -> first member in members */
    ckey *keys;
    size_t cluster_count;
    size_t *rank;   /* cluster -> report position */
    size_t *cursor; /* report position -> next free pair slot */
    rp_bound *bounds;
    size_t bound_count;
};

typedef rp_cluster_plan build;

void rp_clusters_release(rp_clusters *c)
{
    rp_free(c->items);
    rp_free(c->passages);
    rp_free(c->pairs);
    rp_free(c->gaps);
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

/* ---- passages: groups of occurrences ---- */

/* Longest first at one start: it becomes the representative. Keys are unique (idx). */
#define REF_LESS(x, y) ((x)->at < (y)->at || ((x)->at == (y)->at && (x)->rest < (y)->rest))
RP_DEFINE_SORT(sort_refs_seq, occ_ref, REF_LESS)
RP_DEFINE_PAR_SORT(sort_refs, occ_ref, sort_refs_seq, REF_LESS)

/* The open group of this document whose representative holds most of o, more than half.
 * reach[g]: the furthest representative end among the document's groups up to g; once it is
 * at or before o's start, no group further back overlaps o (most of a long document's
 * groups lie wholly before the occurrences that follow them). */
static size_t join_group(const build *b, size_t open_from, const rp_occ *o, const uint32_t *reach)
{
    size_t best = SIZE_MAX, best_ov = 0;
    size_t stop = b->group_count > RP_CLUSTER_OPEN_GROUPS ? b->group_count - RP_CLUSTER_OPEN_GROUPS
                                                          : 0;
    if (stop < open_from)
        stop = open_from;
    for (size_t g = b->group_count; g-- > stop && reach[g] > o->start;) {
        const group *gr = &b->groups[g];
        uint32_t lo = gr->rep_start > o->start ? gr->rep_start : o->start;
        uint32_t hi = gr->rep_end < o->end ? gr->rep_end : o->end;
        size_t ov = hi > lo ? hi - lo : 0;
        if (2 * ov > (size_t)(o->end - o->start) && ov > best_ov) {
            best = g;
            best_ov = ov;
        }
    }
    return best;
}

static void assign_groups(build *b)
{
    size_t open_from = 0, n = 2 * b->count;
    uint32_t *reach = b->first_root; /* scratch here: first_clusters fills it later */
    b->group_count = 0;
    for (size_t i = 0; i < n; i++) {
        const rp_occ *o = i % 2 ? &b->links[i / 2].b : &b->links[i / 2].a;
        b->refs[i] =
            (occ_ref){(uint64_t)o->doc << 32 | o->start, (uint64_t)(UINT32_MAX - o->end) << 32 | i};
    }
    sort_refs(b->refs, n, b->threads);
    for (size_t i = 0; i < n; i++) {
        const uint32_t idx = (uint32_t)b->refs[i].rest;
        const rp_link *l = &b->links[idx / 2];
        const rp_occ o = {idx % 2 ? l->b.doc : l->a.doc, idx % 2 ? l->b.start : l->a.start,
                          idx % 2 ? l->b.end : l->a.end, 0, 0}; /* tokens only: bytes later */
        if (i == 0 || b->refs[i].at >> 32 != b->refs[i - 1].at >> 32)
            open_from = b->group_count;
        size_t g = join_group(b, open_from, &o, reach);
        if (g == SIZE_MAX) {
            g = b->group_count++;
            b->groups[g] = (group){o, o.start, o.end, 0, 0, NONE, 0, NONE, 0, 0};
            reach[g] = g > open_from && reach[g - 1] > o.end ? reach[g - 1] : o.end;
        }
        group *gr = &b->groups[g];
        if (o.end > gr->span.end)
            gr->span.end = o.end;
        b->group_of[idx] = (uint32_t)g;
        b->partial[idx] = 2 * (o.end - o.start) < gr->rep_end - gr->rep_start;
    }
}

/* Groups of one document that still overlap are cut where the later one starts. */
static void cut_overlaps(build *b)
{
    for (size_t g = 1; g < b->group_count; g++) {
        group *x = &b->groups[g - 1];
        const group *y = &b->groups[g];
        if (x->span.doc == y->span.doc && x->span.end > y->span.start)
            x->span.end = y->span.start;
    }
}

/* ---- clusters ---- */

static int identity_gt(uint32_t m1, uint32_t c1, uint32_t m2, uint32_t c2)
{
    return (uint64_t)m1 * c2 > (uint64_t)m2 * c1;
}

/* Strongest first: identity, then columns, then the link (keys are unique). */
static inline bool edge_less(const edge *x, const edge *y)
{
    if (identity_gt(x->m, x->c, y->m, y->c))
        return true;
    if (identity_gt(y->m, y->c, x->m, x->c))
        return false;
    if (x->c != y->c)
        return x->c > y->c;
    return x->link < y->link;
}
RP_DEFINE_SORT(sort_edges_seq, edge, edge_less)
RP_DEFINE_PAR_SORT(sort_edges, edge, sort_edges_seq, edge_less)

static uint32_t find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* Each group's best alignment as a whole occurrence (a partial side does not speak for the
 * group it lies in); the links sorted strongest first. */
static void rank_links(build *b)
{
    for (size_t i = 0; i < b->count; i++) {
        const rp_link *l = &b->links[i];
        b->edges[i] = (edge){l->matches, l->columns, i};
        for (int side = 0; side < 2; side++) {
            group *gr = &b->groups[b->group_of[2 * i + side]];
            if (b->partial[2 * i + side])
                continue;
            if (gr->best_c == 0 || identity_gt(l->matches, l->columns, gr->best_m, gr->best_c)) {
                gr->best_m = l->matches;
                gr->best_c = l->columns;
            }
        }
    }
    sort_edges(b->edges, b->count, b->threads);
}

/* Kruskal over the links whose sides are both whole occurrences. */
static void join_whole(build *b)
{
    for (size_t g = 0; g < b->group_count; g++)
        b->parent[g] = (uint32_t)g;
    for (size_t i = 0; i < b->count; i++) {
        size_t l = b->edges[i].link;
        if (b->partial[2 * l] || b->partial[2 * l + 1])
            continue;
        uint32_t x = find(b->parent, b->group_of[2 * l]);
        uint32_t y = find(b->parent, b->group_of[2 * l + 1]);
        if (x == y)
            continue;
        b->tree[l] = 1;
        if (x < y)
            b->parent[y] = x;
        else
            b->parent[x] = y;
    }
}

/* ---- cutting copies where a shared stretch ends them ---- */

RP_DEFINE_SORT(sort_u64, uint64_t, RP_SORT_LESS_NUM)

/* The clusters that the whole links make: first_root and csize (groups per first root). */
static void first_clusters(build *b)
{
    for (size_t g = 0; g < b->group_count; g++)
        b->csize[g] = 0;
    for (size_t g = 0; g < b->group_count; g++) {
        b->first_root[g] = find(b->parent, (uint32_t)g);
        b->csize[b->first_root[g]]++;
    }
}

/*
 * Cut points (doc << 32 | token). A partial occurrence that begins the tail or ends the head of
 * its group's representative marks two texts glued together (a story and the footer after
 * it) when the stretch also lies inside another longer copy (a link between two partial
 * occurrences) or stands alone in a cluster at least as large as its group's: the copy is cut
 * there. A stretch from inside a copy (a quotation) cuts nothing. OWNED (rp_free).
 */
static rp_status find_cuts(build *b, uint64_t **out, size_t *count)
{
    const uint32_t slack = b->opts.shingle;
    size_t n = 0;
    uint64_t *cuts = rp_malloc((2 * b->count + 1) * sizeof(uint64_t));
    if (!cuts)
        return RP_ENOMEM;
    rank_links(b);
    join_whole(b);
    first_clusters(b);
    for (size_t r = 0; r < 2 * b->count; r++) {
        if (!b->partial[r])
            continue;
        uint32_t here = b->first_root[b->group_of[r]], there = b->first_root[b->group_of[r ^ 1]];
        if (!b->partial[r ^ 1] && b->csize[there] < b->csize[here])
            continue;
        const rp_occ *o = r % 2 ? &b->links[r / 2].b : &b->links[r / 2].a;
        const group *g = &b->groups[b->group_of[r]];
        if (o->end + slack >= g->rep_end && o->start > g->rep_start + slack)
            cuts[n++] = (uint64_t)o->doc << 32 | o->start;
        else if (o->start <= g->rep_start + slack && o->end + slack < g->rep_end)
            cuts[n++] = (uint64_t)o->doc << 32 | o->end;
    }
    sort_u64(cuts, n);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || cuts[i] != cuts[k - 1])
            cuts[k++] = cuts[i];
    *out = cuts;
    *count = k;
    return RP_OK;
}

/* The cut of doc nearest to pos within slack, or pos itself. */
static uint32_t snap(const uint64_t *cuts, size_t n, uint32_t doc, uint32_t pos, uint32_t slack)
{
    size_t lo = rp_lower_bound_u64(cuts, n, (uint64_t)doc << 32 | pos);
    uint32_t best = pos, best_d = slack + 1;
    for (size_t i = lo > 0 ? lo - 1 : 0; i < n && i <= lo; i++) {
        if (cuts[i] >> 32 != doc)
            continue;
        uint32_t c = (uint32_t)cuts[i], d = c > pos ? c - pos : pos - c;
        if (d < best_d) {
            best = c;
            best_d = d;
        }
    }
    return best;
}

#define RP_CLUSTER_LINK_CUTS 32 /* cuts one link is split at, at most */

/* The cuts inside link l (at least slack from both ends of a side) as (a, b) positions: a
 * cut of one side is carried to the other in proportion and snapped to a cut there nearby.
 * In increasing order on both sides; returns how many. */
static size_t link_cuts(const uint64_t *cuts, size_t n, const rp_link *l, uint32_t slack,
                        uint32_t at[][2])
{
    size_t k = 0, m = 0;
    for (int side = 0; side < 2; side++) {
        const rp_occ *o = side ? &l->b : &l->a, *p = side ? &l->a : &l->b;
        for (size_t i = rp_lower_bound_u64(cuts, n, (uint64_t)o->doc << 32 | (o->start + slack));
             i < n && k < RP_CLUSTER_LINK_CUTS && cuts[i] >> 32 == o->doc; i++) {
            uint32_t c = (uint32_t)cuts[i];
            if (c + slack >= o->end)
                break;
            uint64_t q = (uint64_t)(c - o->start) * (p->end - p->start) / (o->end - o->start);
            uint32_t other = snap(cuts, n, p->doc, p->start + (uint32_t)q, slack);
            if (other <= p->start || other >= p->end)
                continue;
            at[k][side] = c;
            at[k][!side] = other;
            k++;
        }
    }
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && at[j][0] < at[j - 1][0]; j--) {
            uint32_t t0 = at[j][0], t1 = at[j][1];
            at[j][0] = at[j - 1][0];
            at[j][1] = at[j - 1][1];
            at[j - 1][0] = t0;
            at[j - 1][1] = t1;
        }
    for (size_t i = 0; i < k; i++) {
        if (m > 0 && (at[i][0] <= at[m - 1][0] || at[i][1] <= at[m - 1][1]))
            continue;
        at[m][0] = at[i][0];
        at[m][1] = at[i][1];
        m++;
    }
    return m;
}

/* ---- the links, copied and split ---- */

typedef struct link_set {
    rp_link *links;
    gap_ref *link_gaps;
    size_t count, cap, ref_cap;
    rp_link_gap *gaps;
    size_t gap_count, gap_cap;
} link_set;

static void set_release(link_set *s)
{
    rp_free(s->links);
    rp_free(s->link_gaps);
    rp_free(s->gaps);
    memset(s, 0, sizeof(*s));
}

/* Appends l with its gaps (those of them inside it, clipped to it). */
static rp_status set_add(link_set *s, const rp_link *l, const rp_link_gap *gaps, uint32_t n)
{
    if (RP_GROW(s->links, s->cap, s->count + 1) != RP_OK ||
        RP_GROW(s->link_gaps, s->ref_cap, s->count + 1) != RP_OK ||
        RP_GROW(s->gaps, s->gap_cap, s->gap_count + n + 1) != RP_OK)
        return RP_ENOMEM;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        rp_link_gap g = gaps[i];
        if (g.a_start < l->a.start || g.a_start >= l->a.end)
            continue;
        g.a_end = g.a_end < l->a.end ? g.a_end : l->a.end;
        g.b_start = g.b_start < l->b.start ? l->b.start : g.b_start > l->b.end ? l->b.end : g.b_start;
        g.b_end = g.b_end < g.b_start ? g.b_start : g.b_end > l->b.end ? l->b.end : g.b_end;
        s->gaps[s->gap_count + k++] = g;
    }
    s->links[s->count] = *l;
    s->links[s->count].gaps = NULL; /* set when the set is final */
    s->links[s->count].gap_count = k;
    s->link_gaps[s->count++] = (gap_ref){s->gap_count, k};
    s->gap_count += k;
    return RP_OK;
}

/* Link i into out, split at the cuts inside it; each piece gets its share of the matches and
 * columns (the link's identity). */
static rp_status split_link(const build *b, size_t i, const uint64_t *cuts, size_t n,
                            link_set *out)
{
    const rp_link *l = &b->links[i];
    const rp_link_gap *g = b->gaps + b->link_gaps[i].first;
    uint32_t at[RP_CLUSTER_LINK_CUTS + 1][2];
    size_t m = link_cuts(cuts, n, l, b->opts.shingle, at);
    uint32_t a0 = l->a.start, b0 = l->b.start, la = l->a.end - l->a.start;
    rp_status st = RP_OK;
    at[m][0] = l->a.end;
    at[m][1] = l->b.end;
    for (size_t k = 0; st == RP_OK && k <= m; k++) {
        rp_link piece = *l;
        uint64_t share = at[k][0] - a0;
        piece.a.start = a0;
        piece.a.end = at[k][0];
        piece.b.start = b0;
        piece.b.end = at[k][1];
        piece.columns = (uint32_t)(l->columns * share / la);
        piece.columns = piece.columns ? piece.columns : 1;
        piece.matches = (uint32_t)(l->matches * share / la);
        piece.matches = piece.matches < piece.columns ? piece.matches : piece.columns;
        st = set_add(out, &piece, g, b->link_gaps[i].count);
        a0 = at[k][0];
        b0 = at[k][1];
    }
    return st;
}

static void plan_arrays_release(build *b)
{
    rp_free(b->refs);
    rp_free(b->group_of);
    rp_free(b->partial);
    rp_free(b->groups);
    rp_free(b->parent);
    rp_free(b->first_root);
    rp_free(b->csize);
    rp_free(b->absorbed);
    rp_free(b->edges);
    rp_free(b->tree);
    rp_free(b->members);
    rp_free(b->start);
    rp_free(b->keys);
    rp_free(b->rank);
    rp_free(b->cursor);
    b->refs = NULL;
    b->group_of = b->parent = b->first_root = b->csize = NULL;
    b->partial = b->absorbed = b->tree = NULL;
    b->groups = NULL;
    b->edges = NULL;
    b->members = b->start = b->rank = b->cursor = NULL;
    b->keys = NULL;
}

/* Installs set s as the plan's links (taking it) with working arrays for them. */
static rp_status plan_install(build *b, link_set *s)
{
    size_t n = 2 * s->count + 1;
    rp_free(b->links);
    rp_free(b->link_gaps);
    rp_free(b->gaps);
    b->links = s->links;
    b->link_gaps = s->link_gaps;
    b->count = s->count;
    b->gaps = s->gaps;
    b->gap_count = s->gap_count;
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < b->count; i++)
        b->links[i].gaps = b->gaps + b->link_gaps[i].first;
    plan_arrays_release(b);
    if (b->count > UINT32_MAX / 2 - 1)
        return RP_ELIMIT;
    b->refs = rp_malloc(n * sizeof(*b->refs));
    b->group_of = rp_malloc(n * sizeof(*b->group_of));
    b->partial = rp_calloc(n, 1);
    b->groups = rp_malloc(n * sizeof(*b->groups));
    b->parent = rp_malloc(n * sizeof(*b->parent));
    b->first_root = rp_malloc(n * sizeof(*b->first_root));
    b->csize = rp_malloc(n * sizeof(*b->csize));
    b->absorbed = rp_calloc(n, 1);
    b->edges = rp_malloc(n * sizeof(*b->edges));
    b->tree = rp_calloc(n, 1);
    b->members = rp_malloc(n * sizeof(*b->members));
    b->start = rp_malloc((n + 1) * sizeof(*b->start));
    b->keys = rp_malloc(n * sizeof(*b->keys));
    b->rank = rp_malloc(n * sizeof(*b->rank));
    b->cursor = rp_malloc(n * sizeof(*b->cursor));
    if (!b->refs || !b->group_of || !b->partial || !b->groups || !b->parent || !b->first_root ||
        !b->csize || !b->absorbed || !b->edges || !b->tree || !b->members || !b->start || !b->keys ||
        !b->rank || !b->cursor)
        return RP_ENOMEM;
    return RP_OK;
}

/* Groups the links' occurrences; where shared stretches end copies, cuts them and groups the
 * pieces again. Leaves the links ranked and the whole ones joined (find_cuts needs that, so
 * it is done once, again only after a cut). */
static rp_status group_links(build *b)
{
    uint64_t *cuts = NULL;
    size_t ncuts = 0;
    link_set pieces;
    rp_status st;

    memset(&pieces, 0, sizeof(pieces));
    assign_groups(b);
    if ((st = find_cuts(b, &cuts, &ncuts)) != RP_OK || ncuts == 0)
        goto done;
    for (size_t i = 0; st == RP_OK && i < b->count; i++)
        st = split_link(b, i, cuts, ncuts, &pieces);
    if (st == RP_OK && (st = plan_install(b, &pieces)) == RP_OK) {
        assign_groups(b);
        rank_links(b);
        join_whole(b);
    }
done:
    rp_free(cuts);
    set_release(&pieces);
    return st;
}

/* A cluster whose whole copy is a stretch of a longer text joins that text's cluster, once,
 * through its strongest link to a partial occurrence (unless it has more passages than that
 * cluster had); its passages become partial. */
static void join_partial(build *b)
{
    first_clusters(b);
    for (size_t i = 0; i < b->count; i++) {
        size_t l = b->edges[i].link;
        int pa = b->partial[2 * l], pb = b->partial[2 * l + 1];
        if (pa == pb)
            continue; /* whole links joined already; two partial sides join nothing */
        uint32_t host = b->group_of[2 * l + (pa ? 0 : 1)];
        uint32_t guest = b->group_of[2 * l + (pa ? 1 : 0)];
        uint32_t first = b->first_root[guest];
        uint32_t hr = find(b->parent, host), gr = find(b->parent, guest);
        if (hr == gr || b->absorbed[first] || b->csize[first] > b->csize[b->first_root[host]])
            continue; /* a text more widespread than the host is no stretch of it */
        const rp_occ *stretch = pa ? &b->links[l].a : &b->links[l].b;
        b->absorbed[first] = 1;
        b->groups[first].host = host; /* read through first_root below */
        b->groups[first].within_start = stretch->start;
        b->groups[first].within_end = stretch->end;
        b->tree[l] = 1;
        b->parent[gr] = hr;
    }
}

/* A group is partial when its first cluster joined a longer text's (join_partial kept the
 * host and stretch on that cluster's root group); the stretch is clamped to the host passage
 * (which may have been cut). */
static void mark_partial(build *b)
{
    for (size_t g = 0; g < b->group_count; g++) {
        if (!b->absorbed[b->first_root[g]])
            continue;
        const group *f = &b->groups[b->first_root[g]];
        const rp_occ *h = &b->groups[f->host].span;
        uint32_t ws = f->within_start, we = f->within_end;
        ws = ws < h->start ? h->start : ws > h->end ? h->end : ws;
        we = we < ws ? ws : we > h->end ? h->end : we;
        b->groups[g].host = f->host;
        b->groups[g].within_start = ws;
        b->groups[g].within_end = we;
    }
}

/* Passages of one document that were cut apart and still ended in one cluster, without an
 * alignment between them (which would make them copies of each other, as in a tandem
 * repeat), are one copy: each folds into the one before it (its occurrences and partial
 * stretches move there), and the cluster's tree is made again without the edge that folding
 * closed into a cycle. */
static rp_status fold_adjacent(build *b)
{
    bool any = false;
    unsigned char *linked = rp_calloc(b->group_count + 1, 1); /* g linked to g + 1 */
    if (!linked)
        return RP_ENOMEM;
    for (size_t l = 0; l < b->count; l++) {
        uint32_t x = b->group_of[2 * l], y = b->group_of[2 * l + 1];
        if (x + 1 == y || y + 1 == x)
            linked[x < y ? x : y] = 1;
    }
    for (size_t g = 1; g < b->group_count; g++) {
        group *x = &b->groups[g - 1], *y = &b->groups[g];
        uint32_t into = x->cluster == NONE ? (uint32_t)(g - 1) : x->cluster; /* fold target */
        y->cluster = NONE;
        if (x->span.doc != y->span.doc || x->span.end != y->span.start || linked[g - 1] ||
            find(b->parent, (uint32_t)(g - 1)) != find(b->parent, (uint32_t)g))
            continue;
        b->groups[into].span.end = y->span.end;
        y->cluster = into; /* folded: cluster holds the target until collect_members */
        any = true;
    }
    rp_free(linked);
    if (!any) {
        for (size_t g = 0; g < b->group_count; g++)
            b->groups[g].cluster = NONE;
        return RP_OK;
    }
    for (size_t r = 0; r < 2 * b->count; r++) {
        uint32_t to = b->groups[b->group_of[r]].cluster;
        if (to != NONE)
            b->group_of[r] = to;
    }
    for (size_t g = 0; g < b->group_count; g++)
        if (b->groups[g].host != NONE && b->groups[b->groups[g].host].cluster != NONE)
            b->groups[g].host = b->groups[b->groups[g].host].cluster;
    for (size_t g = 0; g < b->group_count; g++) {
        b->parent[g] = (uint32_t)g;
        b->groups[g].cluster = NONE;
    }
    for (size_t i = 0; i < b->count; i++) {
        size_t l = b->edges[i].link;
        if (!b->tree[l])
            continue;
        uint32_t x = find(b->parent, b->group_of[2 * l]), y = find(b->parent, b->group_of[2 * l + 1]);
        if (x == y) {
            b->tree[l] = 0;
            continue;
        }
        if (x < y)
            b->parent[y] = x;
        else
            b->parent[x] = y;
    }
    return RP_OK;
}

static int member_cmp_ctx(const group *groups, size_t x, size_t y)
{
    const rp_occ *a = &groups[x].span, *c = &groups[y].span;
    if (a->doc != c->doc)
        return a->doc < c->doc ? -1 : 1;
    if (a->start != c->start)
        return a->start < c->start ? -1 : 1;
    if (a->end != c->end)
        return a->end < c->end ? -1 : 1;
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

/* Numbers clusters of two or more groups by root (a lone group, whose links all ended inside
 * other passages, is in none), buckets groups by cluster, sorts each cluster's members. */
static void collect_members(build *b)
{
    size_t nc = 0;
    memset(b->start, 0, (b->group_count + 1) * sizeof(size_t));
    for (size_t g = 0; g < b->group_count; g++)
        b->start[find(b->parent, (uint32_t)g)]++;
    for (size_t g = 0; g < b->group_count; g++) {
        uint32_t r = find(b->parent, (uint32_t)g);
        if (b->start[r] < 2)
            b->groups[g].cluster = NONE;
        else if (r == g)
            b->groups[g].cluster = (uint32_t)nc++;
    }
    for (size_t g = 0; g < b->group_count; g++) {
        uint32_t r = find(b->parent, (uint32_t)g);
        if (b->start[r] >= 2 && r != g)
            b->groups[g].cluster = b->groups[r].cluster;
    }
    b->cluster_count = nc;
    memset(b->start, 0, (nc + 1) * sizeof(size_t));
    for (size_t g = 0; g < b->group_count; g++)
        if (b->groups[g].cluster != NONE)
            b->start[b->groups[g].cluster + 1]++;
    for (size_t c = 0; c < nc; c++)
        b->start[c + 1] += b->start[c];
    for (size_t g = 0; g < b->group_count; g++)
        if (b->groups[g].cluster != NONE)
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

/* The report order: largest first, then where it first occurs (keys are unique: id). */
static inline bool key_less(const ckey *x, const ckey *y)
{
    if (x->size != y->size)
        return x->size > y->size;
    if (x->doc != y->doc)
        return x->doc < y->doc;
    if (x->start != y->start)
        return x->start < y->start;
    if (x->end != y->end)
        return x->end < y->end;
    return x->id < y->id;
}
RP_DEFINE_SORT(sort_keys, ckey, key_less)

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
        b->keys[c] = (ckey){(uint32_t)c, (uint64_t)n * tokens, first->doc, first->start,
                            first->end};
    }
    sort_keys(b->keys, b->cluster_count);
}

/* ---- kinds ---- */

/* Whether a passage lies at an edge of its document: it starts on one of the first lines or
 * ends before the last ones (each within RP_CLUSTER_EDGE_BYTES) — where mastheads, credit
 * lines, footers and sign-offs stand. */
static bool at_edge(const rp_corpus *corpus, const rp_doc *d, const rp_passage *p)
{
    if (p->line <= RP_CLUSTER_EDGE_LINES && p->start <= RP_CLUSTER_EDGE_BYTES)
        return true;
    if (d->len - p->end > RP_CLUSTER_EDGE_BYTES)
        return false;
    /* documents in cluster order, scattered: a file's pages handed back now and then */
    rp_corpus_text_read(corpus, d->len - p->end + RP_TEXT_AROUND);
    unsigned lines = 0;
    bool content = false;
    for (size_t i = p->end; i < d->len; i++) {
        unsigned char c = (unsigned char)d->bytes[i];
        if (c == '\n') {
            lines += content;
            content = false;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            content = true;
        }
    }
    lines += content;
    return lines < RP_CLUSTER_EDGE_LINES; /* the passage's own line's rest counts as one */
}

/*
 * Boilerplate: short (at least half of its passages — the median, so one copy that runs on
 * into chance words cannot hide a template line — have at most boilerplate_tokens tokens), in
 * at least boilerplate_docs documents, and either at a stable place (three quarters of its
 * passages at an edge of their document) or in so many documents that chance reprinting
 * cannot explain it: at least max(boilerplate_docs, ceil(2 * sqrt(N))) of the corpus's N.
 * A short passage reprinted in a handful of documents at varying places is a reprint.
 */
static rp_kind cluster_kind(const rp_corpus *corpus, const rp_options *opts, const rp_cluster *c)
{
    size_t shorts = 0, edges = 0, n = c->passage_count;
    size_t ndocs = rp_corpus_count(corpus);
    if (c->documents == 1)
        return RP_KIND_INTERNAL;
    for (size_t i = 0; i < n; i++)
        shorts += c->passages[i].tokens <= opts->boilerplate_tokens;
    if (c->documents < opts->boilerplate_docs || 2 * shorts < n)
        return RP_KIND_REPRINT;
    uint64_t high = 1; /* ceil(2 * sqrt(N)): the least k with k * k >= 4N */
    while (high * high < 4 * (uint64_t)ndocs)
        high++;
    if (c->documents >= high)
        return RP_KIND_BOILERPLATE;
    for (size_t i = 0; i < n; i++)
        edges += at_edge(corpus, rp_corpus_doc(corpus, c->passages[i].doc), &c->passages[i]);
    return 4 * edges >= 3 * n ? RP_KIND_BOILERPLATE : RP_KIND_REPRINT;
}


/* ---- the bytes the result needs ---- */

static int bound_cmp(const void *pa, const void *pb)
{
    const rp_bound *x = pa, *y = pb;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Equal bounds are equal in every field (off is not set yet): interchangeable. */
static inline bool bound_less(const rp_bound *x, const rp_bound *y)
{
    return bound_cmp(x, y) < 0;
}
RP_DEFINE_SORT(sort_bounds, rp_bound, bound_less)

static void add_range(rp_bound *v, size_t *n, uint32_t doc, uint32_t start, uint32_t end)
{
    v[(*n)++] = (rp_bound){doc, start, 0, 0};
    if (end > start)
        v[(*n)++] = (rp_bound){doc, end, 1, 0};
}

/* Passages, partial stretches and the pairs' gaps, as bounds. */
static rp_status make_bounds(build *b)
{
    size_t cap = 4 * b->group_count + 1, n = 0;
    for (size_t l = 0; l < b->count; l++)
        cap += b->tree[l] ? 4 * (size_t)b->links[l].gap_count : 0;
    rp_bound *v = rp_malloc(cap * sizeof(*v));
    if (!v)
        return RP_ENOMEM;
    for (size_t g = 0; g < b->group_count; g++) {
        const group *gr = &b->groups[g];
        if (gr->cluster == NONE)
            continue;
        add_range(v, &n, gr->span.doc, gr->span.start, gr->span.end);
        if (gr->host != NONE)
            add_range(v, &n, b->groups[gr->host].span.doc, gr->within_start, gr->within_end);
    }
    for (size_t l = 0; l < b->count; l++) {
        const rp_link *ln = &b->links[l];
        for (uint32_t i = 0; b->tree[l] && i < ln->gap_count; i++) {
            add_range(v, &n, ln->a.doc, ln->gaps[i].a_start, ln->gaps[i].a_end);
            add_range(v, &n, ln->b.doc, ln->gaps[i].b_start, ln->gaps[i].b_end);
        }
    }
    sort_bounds(v, n);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || bound_cmp(&v[i], &v[k - 1]) != 0)
            v[k++] = v[i];
    b->bounds = v;
    b->bound_count = k;
    return RP_OK;
}

/* The byte offset of a bound (resolved by the caller): a binary search with the comparison
 * inlined (bsearch's callback cost more than the search). */
static size_t off_of(const build *b, uint32_t doc, uint32_t pos, uint32_t end)
{
    const rp_bound key = {doc, pos, end, 0};
    size_t lo = 0, hi = b->bound_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bound_less(&b->bounds[mid], &key))
            lo = mid + 1;
        else
            hi = mid;
    }
    assert(lo < b->bound_count && bound_cmp(&b->bounds[lo], &key) == 0);
    return b->bounds[lo].off;
}

/* Byte range of tokens [start, end) of doc (empty: where token start begins). */
static void bytes_of(const build *b, uint32_t doc, uint32_t start, uint32_t end, size_t *from,
                     size_t *to)
{
    *from = off_of(b, doc, start, 0);
    *to = end > start ? off_of(b, doc, end, 1) : *from;
}

/* ---- output ---- */

/* Fills cluster c's passages (from its sorted members) and its summary fields. */
static void emit_passages(const build *b, size_t c, rp_passage *out, rp_cluster *cl)
{
    uint32_t tokens = 0, docs = 0;
    size_t n = b->start[c + 1] - b->start[c];
    for (size_t i = 0; i < n; i++) {
        const group *g = &b->groups[b->members[b->start[c] + i]];
        uint32_t t = g->span.end - g->span.start;
        out[i] = (rp_passage){g->span.doc, 0, 0, 1, 1, t,
                              g->best_c ? (double)g->best_m / g->best_c : 0.0, false, 0, 0, 0};
        bytes_of(b, g->span.doc, g->span.start, g->span.end, &out[i].start, &out[i].end);
        if (g->host != NONE) {
            const group *h = &b->groups[g->host];
            out[i].partial = true;
            out[i].within = h->slot;
            bytes_of(b, h->span.doc, g->within_start, g->within_end, &out[i].within_start,
                     &out[i].within_end);
        }
        tokens = t > tokens ? t : tokens;
        docs += i == 0 || out[i - 1].doc != out[i].doc;
    }
    cl->tokens = tokens;
    cl->documents = docs;
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

/* The gaps of link l as bytes into out->gaps, sides swapped when the link's a side is the
 * pair's b. */
static void emit_gaps(const build *b, const rp_link *l, bool swap, rp_clusters *out, rp_pair *p)
{
    p->gaps = out->gaps + out->gap_count;
    p->gap_count = l->gap_count;
    for (uint32_t i = 0; i < l->gap_count; i++) {
        const rp_link_gap *t = &l->gaps[i];
        rp_gap g;
        bytes_of(b, l->a.doc, t->a_start, t->a_end, &g.a_start, &g.a_end);
        bytes_of(b, l->b.doc, t->b_start, t->b_end, &g.b_start, &g.b_end);
        if (swap)
            g = (rp_gap){g.b_start, g.b_end, g.a_start, g.a_end};
        out->gaps[out->gap_count++] = g;
    }
}

/* Pairs: the tree links of each cluster, as passage indexes, sorted. */
static void emit_pairs(build *b, rp_clusters *out)
{
    rp_pair *next = out->pairs;
    for (size_t r = 0; r < out->count; r++) {
        b->cursor[r] = (size_t)(next - out->pairs);
        out->items[r].pairs = next;
        next += out->items[r].passage_count - 1;
    }
    for (size_t l = 0; l < b->count; l++) {
        if (!b->tree[l])
            continue;
        const rp_link *ln = &b->links[l];
        const group *x = &b->groups[b->group_of[2 * l]], *y = &b->groups[b->group_of[2 * l + 1]];
        size_t r = b->rank[x->cluster];
        uint32_t sa = x->slot < y->slot ? x->slot : y->slot, sb = x->slot ^ y->slot ^ sa;
        rp_pair *p = &out->pairs[b->cursor[r]++];
        *p = (rp_pair){sa, sb, (double)ln->matches / ln->columns, ln->columns, NULL, 0};
        emit_gaps(b, ln, x->slot != sa, out, p);
    }
    for (size_t r = 0; r < out->count; r++) {
        rp_cluster *cl = &out->items[r];
        cl->pair_count = cl->passage_count - 1;
        qsort((void *)cl->pairs, cl->pair_count, sizeof(rp_pair), pair_cmp);
    }
    out->pair_count = (size_t)(next - out->pairs);
}

/* Equal intervals are interchangeable (they hold nothing else). */
static inline bool interval_less(const interval *x, const interval *y)
{
    if (x->doc != y->doc)
        return x->doc < y->doc;
    if (x->start != y->start)
        return x->start < y->start;
    return x->end < y->end;
}
RP_DEFINE_SORT(sort_intervals_seq, interval, interval_less)
RP_DEFINE_PAR_SORT(sort_intervals, interval, sort_intervals_seq, interval_less)

/* Appends occurrence o's copied stretches (its side of the link's gaps left out), clipped to
 * its passage. */
static size_t copied_stretches(const rp_occ *o, const rp_link *l, int side, const rp_occ *span,
                               interval *out)
{
    size_t n = 0;
    uint32_t from = o->start > span->start ? o->start : span->start;
    uint32_t lim = o->end < span->end ? o->end : span->end;
    for (uint32_t i = 0; i <= l->gap_count; i++) {
        uint32_t to = lim, next = lim;
        if (i < l->gap_count) {
            const rp_link_gap *g = &l->gaps[i];
            to = side ? g->b_start : g->a_start;
            next = side ? g->b_end : g->a_end;
        }
        to = to < lim ? to : lim;
        if (to > from)
            out[n++] = (interval){o->doc, from, to};
        from = next > from ? next : from;
    }
    return n;
}

/* Tokens of each document copied inside passages of non-boilerplate clusters. */
static rp_status coverage(const build *b, const rp_clusters *out, uint32_t *covered)
{
    size_t n = 0, cap = 0;
    for (size_t l = 0; l < b->count; l++)
        cap += 2 * ((size_t)b->links[l].gap_count + 1);
    interval *iv = rp_malloc((cap ? cap : 1) * sizeof(*iv));
    if (!iv)
        return RP_ENOMEM;
    for (size_t r = 0; r < 2 * b->count; r++) {
        const group *gr = &b->groups[b->group_of[r]];
        if (gr->cluster == NONE || out->items[b->rank[gr->cluster]].kind == RP_KIND_BOILERPLATE)
            continue;
        const rp_link *l = &b->links[r / 2];
        n += copied_stretches(r % 2 ? &l->b : &l->a, l, (int)(r % 2), &gr->span, iv + n);
    }
    sort_intervals(iv, n, b->threads);
    uint32_t doc = UINT32_MAX, end = 0;
    for (size_t i = 0; i < n; i++) {
        if (iv[i].doc != doc) {
            doc = iv[i].doc;
            end = 0;
        }
        uint32_t from = iv[i].start > end ? iv[i].start : end;
        if (iv[i].end > from)
            covered[doc] += iv[i].end - from;
        end = iv[i].end > end ? iv[i].end : end;
    }
    rp_free(iv);
    return RP_OK;
}

/* Passages by (doc, start); two at one place get the same line and column in either order. */
static inline bool pos_less(rp_passage *const *x, rp_passage *const *y)
{
    if ((*x)->doc != (*y)->doc)
        return (*x)->doc < (*y)->doc;
    return (*x)->start < (*y)->start;
}
RP_DEFINE_SORT(sort_by_pos, rp_passage *, pos_less)

/* Line and column of every passage: one incremental sweep per document. */
static rp_status line_cols(const rp_corpus *corpus, rp_clusters *out)
{
    rp_passage **by = rp_malloc((out->passage_count ? out->passage_count : 1) * sizeof(*by));
    if (!by)
        return RP_ENOMEM;
    for (size_t i = 0; i < out->passage_count; i++)
        by[i] = &out->passages[i];
    sort_by_pos(by, out->passage_count);
    size_t off = 0;
    uint32_t line = 1, col = 1;
    for (size_t i = 0; i < out->passage_count; i++) {
        const rp_doc *d = rp_corpus_doc(corpus, by[i]->doc);
        if (i == 0 || by[i]->doc != by[i - 1]->doc) {
            off = 0;
            line = col = 1;
            rp_corpus_text_read(corpus, d->len); /* a file's pages handed back now and then */
        }
        rp_cluster_line_col(d->bytes, off, line, col, by[i]->start, &line, &col);
        off = by[i]->start;
        by[i]->line = line;
        by[i]->column = col;
    }
    rp_free(by);
    return RP_OK;
}

static rp_status emit(build *b, const rp_corpus *corpus, rp_clusters *out)
{
    size_t passages = b->cluster_count ? b->start[b->cluster_count] : 0, gaps = 0;
    for (size_t l = 0; l < b->count; l++)
        gaps += b->tree[l] ? b->links[l].gap_count : 0;
    out->items = rp_calloc(b->cluster_count ? b->cluster_count : 1, sizeof(rp_cluster));
    out->passages = rp_malloc((passages ? passages : 1) * sizeof(rp_passage));
    out->pairs = rp_malloc((passages ? passages : 1) * sizeof(rp_pair));
    out->gaps = rp_malloc((gaps ? gaps : 1) * sizeof(rp_gap));
    if (!out->items || !out->passages || !out->pairs || !out->gaps)
        return RP_ENOMEM;
    out->count = b->cluster_count;
    out->passage_count = passages;
    rp_passage *next = out->passages;
    for (size_t r = 0; r < out->count; r++) {
        size_t c = b->keys[r].id;
        b->rank[c] = r;
        emit_passages(b, c, next, &out->items[r]);
        next += out->items[r].passage_count;
    }
    emit_pairs(b, out);
    rp_status st = line_cols(corpus, out);
    for (size_t r = 0; st == RP_OK && r < out->count; r++)
        out->items[r].kind = cluster_kind(corpus, &b->opts, &out->items[r]);
    return st;
}

/* ---- the plan ---- */

void rp_cluster_plan_free(rp_cluster_plan *plan)
{
    if (!plan)
        return;
    plan_arrays_release(plan);
    rp_free(plan->links);
    rp_free(plan->link_gaps);
    rp_free(plan->gaps);
    rp_free(plan->bounds);
    rp_free(plan);
}

rp_status rp_cluster_plan_make(const rp_options *opts, const rp_link *links, size_t count,
                               rp_cluster_plan **out)
{
    link_set copy;
    rp_status st = RP_OK;
    build *b = rp_calloc(1, sizeof(*b));

    memset(&copy, 0, sizeof(copy));
    if (!b)
        return RP_ENOMEM;
    b->opts = *opts;
    b->threads = rp_pool_threads(opts);
    for (size_t i = 0; st == RP_OK && i < count; i++)
        st = set_add(&copy, &links[i], links[i].gaps, links[i].gap_count);
    if (st == RP_OK)
        st = plan_install(b, &copy);
    if (st == RP_OK)
        st = group_links(b);
    if (st != RP_OK)
        goto fail;
    cut_overlaps(b);
    join_partial(b);
    mark_partial(b);
    if ((st = fold_adjacent(b)) != RP_OK)
        goto fail;
    collect_members(b);
    make_keys(b);
    if ((st = make_bounds(b)) != RP_OK)
        goto fail;
    *out = b;
    return RP_OK;
fail:
    set_release(&copy);
    rp_cluster_plan_free(b);
    return st;
}

rp_bound *rp_cluster_plan_bounds(rp_cluster_plan *plan, size_t *count)
{
    *count = plan->bound_count;
    return plan->bounds;
}

rp_status rp_cluster_plan_finish(rp_cluster_plan *plan, const rp_corpus *corpus,
                                 uint32_t *covered, rp_clusters *out)
{
    rp_clusters res;
    rp_status st;

    memset(&res, 0, sizeof(res));
    if ((st = emit(plan, corpus, &res)) != RP_OK || (st = coverage(plan, &res, covered)) != RP_OK) {
        rp_clusters_release(&res);
        return st;
    }
    *out = res;
    return RP_OK;
}

/* Resolves bounds [from, to) (one document's) from its tokens held whole. */
static rp_status resolve_doc(const rp_corpus *corpus, const rp_options *opts, rp_bound *v,
                             size_t n)
{
    rp_tokens toks;
    const rp_doc *d = rp_corpus_doc(corpus, v[0].doc);
    rp_tokens_init(&toks);
    rp_status st = rp_text_tokenize_doc(opts, d, false, &toks);
    for (size_t i = 0; st == RP_OK && i < n; i++) {
        size_t t = v[i].end ? v[i].pos - 1 : v[i].pos;
        if (t >= toks.count)
            st = RP_EINVAL; /* a passage past the document's tokens: a caller's error */
        else
            v[i].off = v[i].end ? toks.items[t].end : toks.items[t].start;
    }
    rp_tokens_release(&toks);
    return st;
}

rp_status rp_cluster_build(const rp_corpus *corpus, const rp_options *opts, const rp_link *links,
                           size_t count, uint32_t *covered, rp_clusters *out)
{
    rp_cluster_plan *plan;
    size_t n;
    rp_status st = rp_cluster_plan_make(opts, links, count, &plan);
    if (st != RP_OK)
        return st;
    rp_bound *v = rp_cluster_plan_bounds(plan, &n);
    for (size_t i = 0, j; st == RP_OK && i < n; i = j) {
        for (j = i + 1; j < n && v[j].doc == v[i].doc;)
            j++;
        st = resolve_doc(corpus, opts, v + i, j - i);
    }
    if (st == RP_OK)
        st = rp_cluster_plan_finish(plan, corpus, covered, out);
    rp_cluster_plan_free(plan);
    return st;
}
