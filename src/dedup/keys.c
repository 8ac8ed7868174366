/*
 * keys.c - the in-memory inverted index that batch dedup and the dedup stream judge with: an
 * open-addressing table (linear probing, grown at half full) from a sampled key to a chain of
 * postings, the documents (group firsts) holding it, newest first. A key's home slot is its
 * remixed hash scaled to the capacity, so the capacity need not be a power of two (the dedup
 * stream sizes it to its memory budget).
 */
#include "dedup/dedup.h"

#include <string.h>

rp_status rp_key_index_init(rp_key_index *ix, size_t expect)
{
    size_t cap = 1024;

    while (cap < expect * 2)
        cap *= 2;
    return rp_key_index_init_slots(ix, cap);
}

rp_status rp_key_index_init_slots(rp_key_index *ix, size_t slots)
{
    memset(ix, 0, sizeof(*ix));
    if (slots < 16 || slots > UINT32_MAX)
        slots = slots < 16 ? 16 : UINT32_MAX;
    ix->slots = rp_calloc(slots, sizeof(*ix->slots));
    ix->cap = slots;
    return ix->slots ? RP_OK : RP_ENOMEM;
}

void rp_key_index_release(rp_key_index *ix)
{
    rp_free(ix->slots);
    rp_free(ix->posts);
    memset(ix, 0, sizeof(*ix));
}

const rp_key_slot *rp_key_index_find(const rp_key_index *ix, uint32_t key)
{
    for (size_t i = (size_t)(((uint64_t)rp_dedup_remix(key) * ix->cap) >> 32);;
         i = i + 1 == ix->cap ? 0 : i + 1)
        if (ix->slots[i].count == 0 || ix->slots[i].key == key)
            return &ix->slots[i];
}

void rp_key_index_clear(rp_key_index *ix)
{
    memset(ix->slots, 0, ix->cap * sizeof(*ix->slots));
    ix->used = 0;
    ix->post_count = 0;
}

static rp_status grow(rp_key_index *ix)
{
    rp_key_index bigger = *ix;
    size_t cap = ix->cap * 2;

    bigger.slots = rp_calloc(cap, sizeof(*bigger.slots));
    if (!bigger.slots)
        return RP_ENOMEM;
    bigger.cap = cap;
    for (size_t i = 0; i < ix->cap; i++)
        if (ix->slots[i].count)
            *(rp_key_slot *)rp_key_index_find(&bigger, ix->slots[i].key) = ix->slots[i];
    rp_free(ix->slots);
    *ix = bigger;
    return RP_OK;
}

rp_status rp_key_index_add(rp_key_index *ix, uint32_t key, uint32_t doc)
{
    rp_key_slot *s;

    if ((ix->used + 1) * 2 > ix->cap && grow(ix) != RP_OK)
        return RP_ENOMEM;
    if (RP_GROW(ix->posts, ix->post_cap, ix->post_count + 1) != RP_OK)
        return RP_ENOMEM;
    s = (rp_key_slot *)rp_key_index_find(ix, key);
    if (s->count == 0) {
        s->key = key;
        s->head = UINT32_MAX;
        ix->used++;
    }
    ix->posts[ix->post_count] = (rp_key_posting){doc, s->head};
    s->head = (uint32_t)ix->post_count++;
    s->count++;
    return RP_OK;
}
