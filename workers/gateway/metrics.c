/* metrics.c: GET /metrics in the Prometheus text format (docs/api.md), for the metrics
 * token (gateway/metrics_token_file) or an admin:
 *   eonjena_http_requests_total{method,route,status}   counter, this gateway
 *   eonjena_matcher_up{site}                            1 when the site's matcher answered
 *   eonjena_cases{site,state}                           gauge, the site's cases by state
 *   eonjena_waves_total{site}, eonjena_offers_total{site}  counters, over all cases
 *   eonjena_handoff_queued{provider}, eonjena_handoff_oldest_seconds{provider}
 *                                    hand-offs waiting for each provider and the age of the
 *                                    oldest (when this gateway has the node's store)
 * The matchers' figures are read on each scrape (Query "metrics", src/cases/metrics.c). */
#include <string.h>

#include "ask.h"
#include "eonjena/eo_handoff_queue.h"
#include "eonjena/eo_provider.h"
#include "counts.h"
#include "path.h"
#include "routes.h"

#define S_SITES_MAX 32

static void s_line(zchunk_t *text, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0) zchunk_extend(text, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void s_family(zchunk_t *text, const char *name, const char *type, const char *help)
{
    s_line(text, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Each site's figures, asked of its matcher; NULL for a site that did not answer. */
static void s_matchers(eo_http_request_t *req, zchunk_t *text)
{
    const char *sites[S_SITES_MAX];
    size_t n = eo_gateway_sites(req->gateway, sites, S_SITES_MAX);
    json_t *got[S_SITES_MAX] = {0};
    for (size_t i = 0; i < n; i++) {
        eo_http_reply_t sub = {0};
        got[i] =
            eo_ask_query(req, &sub, sites[i], "metrics", json_pack("{s:s}", "site", sites[i]));
        json_decref(sub.json);
        free(sub.text);
    }
    s_family(text, "eonjena_matcher_up", "gauge", "1 when the site's matcher answered.");
    for (size_t i = 0; i < n; i++)
        s_line(text, "eonjena_matcher_up{site=\"%s\"} %d\n", sites[i], got[i] != NULL);
    s_family(text, "eonjena_cases", "gauge", "Cases of the site by state.");
    for (size_t i = 0; i < n; i++) {
        const char *state;
        json_t *v;
        json_object_foreach(json_object_get(got[i], "cases"), state, v)
            s_line(text, "eonjena_cases{site=\"%s\",state=\"%s\"} %lld\n", sites[i], state,
                   (long long)json_integer_value(v));
    }
    const char *sums[][2] = {{"waves", "Offer waves sent, over all cases of the site."},
                             {"offers", "Offers made, over all cases of the site."}};
    for (size_t f = 0; f < 2; f++) {
        char name[48];
        snprintf(name, sizeof name, "eonjena_%s_total", sums[f][0]);
        s_family(text, name, "counter", sums[f][1]);
        for (size_t i = 0; i < n; i++)
            if (got[i])
                s_line(text, "%s{site=\"%s\"} %lld\n", name, sites[i],
                       (long long)json_integer_value(json_object_get(got[i], sums[f][0])));
    }
    for (size_t i = 0; i < n; i++)
        json_decref(got[i]);
}

/* Each provider's hand-off queue: how many wait and for how long the oldest has. */
static void s_handoffs(eo_http_request_t *req, zchunk_t *text)
{
    eo_store_t *store = eo_gateway_args(req->gateway)->store;
    eo_handoff_queue_t *q = store ? eo_handoff_queue_new(store) : NULL;
    if (!q) return;
    const eo_providers_t *ps = eo_gateway_providers(req->gateway);
    eo_time_t now = eo_clock_now(eo_gateway_args(req->gateway)->clock);
    zchunk_t *ages = zchunk_new(NULL, 512);
    s_family(text, "eonjena_handoff_queued", "gauge", "Hand-offs waiting for the provider.");
    s_family(ages, "eonjena_handoff_oldest_seconds", "gauge",
             "Age of the provider's oldest waiting hand-off (0 when none waits).");
    for (size_t i = 0; i < eo_providers_count(ps); i++) {
        const eo_provider_t *p = eo_providers_at(ps, i);
        json_t *items = NULL;
        if (eo_handoff_queue_list(q, p->id, 0, &items) != EO_OK) continue;
        eo_time_t oldest = now;
        const char *at =
            json_string_value(json_object_get(json_array_get(items, 0), "queued_at"));
        if (at && eo_time_parse(at, &oldest) != EO_OK) oldest = now;
        s_line(text, "eonjena_handoff_queued{provider=\"%s\"} %zu\n", p->id,
               json_array_size(items));
        s_line(ages, "eonjena_handoff_oldest_seconds{provider=\"%s\"} %lld\n", p->id,
               (long long)(now > oldest ? now - oldest : 0));
        json_decref(items);
    }
    zchunk_extend(text, zchunk_data(ages), zchunk_size(ages));
    zchunk_destroy(&ages);
    eo_handoff_queue_destroy(&q);
}

void eo_api_metrics(eo_http_request_t *req, eo_http_reply_t *reply)
{
    eo_problems_t p = {0};
    static const char *const none[] = {NULL};
    eo_query_args_check(req, none, &p);
    if (p.n) {
        eo_http_problems(reply, 400, &p);
        return;
    }
    zchunk_t *text = zchunk_new(NULL, 4096);
    eo_http_counts_render(eo_gateway_counts(req->gateway), "eonjena_http_requests_total", text);
    s_matchers(req, text);
    s_handoffs(req, text);
    reply->status = 200;
    reply->content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply->text = strndup((const char *)zchunk_data(text), zchunk_size(text));
    zchunk_destroy(&text);
}
