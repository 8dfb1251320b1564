/* eonjena-bench: the W1 benchmarks (docs/workload.md). Each benchmark prints
 * ONE JSON line on stdout; progress and notes go to stderr. */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "common/opts.h"

/* One line per benchmark; keep sorted by name. */
static const eo_bench_t s_benches[] = {
    {"broker", "round trips through the broker vs a plain ROUTER-ROUTER proxy",
     eo_bench_broker},
    {"disk", "durable LMDB-like commits/s and MiB/s the disk takes from W writers",
     eo_bench_disk},
    {"e2e", "W1 through the multi-process deployment (deploy/), intake to offers sent",
     eo_bench_e2e},
    {"handoff", "durable hand-off intake and signed webhook deliveries to loopback",
     eo_bench_handoff},
    {"pages", "which trees a running role's commits rewrite, pages a commit", eo_bench_pages},
    {"query", "W1 candidate query latency at N carers", eo_bench_query},
    {"rules", "route, quote and quote JSON cost over seeded 2026 times", eo_bench_rules},
    {"settle", "W1 settlements per second, concurrent acceptances, durable", eo_bench_settle},
    {"sms", "messages/s through the sms role into Kannel vs sendsms direct", eo_bench_sms},
    {NULL, NULL, NULL},
};

/* The help's body: the benchmarks, from s_benches. */
static const char *s_about(char *buf, size_t size)
{
    size_t n = (size_t)snprintf(buf, size,
                                "Each prints one JSON line; `eonjena-bench <benchmark> --help` "
                                "says how.\n\nbenchmarks:");
    for (const eo_bench_t *b = s_benches; b->name && n < size; b++)
        n += (size_t)snprintf(buf + n, size - n, "\n  %-8s %s", b->name, b->summary);
    return buf;
}

int main(int argc, char **argv)
{
    char about[1024];
    eo_opts_t o = {
        .prog = "eonjena-bench", .forms = "<benchmark>", .about = s_about(about, sizeof about)};
    /* a first argument that is no option names the benchmark; the rest is its own */
    if (argc >= 2 && argv[1][0] != '-') {
        for (const eo_bench_t *b = s_benches; b->name; b++)
            if (strcmp(argv[1], b->name) == 0) return b->run(argc - 1, argv + 1);
        return eo_opts_fail(&o, "unknown benchmark '%s'", argv[1]);
    }
    if (argc < 2) { /* a bare `eonjena-bench` is a usage error: say what it takes */
        eo_opts_usage(&o, stderr);
        return 2;
    }
    int rc = eo_opts_parse(&o, argc, argv);
    /* `eonjena-bench -- broker`: the benchmark comes first */
    return rc != EO_OPTS_RUN ? rc : eo_opts_fail(&o, "the benchmark comes first");
}
