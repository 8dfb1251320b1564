/* Shared by the benchmarks of eonjena-bench. */
#ifndef EO_BENCH_H
#define EO_BENCH_H

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the benchmark name */
} eo_bench_t;

#include <stddef.h>

/* Sort n samples in ascending order, for their percentiles (bench/sort.c). */
void eo_bench_sort(double *v, size_t n);

/* The benchmarks, one per bench/<name>.c. */
int eo_bench_broker(int argc, char **argv);
int eo_bench_disk(int argc, char **argv);
int eo_bench_e2e(int argc, char **argv);
int eo_bench_handoff(int argc, char **argv);
int eo_bench_pages(int argc, char **argv);
int eo_bench_query(int argc, char **argv);
int eo_bench_rules(int argc, char **argv);
int eo_bench_settle(int argc, char **argv);
int eo_bench_sms(int argc, char **argv);

#endif
