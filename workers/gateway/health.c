/* health.c: GET /v1/health (liveness: is the gateway up, what time does the server think
 * it is) and GET /v1/ready (readiness: can it serve requests now: a matcher answers for
 * every served site, the store can be written). */
#include <string.h>

#include "eonjena/eo_calendar.h"
#include "eonjena/eo_codec.h"
#include "eonjena/eo_rules.h"
#include "eonjena/eonjena.h"
#include "routes.h"

void eo_api_health(eo_http_request_t *req, eo_http_reply_t *reply)
{
    const eo_role_args_t *args = eo_gateway_args(req->gateway);
    char now[32];
    eo_time_format(eo_clock_now(args->clock), now, sizeof now);
    reply->status = 200;
    reply->json =
        json_pack("{s:s,s:s,s:s}", "status", "ok", "version", EONJENA_VERSION, "time", now);
}

#define S_READY_TIMEOUT_MS 1000

void eo_api_ready(eo_http_request_t *req, eo_http_reply_t *reply)
{
    const eo_role_args_t *args = eo_gateway_args(req->gateway);
    json_t *problems = json_array(), *checks = json_object();
    /* the store this process writes (eonjena serve: every role's) */
    if (args->store) {
        eo_store_usage_t u;
        bool ok = eo_store_usage(args->store, &u) == EO_OK && !u.failing;
        /* where the store is on disk is for the service's administrators only (this
         * route is public, for load balancers) */
        const char *dir = req->who.role == EO_ROLE_ADMIN ? eo_store_dir(args->store) : NULL;
        json_t *store =
            json_pack("{s:b,s:i}", "writable", ok, "percent_full", ok ? u.percent : -1);
        if (dir) json_object_set_new(store, "dir", json_string(dir));
        json_object_set_new(checks, "store", store);
        if (!ok)
            json_array_append_new(problems, json_sprintf("the store%s%s cannot be written "
                                                         "(its last commit failed)",
                                                         dir ? " at " : "", dir ? dir : ""));
    }
    /* a matcher answers for every site: a status query for an id no request has */
    const char *sites[EO_SITE_MAX];
    size_t n = eo_gateway_sites(req->gateway, sites, EO_SITE_MAX);
    bool answered[EO_SITE_MAX];
    Eo__StatusQuery q = EO__STATUS_QUERY__INIT;
    q.request_id = "ready-probe";
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = "ready-probe";
    ev.body_case = EO__EVENT__BODY_STATUS_QUERY;
    ev.status_query = &q;
    size_t size;
    uint8_t *body = eo_event_encode(&ev, &size);
    json_t *matchers = json_object();
    if (!body || eo_gateway_probe(req->gateway, "match", sites, n, body, size,
                                  S_READY_TIMEOUT_MS, answered))
        json_array_append_new(problems, json_string("cannot reach the broker"));
    else
        for (size_t i = 0; i < n; i++) {
            json_object_set_new(matchers, sites[i], json_boolean(answered[i]));
            if (!answered[i])
                json_array_append_new(problems,
                                      json_sprintf("no matcher answers for %s", sites[i]));
        }
    free(body);
    json_object_set_new(checks, "matchers", matchers);
    /* data that runs out: a warning, not a reason to take the server out of service */
    json_t *warnings = json_array();
    eo_calendar_t *cal = eo_gateway_calendar(req->gateway);
    int left, warn = eo_calendar_warn_days(args->config);
    char msg[1200], end[16];
    eo_calendar_refresh(cal);
    if (eo_calendar_ends_soon(cal, eo_clock_now(args->clock), warn, &left, msg, sizeof msg))
        json_array_append_new(warnings, json_string(msg));
    int32_t e = eo_calendar_end(cal);
    snprintf(end, sizeof end, "%04d-%02d-%02d", e / 10000, e / 100 % 100, e % 100);
    json_object_set_new(checks, "calendar",
                        json_pack("{s:s,s:i}", "ends", end, "days_left", left));
    bool ready = json_array_size(problems) == 0;
    reply->status = ready ? 200 : 503;
    reply->json = json_pack("{s:s,s:o,s:o,s:o}", "status", ready ? "ready" : "not_ready",
                            "checks", checks, "problems", problems, "warnings", warnings);
}
