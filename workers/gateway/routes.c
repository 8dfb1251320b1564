/* routes.c: the route table: every route, who may call it (auth.h), its handler. A
 * path ending in '*' matches any rest of the path. The roles are the first gate; the
 * handler then checks the caller's scope (sites, provider, the requests it made). */
#include <string.h>

#include "auth.h"
#include "routes.h"

#define R(role) EO_ROLE_BIT(EO_ROLE_##role)

static const eo_http_route_t s_routes[] = {
    {"GET", "/v1/health", EO_PUBLIC | EO_ANY_CALLER, eo_api_health},
    {"GET", "/v1/ready", EO_PUBLIC | EO_ANY_CALLER, eo_api_ready},
    {"POST", "/v1/session", EO_PUBLIC | EO_ANY_CALLER, eo_api_session_login},
    {"DELETE", "/v1/session", EO_ANY_CALLER, eo_api_session_logout},
    {"POST", "/v1/requests", R(MEMBER_APP) | R(OPERATOR) | R(ADMIN), eo_api_request_create},
    {"GET", "/v1/requests", R(MEMBER_APP) | R(OPERATOR) | R(ADMIN), eo_api_request_list},
    {"GET", "/v1/requests/*", R(MEMBER_APP) | R(OPERATOR) | R(ADMIN), eo_api_request_get},
    {"POST", "/v1/requests/*/cancel", R(MEMBER_APP) | R(OPERATOR) | R(ADMIN),
     eo_api_request_cancel},
    {"GET", "/v1/requests/*/events", R(OPERATOR) | R(ADMIN), eo_api_request_events},
    {"POST", "/v1/requests/*/assign", R(OPERATOR) | R(ADMIN), eo_api_request_assign},
    {"POST", "/v1/requests/*/reoffer", R(OPERATOR) | R(ADMIN), eo_api_request_reoffer},
    {"POST", "/v1/requests/*/reschedule", R(OPERATOR) | R(ADMIN), eo_api_request_reschedule},
    {"POST", "/v1/requests/*/close", R(OPERATOR) | R(ADMIN), eo_api_request_close},
    {"GET", "/v1/carers", R(CARER_APP) | R(OPERATOR) | R(ADMIN), eo_api_carers_list},
    {"POST", "/v1/carers", R(OPERATOR) | R(ADMIN), eo_api_carers_create},
    {"GET", "/v1/carers/*", R(CARER_APP) | R(OPERATOR) | R(ADMIN), eo_api_carer_get},
    {"PUT", "/v1/carers/*/availability", R(CARER_APP) | R(OPERATOR) | R(ADMIN),
     eo_api_carer_availability},
    {"PUT", "/v1/carers/*/consent", R(CARER_APP) | R(OPERATOR) | R(ADMIN),
     eo_api_carer_consent},
    {"POST", "/v1/carers/*/deactivate", R(OPERATOR) | R(ADMIN), eo_api_carer_deactivate},
    {"GET", "/v1/carers/*/offers", R(CARER_APP) | R(OPERATOR) | R(ADMIN), eo_api_carer_offers},
    {"POST", "/v1/offers/*/accept", R(CARER_APP) | R(OPERATOR) | R(ADMIN), eo_api_offer_accept},
    {"POST", "/v1/offers/*/decline", R(CARER_APP) | R(OPERATOR) | R(ADMIN),
     eo_api_offer_decline},
    {"POST", "/v1/bookings/*/withdraw", R(CARER_APP) | R(OPERATOR) | R(ADMIN),
     eo_api_booking_withdraw},
    {"POST", "/v1/bookings/*/start", R(CARER_APP) | R(OPERATOR) | R(ADMIN),
     eo_api_booking_start},
    {"POST", "/v1/bookings/*/end", R(CARER_APP) | R(OPERATOR) | R(ADMIN), eo_api_booking_end},
    {"POST", "/v1/members", R(MEMBER_APP) | R(OPERATOR) | R(ADMIN), eo_api_members_create},
    {"GET", "/v1/members", R(OPERATOR) | R(ADMIN), eo_api_members_list},
    {"GET", "/v1/members/*", R(MEMBER_APP) | R(OPERATOR) | R(ADMIN), eo_api_member_get},
    {"POST", "/v1/members/*/verify", R(OPERATOR) | R(ADMIN), eo_api_member_verify},
    {"GET", "/v1/members/*/restrictions", R(MEMBER_APP) | R(OPERATOR) | R(ADMIN),
     eo_api_member_restrictions},
    {"POST", "/v1/members/*/restrictions", R(OPERATOR) | R(ADMIN), eo_api_member_restrict},
    {"POST", "/v1/requests/*/payment", R(MEMBER_APP) | R(OPERATOR) | R(ADMIN),
     eo_api_request_payment},
    {"GET", "/v1/quote", EO_PUBLIC | EO_ANY_CALLER, eo_api_quote},
    {"GET", "/v1/sites", EO_PUBLIC | EO_ANY_CALLER, eo_api_sites},
    {"GET", "/metrics", EO_SCRAPER | R(ADMIN), eo_api_metrics},
    {"GET", "/v1/dongs", EO_PUBLIC | EO_ANY_CALLER, eo_api_dongs},
    {"GET", "/v1/holidays", EO_PUBLIC | EO_ANY_CALLER, eo_api_holidays_list},
    {"POST", "/v1/holidays", R(ADMIN), eo_api_holidays_add},
    {"DELETE", "/v1/holidays/*", R(ADMIN), eo_api_holidays_remove},
    {"GET", "/v1/providers/*/handoffs", R(PROVIDER) | R(OPERATOR) | R(ADMIN),
     eo_api_handoffs_list},
    {"POST", "/v1/providers/*/handoffs/*/ack", R(PROVIDER) | R(OPERATOR) | R(ADMIN),
     eo_api_handoffs_ack},
    {"GET", "/v1/events", R(MEMBER_APP) | R(CARER_APP) | R(OPERATOR) | R(ADMIN), eo_api_events},
    {"POST", "/v1/webhooks", R(MEMBER_APP) | R(CARER_APP) | R(OPERATOR) | R(ADMIN),
     eo_api_webhooks_put},
    {"GET", "/v1/webhooks", R(MEMBER_APP) | R(CARER_APP) | R(OPERATOR) | R(ADMIN),
     eo_api_webhooks_get},
    {"DELETE", "/v1/webhooks", R(MEMBER_APP) | R(CARER_APP) | R(OPERATOR) | R(ADMIN),
     eo_api_webhooks_delete},
    {"GET", "/console", EO_PUBLIC | EO_ANY_CALLER, eo_api_console},
    {"GET", "/console/*", EO_PUBLIC | EO_ANY_CALLER, eo_api_console},
    {NULL, NULL, 0, NULL},
};

const eo_http_route_t *eo_routes_table(void)
{
    return s_routes;
}

/* A '*' matches one whole path segment: one or more characters other than '/'. The
 * router matches whole paths, so the pattern of /v1/requests/{id} never answers for
 * /v1/requests/x/cancel. */
static bool s_match(const char *pattern, const char *path)
{
    for (; *pattern; pattern++, path++) {
        if (*pattern != '*') {
            if (*pattern != *path) return false;
            continue;
        }
        if (!*path || *path == '/') return false;
        while (path[1] && path[1] != '/')
            path++;
    }
    return *path == '\0';
}

/* A browser sends a console session's cookie until told otherwise, also after the
 * session ended (expired, or the gateway restarted: sessions live in memory). Such a
 * cookie is refused like any bad credential, and the answer tells the browser to drop
 * it; on a public route (the console's page, the login) it is no credential at all, so
 * that the operator can load the page and log in again. A refused credential without
 * an Authorization header can only be that cookie (auth.c). */
static bool s_stale_session(eo_http_request_t *req, eo_http_reply_t *reply)
{
    if (!req->bad_credentials || eo_gateway_header(req, "Authorization")) return false;
    eo_http_header(reply, "Set-Cookie",
                   "eo_session=; Path=/; Max-Age=0; HttpOnly; "
                   "SameSite=Strict");
    req->bad_credentials = false;
    return true;
}

/* The first gate: the caller's role. A credential that was refused is 401 even on a
 * public route (the caller must learn that their key is wrong); no credential where one
 * is needed is 401; the wrong role is 403. The metrics token opens only the routes
 * marked EO_SCRAPER. */
static bool s_allowed(const eo_http_route_t *r, eo_http_request_t *req, eo_http_reply_t *reply)
{
    if (s_stale_session(req, reply) && (r->roles & EO_PUBLIC)) return true;
    if (req->scraper && (r->roles & (EO_SCRAPER | EO_PUBLIC))) return true;
    if (req->bad_credentials || (!(r->roles & EO_ROLE_BIT(req->who.role)) &&
                                 req->who.role == EO_ROLE_NONE && !req->scraper)) {
        eo_http_error(reply, 401, "unauthenticated", "인증이 필요합니다",
                      req->bad_credentials ? "the credential is wrong, unknown or revoked"
                                           : "this route needs a credential "
                                             "(Authorization: Bearer <key>, or a session)");
        eo_http_header(reply, "WWW-Authenticate", "Bearer realm=\"eonjena\"");
        return false;
    }
    if (!(r->roles & EO_ROLE_BIT(req->who.role)) || req->scraper) {
        eo_http_error(reply, 403, "forbidden", "권한이 없습니다",
                      "this credential's role may not use this route");
        return false;
    }
    return true;
}

bool eo_routes_allow(const char *path, char *allow, size_t size)
{
    size_t n = 0;
    allow[0] = 0;
    for (const eo_http_route_t *r = s_routes; r->method; r++)
        if (s_match(r->path, path) && !strstr(allow, r->method))
            n += (size_t)snprintf(allow + n, n < size ? size - n : 0, "%s%s", n ? ", " : "",
                                  r->method);
    return n > 0;
}

void eo_routes_dispatch(eo_http_request_t *req, eo_http_reply_t *reply)
{
    const char *pattern = NULL;
    for (const eo_http_route_t *r = s_routes; r->method; r++) {
        if (!s_match(r->path, req->path)) continue;
        pattern = r->path;
        if (strcmp(r->method, req->method) == 0) {
            req->route = r->path;
            if (s_allowed(r, req, reply)) r->fn(req, reply);
            return;
        }
    }
    req->route = pattern;
    char allow[96];
    if (pattern && eo_routes_allow(req->path, allow, sizeof allow)) {
        char en[160];
        snprintf(en, sizeof en, "%s is not allowed on this path (allowed: %s)", req->method,
                 allow);
        eo_http_error(reply, 405, "method_not_allowed", "허용되지 않는 메서드입니다", en);
        eo_http_header(reply, "Allow", allow);
    } else
        eo_http_error(reply, 404, "not_found", "없는 경로입니다", "no such path");
}
