/* Shared by the benchmarks of eonjena-bench. */
#ifndef EO_BENCH_H
#define EO_BENCH_H

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the benchmark name */
} eo_bench_t;

#include <stddef.h>

/* Shared by the benchmarks (bench/common.c). */
/* Sort n samples in ascending order, for their percentiles. */
void eo_bench_sort(double *v, size_t n);
/* Monotonic seconds. */
double eo_bench_now(void);
/* A whole number in [lo, hi] from an option's text, or -1. */
long eo_bench_int(const char *text, long lo, long hi);
/* A duration in seconds, more than 0 and at most 3600, from an option's text, or -1. */
double eo_bench_seconds(const char *text);

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
