/* heap.c: measuring and trimming the C library's heap (see eo_heap.h). */
#include "eonjena/eo_heap.h"

#include <assert.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void eo_heap_stats(eo_heap_stats_t *out)
{
    struct mallinfo2 mi = mallinfo2();
    out->in_use = mi.uordblks + mi.hblkhd;
    out->free = mi.fordblks;
}

void eo_heap_trim(void)
{
    malloc_trim(0);
}

bool eo_heap_trim_due(int64_t *last_ms, int64_t now_ms, int interval_ms)
{
    if (interval_ms <= 0) return false;
    if (*last_ms && now_ms - *last_ms < interval_ms) return false;
    if (!*last_ms) { /* the first call starts the count: nothing to give back yet */
        *last_ms = now_ms;
        return false;
    }
    *last_ms = now_ms;
    eo_heap_trim();
    return true;
}

/* RssAnon of this process, KiB (-1 if /proc cannot say). */
static long s_rss_anon_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "RssAnon: %ld", &kib) == 1) break;
    fclose(f);
    return kib;
}

void eo_heap_test(bool verbose)
{
    if (verbose) printf(" * eo_heap: ");
    /* the schedule: the first call only starts the count; then once per interval */
    int64_t last = 0;
    assert(!eo_heap_trim_due(&last, 1000, 500) && last == 1000);
    assert(!eo_heap_trim_due(&last, 1499, 500));
    assert(eo_heap_trim_due(&last, 1500, 500) && last == 1500);
    assert(!eo_heap_trim_due(&last, 1999, 500));
    assert(!eo_heap_trim_due(&last, 99999, 0)); /* 0: never */

    /* A peak freed but for one block in 64 (what a served backlog leaves): the survivors
     * pin the arena, so the kernel gets nothing back until the trim. */
    enum { N = 32768, SIZE = 1024 };
    char **blocks = malloc(N * sizeof *blocks);
    assert(blocks);
    for (int i = 0; i < N; i++) {
        blocks[i] = malloc(SIZE);
        assert(blocks[i]);
        memset(blocks[i], i & 0xff, SIZE);
    }
    for (int i = 0; i < N; i++)
        if (i % 64 != 63) {
            free(blocks[i]);
            blocks[i] = NULL;
        }
    eo_heap_stats_t st;
    eo_heap_stats(&st);
    assert(st.free >= (size_t)N * SIZE / 2 && st.in_use > 0);
    long before = s_rss_anon_kib();
    eo_heap_trim();
    long after = s_rss_anon_kib();
    if (verbose) printf("RssAnon %ld -> %ld KiB after the trim; ", before, after);
    assert(before > 0 && after > 0);
    assert(before - after >= (long)N * SIZE / 1024 / 2); /* at least half the peak returned */
    for (int i = 0; i < N; i++)
        free(blocks[i]);
    free(blocks);
    if (verbose) printf("OK\n");
}
