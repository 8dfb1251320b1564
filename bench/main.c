/* eonjena-bench: the W1 benchmarks (docs/workload.md). Each benchmark prints
 * ONE JSON line on stdout; progress and notes go to stderr. */
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* One line per benchmark; keep sorted by name. */
static const eo_bench_t s_benches[] = {
    {"broker", "round trips through the broker vs a plain ROUTER-ROUTER proxy", eo_bench_broker},
    {"handoff", "durable hand-off intake and signed webhook deliveries to loopback", eo_bench_handoff},
    {"query", "W1 candidate query latency at N carers", eo_bench_query},
    {"rules", "route, quote and quote JSON cost over seeded 2026 times", eo_bench_rules},
    {"settle", "W1 settlements per second, concurrent acceptances, durable", eo_bench_settle},
    {"sms", "messages/s through the sms role into Kannel vs sendsms direct", eo_bench_sms},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: eonjena-bench <benchmark> [options]   (eonjena-bench <benchmark> --help)\n"
                "benchmarks:\n");
        for (const eo_bench_t *b = s_benches; b->name; b++)
            fprintf(argc < 2 ? stderr : stdout, "  %-8s %s\n", b->name, b->summary);
        return argc < 2 ? 2 : 0;
    }
    for (const eo_bench_t *b = s_benches; b->name; b++)
        if (strcmp(argv[1], b->name) == 0)
            return b->run(argc - 1, argv + 1);
    fprintf(stderr, "eonjena-bench: unknown benchmark '%s'\n", argv[1]);
    return 2;
}
