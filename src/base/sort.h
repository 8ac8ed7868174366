/*
 * sort.h - private: one introsort for the library's hot sorts (seeds, fingerprint ids,
 * posting keys), with the comparison inlined: several times faster than qsort's callback.
 *
 * RP_DEFINE_SORT(name, type, less) defines `static void name(type *v, size_t n)`, sorting
 * ascending by less(const type *x, const type *y): quicksort with a median-of-three pivot and
 * Hoare partitioning, the smaller side first (the stack stays shallow), heapsort past a depth
 * of 2 log2 n (no input makes it quadratic), insertion sort for ranges of 16 or fewer. Not
 * stable: equal keys must be interchangeable.
 */
#ifndef REPRINT_SORT_H
#define REPRINT_SORT_H

#include <stddef.h>
#include <stdint.h>

#define RP_DEFINE_SORT(name, type, less)                                                           \
    static void name##_sift(type *v, size_t root, size_t n)                                        \
    {                                                                                              \
        for (size_t child; (child = 2 * root + 1) < n; root = child) {                             \
            if (child + 1 < n && less(&v[child], &v[child + 1]))                                   \
                child++;                                                                           \
            if (!less(&v[root], &v[child]))                                                        \
                return;                                                                            \
            type t_ = v[root];                                                                     \
            v[root] = v[child];                                                                    \
            v[child] = t_;                                                                         \
        }                                                                                          \
    }                                                                                              \
                                                                                                   \
    static void name##_intro(type *v, size_t n, unsigned depth)                                    \
    {                                                                                              \
        while (n > 16) {                                                                           \
            if (depth-- == 0) {                                                                    \
                for (size_t i = n / 2; i-- > 0;)                                                   \
                    name##_sift(v, i, n);                                                          \
                for (size_t i = n; i-- > 1;) {                                                     \
                    type t_ = v[0];                                                                \
                    v[0] = v[i];                                                                   \
                    v[i] = t_;                                                                     \
                    name##_sift(v, 0, i);                                                          \
                }                                                                                  \
                return;                                                                            \
            }                                                                                      \
            size_t mid = n / 2;                                                                    \
            type t_;                                                                               \
            if (less(&v[mid], &v[0]))                                                              \
                t_ = v[mid], v[mid] = v[0], v[0] = t_;                                             \
            if (less(&v[n - 1], &v[mid])) {                                                        \
                t_ = v[n - 1], v[n - 1] = v[mid], v[mid] = t_;                                     \
                if (less(&v[mid], &v[0]))                                                          \
                    t_ = v[mid], v[mid] = v[0], v[0] = t_;                                         \
            }                                                                                      \
            type pivot = v[mid];                                                                   \
            size_t i = 0, j = n - 1;                                                               \
            for (;;) { /* [0, j] <= pivot <= [j + 1, n) */                                         \
                while (less(&v[i], &pivot))                                                        \
                    i++;                                                                           \
                while (less(&pivot, &v[j]))                                                        \
                    j--;                                                                           \
                if (i >= j)                                                                        \
                    break;                                                                         \
                t_ = v[i], v[i] = v[j], v[j] = t_;                                                 \
                i++, j--;                                                                          \
            }                                                                                      \
            size_t left = j + 1;                                                                   \
            if (left < n - left) {                                                                 \
                name##_intro(v, left, depth);                                                      \
                v += left;                                                                         \
                n -= left;                                                                         \
            } else {                                                                               \
                name##_intro(v + left, n - left, depth);                                           \
                n = left;                                                                          \
            }                                                                                      \
        }                                                                                          \
        for (size_t i = 1; i < n; i++) {                                                           \
            type x_ = v[i];                                                                        \
            size_t j = i;                                                                          \
            for (; j > 0 && less(&x_, &v[j - 1]); j--)                                             \
                v[j] = v[j - 1];                                                                   \
            v[j] = x_;                                                                             \
        }                                                                                          \
    }                                                                                              \
                                                                                                   \
    static inline void name(type *v, size_t n)                                                     \
    {                                                                                              \
        unsigned depth = 0;                                                                        \
        for (size_t m = n; m > 1; m >>= 1)                                                         \
            depth += 2;                                                                            \
        name##_intro(v, n, depth);                                                                 \
    }

/* less() for plain integers. */
#define RP_SORT_LESS_NUM(x, y) (*(x) < *(y))

/* The first index of sorted v[0, n) whose value is >= x (n when none). */
static inline size_t rp_lower_bound_u64(const uint64_t *v, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

#endif /* REPRINT_SORT_H */
