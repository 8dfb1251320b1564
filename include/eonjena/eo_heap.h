/* eo_heap.h: the C library's heap of a long-running process, measured and trimmed
 * (docs/deploy.md, "Memory and store growth").
 *
 * glibc keeps memory that was freed: a burst (a backlog in the broker while a matcher
 * stalls, a large batch in a matcher) leaves its peak in the resident set long after
 * it is gone, spread over one arena per thread. Only the top of an arena goes back to
 * the kernel by itself; the rest is returned by malloc_trim, which every role calls
 * every few seconds (eo_heap_trim_due), so the resident set follows what is in use and
 * a real leak is not hidden behind an old peak, or the other way round. */
#ifndef EO_HEAP_H
#define EO_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How often a role gives free heap memory back to the kernel by default (ms). */
#define EO_HEAP_TRIM_MS 10000

typedef struct {
    size_t in_use; /* bytes allocated and not freed (small chunks and mmapped ones) */
    size_t free;   /* bytes freed and kept by the allocator */
} eo_heap_stats_t;

/* The allocator's figures now, over every arena. */
void eo_heap_stats(eo_heap_stats_t *out);

/* Give the free memory of every arena back to the kernel now (malloc_trim). */
void eo_heap_trim(void);

/* Trim when `interval_ms` passed since *last_ms (a zclock_mono time; 0: never yet), and
 * remember when. interval_ms <= 0 never trims. True if it trimmed. */
bool eo_heap_trim_due(int64_t *last_ms, int64_t now_ms, int interval_ms);

/* Self-test: the trim schedule, and a fragmented peak given back by the trim. */
void eo_heap_test(bool verbose);

#endif
