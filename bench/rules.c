/* eonjena-bench rules: the cost of a rules decision on the request path: a 방문형 route,
 * a full quote (struct) and a quote as JSON (what GET /v1/quote serves), over a seeded
 * spread of request and service times across 2026 (weekdays, weekends, holidays). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <czmq.h>

#include "bench.h"
#include "common/opts.h"
#include "eonjena/eo_rules.h"

/* xorshift64*: deterministic for a seed. */
static uint64_t s_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ULL;
}

static const char s_about[] =
    "Times N route decisions, quotes and quote JSON texts over seeded\n"
    "request times in 2026 and prints one JSON line:\n"
    "{\"bench\":\"rules\",\"n\":N,\"route_ns\":..,\"quote_ns\":..,"
    "\"json_us\":..}";

int eo_bench_rules(int argc, char **argv)
{
    const char *n_text = "200000", *seed_text = "1";
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("n", "N", &n_text, "how many of each (200000)"),
        EO_OPT_VALUE("seed", "S", &seed_text, "the seed of the request times (1)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena-bench rules", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    long n = atol(n_text);
    uint64_t seed = strtoull(seed_text, NULL, 10) | 1;
    if (n < 1) return eo_opts_fail(&o, "--n must be 1 or more");
    char err[512];
    eo_calendar_t *cal = eo_calendar_load_default(err, sizeof err);
    eo_rules_t *rules = cal ? eo_rules_load_default(cal, err, sizeof err) : NULL;
    eo_time_t *req = malloc((size_t)n * sizeof *req),
              *start = malloc((size_t)n * sizeof *start);
    if (!rules || !req || !start) {
        fprintf(stderr, "bench rules: %s\n", rules ? "out of memory" : err);
        free(req);
        free(start);
        eo_rules_destroy(&rules);
        eo_calendar_destroy(&cal);
        return 1;
    }
    /* Requests on the half hour across 2026; services 2-26 h later, 1-6 h long. */
    eo_time_t year = eo_time_from_local(2026, 1, 1, 0, 0, 0);
    for (long i = 0; i < n; i++) {
        req[i] = year + (eo_time_t)(s_next(&seed) % (365 * 48)) * 1800;
        start[i] = req[i] + (eo_time_t)(4 + s_next(&seed) % 48) * 1800;
    }
    eo_route_decision_t d;
    long pool = 0;
    double t0 = eo_bench_now();
    for (long i = 0; i < n; i++) {
        eo_rules_route_visit(rules, req[i], start[i], EO_CHANNEL_PHONE, &d);
        pool += d.route == EO_ROUTE_POOL;
    }
    double t1 = eo_bench_now();
    eo_quote_t *q = malloc(sizeof *q);
    long quoted = 0;
    for (long i = 0; q && i < n; i++) {
        eo_quote_params_t p = {.start = start[i],
                               .requested = req[i],
                               .end = start[i] + (eo_time_t)(4 + i % 9) * 1800};
        quoted += eo_rules_quote(rules, &p, q) == 0;
    }
    double t2 = eo_bench_now();
    long json_n = n / 10 ? n / 10 : 1, bytes = 0;
    for (long i = 0; i < json_n; i++) {
        eo_quote_params_t p = {.start = start[i],
                               .requested = req[i],
                               .end = start[i] + (eo_time_t)(4 + i % 9) * 1800};
        char *text = eo_quote_json(rules, &p, err, sizeof err);
        bytes += text ? (long)strlen(text) : 0;
        free(text);
    }
    double t3 = eo_bench_now();
    printf(
        "{\"bench\":\"rules\",\"n\":%ld,\"route_ns\":%.0f,\"quote_ns\":%.0f,\"json_us\":%.2f,"
        "\"pool_share\":%.3f,\"quoted_share\":%.3f,\"json_bytes\":%ld}\n",
        n, (t1 - t0) / (double)n * 1e9, (t2 - t1) / (double)n * 1e9,
        (t3 - t2) / (double)json_n * 1e6, (double)pool / (double)n, (double)quoted / (double)n,
        bytes / json_n);
    free(q);
    free(req);
    free(start);
    eo_rules_destroy(&rules);
    eo_calendar_destroy(&cal);
    return 0;
}
