/*
 * map.c - large plain files mapped read-only (MAP_PRIVATE) instead of copied into the heap,
 * their pages handed back when a stage is done with them, and the SIGBUS guard that keeps a
 * file truncated while mapped from crashing the program: the pages past the new end read as
 * zeros from then on, and the document is marked (rp_corpus_changed names it).
 *
 * Only files of RP_MAP_MIN bytes or more are mapped, and at most RP_MAP_MAX at once: a
 * directory of small files stays far from the kernel's limit on mappings (vm.max_map_count,
 * 65,530 by default) and each small file is read as before.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, madvise */
#include "corpus/corpus.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLOTS 256

/* Guarded mappings, in blocks that are never freed (the signal handler walks them without a
 * lock); a slot is free while its lo is 0. */
typedef struct guard_block {
    struct guard_block *next;
    _Atomic uintptr_t lo[SLOTS], hi[SLOTS];
    atomic_int hit[SLOTS];
} guard_block;

static _Atomic(guard_block *) guard_head;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction guard_previous;
static atomic_size_t mapped_now;
static size_t page_size; /* set once (page_once) before any mapping */
static pthread_once_t page_once = PTHREAD_ONCE_INIT;

size_t rp_corpus_map_min = RP_MAP_MIN;

/* A SIGBUS inside a guarded mapping: the file shrank under it. The rest of the mapping from
 * the faulting page on becomes anonymous zero pages (the access is then retried and reads 0).
 * Any other SIGBUS goes to the handler that was there before, or kills as it would have. Only
 * a fault the kernel raised (si_code > 0) has an address: a SIGBUS sent by kill(2) or
 * sigqueue(3) is never taken for a truncation. mmap(2) is not on POSIX's list of
 * async-signal-safe calls; on Linux it is a plain system call, which this relies on. */
static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
    const uintptr_t a = (uintptr_t)si->si_addr;
    const int saved = errno;

    for (guard_block *b = si->si_code > 0 ? atomic_load(&guard_head) : NULL; b; b = b->next) {
        for (size_t i = 0; i < SLOTS; i++) {
            uintptr_t lo = atomic_load(&b->lo[i]), hi = atomic_load(&b->hi[i]);
            if (!lo || a < lo || a >= hi)
                continue;
            uintptr_t from = a / page_size * page_size;
            void *p = mmap((void *)from, hi - from, PROT_READ,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            errno = saved;
            if (p == MAP_FAILED)
                goto elsewhere;
            atomic_store(&b->hit[i], 1);
            return;
        }
    }
elsewhere:
    if ((guard_previous.sa_flags & SA_SIGINFO) && guard_previous.sa_sigaction) {
        guard_previous.sa_sigaction(sig, si, uctx);
        return;
    }
    if (!(guard_previous.sa_flags & SA_SIGINFO) && guard_previous.sa_handler != SIG_DFL &&
        guard_previous.sa_handler != SIG_IGN) {
        guard_previous.sa_handler(sig);
        return;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGBUS, &dfl, NULL);
    errno = saved;
    if (si->si_code <= 0)
        raise(sig); /* a sent signal does not come again by itself: its default action now */
    /* a fault happens again as the access is retried, and ends the program */
}

/* A free slot for [lo, hi), the handler installed first. Under guard_lock. */
static rp_status guard_add(uintptr_t lo, uintptr_t hi, rp_map_slot *slot)
{
    guard_block *b;

    struct sigaction now;
    if (sigaction(SIGBUS, NULL, &now) != 0)
        return RP_EIO;
    if (!(now.sa_flags & SA_SIGINFO) || now.sa_sigaction != on_sigbus) {
        /* not installed yet, or replaced since (by a program or a test harness that sets
         * its own for a while): ours again, with the one found kept for other faults */
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGBUS, &sa, &guard_previous) != 0)
            return RP_EIO;
    }
    for (b = atomic_load(&guard_head); b; b = b->next)
        for (size_t i = 0; i < SLOTS; i++)
            if (!atomic_load(&b->lo[i])) {
                atomic_store(&b->hit[i], 0);
                atomic_store(&b->hi[i], hi);
                atomic_store(&b->lo[i], lo);
                *slot = (rp_map_slot){b, i};
                return RP_OK;
            }
    if (!(b = rp_calloc(1, sizeof(*b)))) /* kept for the program's life: see guard_block */
        return RP_ENOMEM;
    atomic_store(&b->hi[0], hi);
    atomic_store(&b->lo[0], lo);
    b->next = atomic_load(&guard_head);
    atomic_store(&guard_head, b);
    *slot = (rp_map_slot){b, 0};
    return RP_OK;
}

static void page_init(void)
{
    page_size = rp_page_size();
}

/* Documents are loaded on worker threads: the size is set once, under pthread_once. */
static size_t page(void)
{
    pthread_once(&page_once, page_init);
    return page_size;
}

bool rp_corpus_map(int fd, size_t size, rp_mapped *m)
{
    const size_t pg = page();
    const size_t len = size / pg * pg + pg; /* at least one byte past the file: the NUL */
    char *p;

    memset(m, 0, sizeof(*m));
    if (size < rp_corpus_map_min || size == 0)
        return false;
    if (atomic_fetch_add(&mapped_now, 1) >= RP_MAP_MAX) {
        atomic_fetch_sub(&mapped_now, 1);
        return false;
    }
    /* a zeroed reservation, the file over its start: the page after the file's last byte is
     * always there and reads 0 */
    p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        goto fail;
    if (mmap(p, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
        munmap(p, len);
        goto fail;
    }
    pthread_mutex_lock(&guard_lock);
    rp_status st = guard_add((uintptr_t)p, (uintptr_t)p + len, &m->slot);
    pthread_mutex_unlock(&guard_lock);
    if (st != RP_OK) {
        munmap(p, len);
        goto fail;
    }
    m->bytes = p;
    m->len = size;
    m->map_len = len;
    return true;
fail:
    atomic_fetch_sub(&mapped_now, 1);
    return false;
}

void rp_corpus_unmap(rp_mapped *m)
{
    if (!m->bytes)
        return;
    /* the slot is let go before the pages: nothing reads a document being unmapped, so no
     * fault can be in the handler for it now */
    pthread_mutex_lock(&guard_lock);
    atomic_store(&m->slot.block->lo[m->slot.i], 0);
    pthread_mutex_unlock(&guard_lock);
    munmap((void *)m->bytes, m->map_len);
    atomic_fetch_sub(&mapped_now, 1);
    memset(m, 0, sizeof(*m));
}

bool rp_corpus_map_hit(const rp_mapped *m)
{
    return m->bytes && atomic_load(&m->slot.block->hit[m->slot.i]);
}

void rp_corpus_pages_release(const char *bytes, size_t from, size_t to)
{
    const size_t pg = page();
    uintptr_t lo = ((uintptr_t)bytes + from) / pg * pg;
    uintptr_t hi = ((uintptr_t)bytes + to + pg - 1) / pg * pg;
    /* Whole pages around the range, shared with neighbours too: the pages are the file's, so a
     * neighbour being read at the same time only reads its page again. Advice: a failure
     * only keeps them resident. */
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}
