/* sort.c: the benchmarks' one way to sort their samples for percentiles (bench.h). */
#include <stdlib.h>

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
