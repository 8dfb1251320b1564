/* common.c: what the benchmarks share (bench.h): how they sort their samples for
 * percentiles, their clock, and how they read numbers from their options. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void eo_bench_sort(double *v, size_t n)
{
    qsort(v, n, sizeof *v, s_cmp);
}

double eo_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long eo_bench_int(const char *text, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    return errno || end == text || *end || v < lo || v > hi ? -1 : v;
}

double eo_bench_seconds(const char *text)
{
    char *end;
    double v = strtod(text, &end);
    return end == text || *end || !(v > 0 && v <= 3600) ? -1 : v;
}
