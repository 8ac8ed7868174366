/*
 * spelling.c - a small built-in table of British/American spelling pairs, folded to the American
 * form so that "neighbours" matches "neighbors" and "emphasised" matches "emphasized". Rules are
 * stem lists (not blanket suffix rewrites) so that false friends stay apart: four, hour, tour,
 * rise, wise, precise, exercise, advertise, surprise, compromise, propelled, compelled, ...
 * Most words cannot change: rp_spelling_may_fold (spelling.h) rules them out with one bit for
 * their last four letters, built from these lists.
 */
#include "text/spelling.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A list entry with its length, so that matching needs no strlen. */
typedef struct entry {
    const char *s;
    size_t n;
} entry;

#define S(x)                                                                                       \
    {                                                                                              \
        x, sizeof(x) - 1                                                                           \
    }

typedef struct pair {
    const char *from;
    const char *to;
} pair;

/* Whole words, sorted by `from` (bsearch). */
static const pair exact_words[] = {
    {"acknowledgement", "acknowledgment"},
    {"acknowledgements", "acknowledgments"},
    {"ageing", "aging"},
    {"aluminium", "aluminum"},
    {"analogue", "analog"},
    {"analogues", "analogs"},
    {"catalogue", "catalog"},
    {"catalogued", "cataloged"},
    {"catalogues", "catalogs"},
    {"cataloguing", "cataloging"},
    {"defence", "defense"},
    {"defenceless", "defenseless"},
    {"defences", "defenses"},
    {"enrol", "enroll"},
    {"enrolment", "enrollment"},
    {"enrolments", "enrollments"},
    {"enrols", "enrolls"},
    {"fulfil", "fulfill"},
    {"fulfilment", "fulfillment"},
    {"fulfils", "fulfills"},
    {"grey", "gray"},
    {"greyed", "grayed"},
    {"greyer", "grayer"},
    {"greyest", "grayest"},
    {"greying", "graying"},
    {"greyish", "grayish"},
    {"greys", "grays"},
    {"instalment", "installment"},
    {"instalments", "installments"},
    {"jewellery", "jewelry"},
    {"judgement", "judgment"},
    {"judgements", "judgments"},
    {"licence", "license"},
    {"licences", "licenses"},
    {"manoeuvre", "maneuver"},
    {"manoeuvred", "maneuvered"},
    {"manoeuvres", "maneuvers"},
    {"manoeuvring", "maneuvering"},
    {"mould", "mold"},
    {"moulded", "molded"},
    {"moulding", "molding"},
    {"moulds", "molds"},
    {"mouldy", "moldy"},
    {"offence", "offense"},
    {"offences", "offenses"},
    {"plough", "plow"},
    {"ploughed", "plowed"},
    {"ploughing", "plowing"},
    {"ploughs", "plows"},
    {"practise", "practice"},
    {"practised", "practiced"},
    {"practises", "practices"},
    {"practising", "practicing"},
    {"pretence", "pretense"},
    {"programme", "program"},
    {"programmes", "programs"},
    {"sceptic", "skeptic"},
    {"sceptical", "skeptical"},
    {"sceptically", "skeptically"},
    {"scepticism", "skepticism"},
    {"sceptics", "skeptics"},
    {"skilful", "skillful"},
    {"skilfully", "skillfully"},
    {"smoulder", "smolder"},
    {"smouldered", "smoldered"},
    {"smouldering", "smoldering"},
    {"wilful", "willful"},
    {"wilfully", "willfully"},
    {"woollen", "woolen"},
};

/* -our -> -or: what comes before "our" (neighbour, colourful, dishonour, harbour, ...). */
static const entry our_stems[] = {
    S("arb"),    S("ard"),    S("arm"),  S("behavi"), S("cand"), S("clam"), S("col"), S("demean"),
    S("endeav"), S("fav"),    S("ferv"), S("flav"),   S("glam"), S("harb"), S("hon"), S("hum"),
    S("lab"),    S("neighb"), S("od"),   S("parl"),   S("ranc"), S("rig"),  S("rum"), S("sav"),
    S("savi"),   S("splend"), S("succ"), S("tum"),    S("val"),  S("vap"),  S("vig"),
};

/* -ise -> -ize: what comes before "is", besides the endings -al -ar -ic -on -or. */
static const entry ise_stems[] = {
    S("acclimat"), S("amort"),     S("anatom"),   S("apolog"),   S("bowdler"),   S("burglar"),
    S("cauter"),   S("character"), S("civil"),    S("computer"), S("container"), S("custom"),
    S("democrat"), S("digit"),     S("dramat"),   S("econom"),   S("emphas"),    S("energ"),
    S("eulog"),    S("fantas"),    S("fertil"),   S("fossil"),   S("galvan"),    S("homogen"),
    S("human"),    S("hybrid"),    S("hypothes"), S("immobil"),  S("immun"),     S("item"),
    S("jeopard"),  S("legitim"),   S("magnet"),   S("maxim"),    S("mesmer"),    S("metabol"),
    S("minim"),    S("mobil"),     S("modern"),   S("monet"),    S("optim"),     S("organ"),
    S("ostrac"),   S("oxid"),      S("pasteur"),  S("plagiar"),  S("priorit"),   S("privat"),
    S("pressur"),  S("pulver"),    S("random"),   S("recogn"),   S("sanit"),     S("satir"),
    S("scrutin"),  S("sensit"),    S("stabil"),   S("standard"), S("steril"),    S("stigmat"),
    S("strateg"),  S("subsid"),    S("summar"),   S("symbol"),   S("sympath"),   S("synthes"),
    S("systemat"), S("tender"),    S("tranquil"), S("traumat"),  S("tyrann"),    S("urban"),
    S("util"),     S("victim"),    S("western"),  S("winter"),
};

/* Generic endings before "is" that never make a false friend (-alise, -icise, ...). */
static const entry ise_endings[] = {S("al"), S("ar"), S("ic"), S("on"), S("or")};

/* What may follow "is" (or "ys") in a word to be folded. */
static const entry ise_rests[] = {S("able"),   S("ably"), S("ation"), S("ational"),
                                  S("ations"), S("e"),    S("ed"),    S("er"),
                                  S("ers"),    S("es"),   S("ing")};

/* -tre -> -ter: what comes before "re" (centre, theatre, kilometre, ...). */
static const entry tre_stems[] = {S("calib"),     S("cent"),    S("fib"),  S("goit"),  S("lit"),
                                  S("lust"),      S("meag"),    S("met"),  S("mit"),   S("och"),
                                  S("sab"),       S("saltpet"), S("somb"), S("spect"), S("theat"),
                                  S("reconnoit"), S("sepulch")};

/* Doubled l -> single: the stem with its l (travelled, cancelling, modeller, counsellor). */
static const entry ll_stems[] = {
    S("bevel"),  S("cancel"),  S("channel"), S("chisel"), S("counsel"), S("dial"),    S("duel"),
    S("enamel"), S("equal"),   S("fuel"),    S("funnel"), S("grovel"),  S("initial"), S("jewel"),
    S("label"),  S("level"),   S("libel"),   S("marvel"), S("model"),   S("panel"),   S("parcel"),
    S("pencil"), S("quarrel"), S("ravel"),   S("rival"),  S("shovel"),  S("signal"),  S("snorkel"),
    S("spiral"), S("stencil"), S("swivel"),  S("total"),  S("travel"),  S("tunnel"),  S("yodel"),
};

static const entry ll_rests[] = {S("ed"), S("er"),  S("ers"), S("ing"),  S("ings"),
                                 S("or"), S("ors"), S("ous"), S("ously")};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool ends_with(const char *w, size_t n, const char *s)
{
    size_t m = strlen(s);
    return m <= n && memcmp(w + n - m, s, m) == 0;
}

/* Lists are short and this runs only after a cheap trigger matched: compare the last letter
 * before anything else. */
static bool ends_with_any(const char *w, size_t n, const entry *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        size_t m = list[i].n;
        if (m <= n && list[i].s[m - 1] == w[n - 1] && memcmp(w + n - m, list[i].s, m) == 0)
            return true;
    }
    return false;
}

static bool equals_any(const char *w, size_t n, const entry *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (list[i].n == n && memcmp(w, list[i].s, n) == 0)
            return true;
    return false;
}

static int cmp_pair(const void *key, const void *elem)
{
    return strcmp(key, ((const pair *)elem)->from);
}

/* Deletes w[at]. */
static void delete_at(char *w, size_t *n, size_t at)
{
    memmove(w + at, w + at + 1, *n - at - 1);
    (*n)--;
}

/* Every -our in the word ("colourneighbours" in a run without spaces folds twice). */
static bool fold_our(char *w, size_t *n)
{
    bool changed = false;

    for (size_t i = 1; i + 2 < *n; i++)
        if (w[i] == 'o' && w[i + 1] == 'u' && w[i + 2] == 'r' &&
            ends_with_any(w, i, our_stems, COUNT(our_stems))) {
            delete_at(w, n, i + 1);
            changed = true;
        }
    return changed;
}

/* -ise/-isation and -lyse: the s becomes z. */
static bool fold_ise(char *w, size_t n)
{
    for (size_t i = 3; i + 2 < n; i++) {
        if (w[i + 1] != 's' || (w[i] != 'i' && w[i] != 'y'))
            continue;
        if (!equals_any(w + i + 2, n - i - 2, ise_rests, COUNT(ise_rests)))
            continue;
        if (w[i] == 'y' ? w[i - 1] == 'l'
                        : ends_with_any(w, i, ise_endings, COUNT(ise_endings)) ||
                              ends_with_any(w, i, ise_stems, COUNT(ise_stems))) {
            w[i + 1] = 'z';
            return true;
        }
    }
    return false;
}

/* centre -> center, centres -> centers, centred -> centered, centring -> centering. */
static bool fold_tre(char *w, size_t *n)
{
    static const entry rests[] = {S("e"), S("es"), S("ed"), S("ing")};
    for (size_t r = 0; r < COUNT(rests); r++) {
        size_t m = rests[r].n;
        if (*n < m + 4 || !ends_with(w, *n, rests[r].s) || w[*n - m - 1] != 'r')
            continue;
        size_t stem = *n - m - 1;
        if (!ends_with_any(w, stem, tre_stems, COUNT(tre_stems)))
            continue;
        const char *tail = r == 0 ? "" : r == 1 ? "s" : rests[r].s;
        w[stem] = 'e';
        w[stem + 1] = 'r';
        memcpy(w + stem + 2, tail, strlen(tail));
        *n = stem + 2 + strlen(tail);
        return true;
    }
    return false;
}

static bool fold_ll(char *w, size_t *n)
{
    for (size_t i = 3; i + 1 < *n; i++)
        if (w[i] == 'l' && w[i + 1] == 'l' &&
            equals_any(w + i + 2, *n - i - 2, ll_rests, COUNT(ll_rests)) &&
            ends_with_any(w, i + 1, ll_stems, COUNT(ll_stems))) {
            delete_at(w, n, i + 1);
            return true;
        }
    return false;
}

/* Filters built once from the lists, so that most words skip the rules: a 1024-bit filter over
 * (length, first and last two letters) of the whole-word table; and, for the quick test
 * rp_spelling_may_fold, the word endings the suffix rules look at, as patterns of 4 or more
 * letters (the whole word for the table; stem letter + [iy]s + rest for -ise; two stem letters
 * + r + rest for -tre; ll + rest for -ll), with a bitset over (a hash of) their last four
 * letters in front and a hash table on them behind. fold_our, the one rule that is not about
 * the end of the word, is checked by rp_spelling_may_fold's scan for "our". */
#define FILTER_BITS 1024
enum { PATTERNS_MAX = 1024, PATTERN_LEN = 24, BUCKETS = 1024 };
static uint64_t exact_filter[FILTER_BITS / 64];
uint64_t rp_spelling_ends[RP_SPELLING_ENDS / 64];
typedef struct pattern {
    uint32_t key; /* the last four letters, 5 bits each */
    uint8_t len;
    char s[PATTERN_LEN];
} pattern;
static pattern patterns[PATTERNS_MAX];
static size_t npatterns;
static uint16_t bucket_start[BUCKETS + 1]; /* patterns sorted by bucket(key) */
static bool patterns_off;
static pthread_once_t filters_once = PTHREAD_ONCE_INIT;

static unsigned filter_key(const char *w, size_t n)
{
    unsigned h = (unsigned)n * 0x9E37u ^ (unsigned char)w[0] * 0x2F1u ^
                 (unsigned char)w[n - 1] * 0x61u ^ (unsigned char)w[n - 2] * 0x3Bu;
    return (h ^ (h >> 10)) % FILTER_BITS;
}

static uint32_t key4(const char *w, size_t n)
{
    return ((uint32_t)w[n - 4] & 31u) << 15 | ((uint32_t)w[n - 3] & 31u) << 10 |
           ((uint32_t)w[n - 2] & 31u) << 5 | ((uint32_t)w[n - 1] & 31u);
}

static unsigned bucket(uint32_t key)
{
    return (key * 2654435761u) >> 22; /* Fibonacci hashing: 20 bits to 10 */
}

/* Adds the last max(4, keep) letters of a + b + c as a pattern (once). Every pattern has 4 to
 * PATTERN_LEN - 1 letters; one outside that range, or too many, switches the quick test off
 * rather than miss a word. */
static void add_pattern(const char *a, const char *b, const char *c, size_t keep)
{
    char full[3 * PATTERN_LEN];
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c), n = la + lb + lc;
    pattern *p = &patterns[npatterns];
    uint32_t k;

    if (keep < 4)
        keep = 4;
    if (n < keep || keep >= PATTERN_LEN || n >= sizeof(full) || npatterns == PATTERNS_MAX) {
        patterns_off = true;
        return;
    }
    memcpy(full, a, la);
    memcpy(full + la, b, lb);
    memcpy(full + la + lb, c, lc);
    memcpy(p->s, full + n - keep, keep);
    p->len = (uint8_t)keep;
    p->key = key4(p->s, keep);
    for (size_t i = 0; i < npatterns; i++)
        if (patterns[i].len == keep && memcmp(patterns[i].s, p->s, keep) == 0)
            return;
    k = rp_spelling_end(p->s, keep);
    rp_spelling_ends[k / 64] |= UINT64_C(1) << (k % 64);
    npatterns++;
}

/* Sorts the patterns by bucket (insertion sort: a few hundred, once) and indexes the buckets. */
static void index_patterns(void)
{
    for (size_t i = 1; i < npatterns; i++) {
        pattern p = patterns[i];
        size_t j = i;
        for (; j > 0 && bucket(patterns[j - 1].key) > bucket(p.key); j--)
            patterns[j] = patterns[j - 1];
        patterns[j] = p;
    }
    for (size_t b = 0, i = 0; b <= BUCKETS; b++) {
        while (i < npatterns && bucket(patterns[i].key) < b)
            i++;
        bucket_start[b] = (uint16_t)i;
    }
}

/* -ise: stem + is + rest, kept from the i (from the stem's last letter for "ise"). */
static void add_ise_patterns(const entry *stems, size_t count)
{
    for (size_t i = 0; i < count; i++)
        for (size_t r = 0; r < COUNT(ise_rests); r++)
            add_pattern(stems[i].s, "is", ise_rests[r].s, 2 + ise_rests[r].n);
}

static void build_filters(void)
{
    static const char *const tre_rests[] = {"re", "res", "red", "ring"};

    for (size_t i = 0; i < COUNT(exact_words); i++) {
        const char *w = exact_words[i].from;
        unsigned k = filter_key(w, strlen(w));
        exact_filter[k / 64] |= UINT64_C(1) << (k % 64);
        add_pattern("", "", w, strlen(w));
    }
    add_ise_patterns(ise_endings, COUNT(ise_endings));
    add_ise_patterns(ise_stems, COUNT(ise_stems));
    for (size_t r = 0; r < COUNT(ise_rests); r++) /* -lyse */
        add_pattern("lys", "", ise_rests[r].s, 3 + ise_rests[r].n);
    for (size_t i = 0; i < COUNT(tre_stems); i++) /* -tre: from the stem's last letter */
        for (size_t r = 0; r < COUNT(tre_rests); r++)
            add_pattern(tre_stems[i].s, "", tre_rests[r], 1 + strlen(tre_rests[r]));
    for (size_t r = 0; r < COUNT(ll_rests); r++)
        add_pattern("ll", "", ll_rests[r].s, 2 + ll_rests[r].n);
    if (patterns_off)
        memset(rp_spelling_ends, 0xFF, sizeof(rp_spelling_ends));
    index_patterns();
}

void rp_spelling_init(void)
{
    pthread_once(&filters_once, build_filters);
}

bool rp_spelling_ends_match(const char *w, size_t n)
{
    uint32_t k = key4(w, n);
    unsigned b = bucket(k);

    if (patterns_off)
        return true;
    for (size_t i = bucket_start[b]; i < bucket_start[b + 1]; i++) {
        const pattern *p = &patterns[i];
        size_t m = p->len, j = 4; /* the key matched the last four letters */
        if (p->key != k || m > n)
            continue;
        while (j < m && w[n - 1 - j] == p->s[m - 1 - j])
            j++;
        if (j == m)
            return true;
    }
    return false;
}

static const pair *find_exact(const char *w, size_t n)
{
    char key[RP_SPELLING_MAX + 1];
    unsigned k = filter_key(w, n);

    if (!(exact_filter[k / 64] >> (k % 64) & 1))
        return NULL;
    memcpy(key, w, n);
    key[n] = '\0';
    return bsearch(key, exact_words, COUNT(exact_words), sizeof(exact_words[0]), cmp_pair);
}

bool rp_spelling_fold(const char *w, size_t n, char *out, size_t *out_n)
{
    const pair *hit;
    bool our = false, ise = false, ll = false, tre = false, changed = false;

    if (n < 4 || n > RP_SPELLING_MAX)
        return false;
    rp_spelling_init();
    hit = find_exact(w, n);
    if (hit) {
        *out_n = strlen(hit->to);
        memcpy(out, hit->to, *out_n);
        return true;
    }
    for (size_t i = 1; i < n; i++) {
        our |= w[i] == 'u' && w[i - 1] == 'o' && i + 1 < n && w[i + 1] == 'r';
        ise |= w[i] == 's' && (w[i - 1] == 'i' || w[i - 1] == 'y');
        ll |= w[i] == 'l' && w[i - 1] == 'l';
    }
    tre = (w[n - 1] == 'e' && w[n - 2] == 'r') || (w[n - 1] == 's' && w[n - 3] == 'r') ||
          (w[n - 1] == 'd' && w[n - 3] == 'r') || (w[n - 1] == 'g' && w[n - 4] == 'r');
    if (!(our || ise || ll || tre))
        return false;
    memcpy(out, w, n);
    *out_n = n;
    if (our)
        changed |= fold_our(out, out_n);
    if (ise)
        changed |= fold_ise(out, *out_n);
    if (tre)
        changed |= fold_tre(out, out_n);
    if (ll)
        changed |= fold_ll(out, out_n);
    return changed;
}
