/* metrics.c: GET /metrics in the Prometheus text format (docs/api.md), for the metrics
 * token (gateway/metrics_token_file) or an admin:
 *   eonjena_http_requests_total{method,route,status}   counter, this gateway
 *   eonjena_broker_up, eonjena_broker_service_workers{service},
 *   eonjena_broker_workers{service,site}, eonjena_broker_queued,
 *   _in_flight, _oldest_in_flight_seconds, and the counters _received_total,
 *   _redispatched_total, _released_total, _dead_lettered_total, _rejected_total,
 *   _unrouted_total {service,site}    the broker's queues, asked of the broker itself
 *   eonjena_matcher_up{site}                            1 when the site's matcher answered
 *   eonjena_cases{site,state}                           gauge, the site's cases by state
 *   eonjena_waves_total{site}, eonjena_offers_total{site}  counters, over all cases
 *   eonjena_settlement_latency_seconds{site}            histogram, intake to settlement
 *   eonjena_sms_sent_total{adapter}, _delivered_total, _failed_total
 *                                    counters, each adapter's messages (the sms roles)
 *   eonjena_handoff_queued{provider}, eonjena_handoff_oldest_seconds{provider}
 *                                    hand-offs waiting for each provider and the age of the
 *                                    oldest (when this gateway has the node's store)
 * The matchers' figures are read on each scrape (Query "metrics", src/cases/metrics.c). */
#include <string.h>

#include "ask.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_handoff_queue.h"
#include "eonjena/eo_provider.h"
#include "counts.h"
#include "path.h"
#include "routes.h"

#define S_SITES_MAX EO_SITE_MAX /* eo_ask_all answers at most that many */

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

/* The sites' settlement latency histograms (cumulative buckets, as the matcher keeps
 * them: src/cases/metrics.c). */
static void s_latency(zchunk_t *text, const char **sites, json_t **got, size_t n)
{
    const char *name = "eonjena_settlement_latency_seconds";
    s_family(text, name, "histogram",
             "Time from a case's intake to its settlement, on the matcher's clock.");
    for (size_t i = 0; i < n; i++) {
        json_t *h = json_object_get(got[i], "settle_latency"), *b;
        size_t j;
        if (!h) continue;
        json_array_foreach(json_object_get(h, "buckets"), j, b)
            s_line(text, "%s_bucket{site=\"%s\",le=\"%s\"} %lld\n", name, sites[i],
                   json_string_value(json_array_get(b, 0)),
                   (long long)json_integer_value(json_array_get(b, 1)));
        s_line(text, "%s_sum{site=\"%s\"} %.3f\n", name, sites[i],
               (double)json_integer_value(json_object_get(h, "sum_ms")) / 1000.0);
        s_line(text, "%s_count{site=\"%s\"} %lld\n", name, sites[i],
               (long long)json_integer_value(json_object_get(h, "count")));
    }
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
    s_latency(text, sites, got, n);
    for (size_t i = 0; i < n; i++)
        json_decref(got[i]);
}

/* The broker's queues and workers, asked of the broker itself (EO_BROKER_SELF), so they
 * are there wherever it runs. One family per figure of each (service, site) queue. */
static void s_broker(eo_http_request_t *req, zchunk_t *text)
{
    static const char *const figures[][4] = {
        {"workers_live", "eonjena_broker_workers", "gauge",
         "Live workers of the service that serve the site."},
        {"queued", "eonjena_broker_queued", "gauge", "Items waiting for a worker."},
        {"in_flight", "eonjena_broker_in_flight", "gauge", "Items a worker holds unanswered."},
        {"oldest_in_flight_ms", "eonjena_broker_oldest_in_flight_seconds", "gauge",
         "How long the oldest item in flight has waited for its worker."},
        {"received", "eonjena_broker_received_total", "counter",
         "Requests and events received for the service and site."},
        {"redispatched", "eonjena_broker_redispatched_total", "counter",
         "Items given to another worker after theirs died."},
        {"released", "eonjena_broker_released_total", "counter",
         "Items a worker gave back unanswered."},
        {"dead_lettered", "eonjena_broker_dead_lettered_total", "counter",
         "Items given back too often: their senders got an error."},
        {"rejected", "eonjena_broker_rejected_total", "counter",
         "Items refused: a full queue, or nobody serving them."},
        {"unrouted", "eonjena_broker_unrouted_total", "counter",
         "Items nobody served within the unrouted timeout."},
    };
    zframe_t *answer = NULL;
    json_t *root = NULL;
    if (eo_gateway_call(req->gateway, EO_BROKER_SELF, "-", "", 0, &answer) == EO_OK)
        root = json_loadb((const char *)zframe_data(answer), zframe_size(answer), 0, NULL);
    zframe_destroy(&answer);
    s_family(text, "eonjena_broker_up", "gauge", "1 when the broker answered.");
    s_line(text, "eonjena_broker_up %d\n", root != NULL);
    json_t *services = json_object_get(root, "services");
    if (root)
        s_family(text, "eonjena_broker_service_workers", "gauge",
                 "Live workers of the service, whatever sites they serve.");
    const char *service;
    json_t *sv;
    json_object_foreach(services, service, sv)
        s_line(text, "eonjena_broker_service_workers{service=\"%s\"} %lld\n", service,
               (long long)json_integer_value(json_object_get(sv, "workers_live")));
    for (size_t f = 0; root && f < sizeof figures / sizeof figures[0]; f++) {
        s_family(text, figures[f][1], figures[f][2], figures[f][3]);
        const char *site;
        json_t *q;
        json_object_foreach(services, service, sv)
            json_object_foreach(json_object_get(sv, "sites"), site, q)
        {
            json_int_t v = json_integer_value(json_object_get(q, figures[f][0]));
            if (strstr(figures[f][1], "_seconds"))
                s_line(text, "%s{service=\"%s\",site=\"%s\"} %.3f\n", figures[f][1], service,
                       site, (double)v / 1000.0);
            else
                s_line(text, "%s{service=\"%s\",site=\"%s\"} %lld\n", figures[f][1], service,
                       site, (long long)v);
        }
    }
    json_decref(root);
}

/* Each SMS adapter's messages sent, delivered and failed, asked of the sms roles of
 * every site at once (one timeout for all, however many roles are down); a role serving
 * several sites answers each, naming itself, and is counted once. */
static void s_sms(eo_http_request_t *req, zchunk_t *text)
{
    const char *sites[S_SITES_MAX];
    size_t n = eo_gateway_sites(req->gateway, sites, S_SITES_MAX);
    json_t *got[S_SITES_MAX];
    bool answered[S_SITES_MAX];
    eo_ask_all(req, "sms", sites, n, "metrics", NULL, got, answered);
    json_t *seen = json_object(), *sum = json_object();
    for (size_t i = 0; i < n; i++) {
        const char *instance = json_string_value(json_object_get(got[i], "instance"));
        if (instance && !json_object_get(seen, instance)) {
            json_object_set_new(seen, instance, json_true());
            const char *adapter;
            json_t *t;
            json_object_foreach(json_object_get(got[i], "adapters"), adapter, t)
            {
                json_t *into = json_object_get(sum, adapter);
                if (!into) json_object_set_new(sum, adapter, into = json_object());
                const char *k;
                json_t *v;
                json_object_foreach(t, k, v) json_object_set_new(
                    into, k,
                    json_integer(json_integer_value(json_object_get(into, k)) +
                                 json_integer_value(v)));
            }
        }
        json_decref(got[i]);
    }
    static const char *const figures[][2] = {
        {"sent", "Messages the adapter's gateway took."},
        {"delivered", "Messages the adapter reported delivered."},
        {"failed", "Messages the adapter could not send or reported failed."}};
    for (size_t f = 0; f < 3; f++) {
        char name[48];
        snprintf(name, sizeof name, "eonjena_sms_%s_total", figures[f][0]);
        s_family(text, name, "counter", figures[f][1]);
        const char *adapter;
        json_t *t;
        json_object_foreach(sum, adapter, t)
            s_line(text, "%s{adapter=\"%s\"} %lld\n", name, adapter,
                   (long long)json_integer_value(json_object_get(t, figures[f][0])));
    }
    json_decref(seen);
    json_decref(sum);
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
    s_broker(req, text);
    s_matchers(req, text);
    s_sms(req, text);
    s_handoffs(req, text);
    reply->status = 200;
    reply->content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply->text = strndup((const char *)zchunk_data(text), zchunk_size(text));
    zchunk_destroy(&text);
}
