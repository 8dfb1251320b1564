/* routes.c: the route table. A path ending in '*' matches any rest of the path. */
#include <string.h>

#include "routes.h"

typedef struct {
    const char *method; /* a path may have several routes, one per method */
    const char *path;
    eo_route_fn fn;
} s_route_t;

static const s_route_t s_routes[] = {
    {"GET", "/v1/health", eo_api_health},
    {"GET", "/v1/ready", eo_api_ready},
    {"POST", "/v1/requests", eo_api_request_create},
    {"GET", "/v1/requests/*", eo_api_request_get},
    {"GET", "/v1/quote", eo_api_quote},
    {"GET", "/v1/holidays", eo_api_holidays_list},
    {"POST", "/v1/holidays", eo_api_holidays_add},
    {"DELETE", "/v1/holidays/*", eo_api_holidays_remove},
    {"GET", "/v1/providers/*/handoffs", eo_api_handoffs_list},
    {"POST", "/v1/providers/*/handoffs/*/ack", eo_api_handoffs_ack},
    {NULL, NULL, NULL},
};

/* A '*' matches one or more characters other than '/' when more pattern follows it,
 * and any non-empty rest of the path when it ends the pattern. */
static bool s_match(const char *pattern, const char *path)
{
    for (; *pattern; pattern++, path++) {
        if (*pattern != '*') {
            if (*pattern != *path)
                return false;
            continue;
        }
        if (!*path || *path == '/')
            return false;
        if (!pattern[1])
            return true;
        while (path[1] && path[1] != '/')
            path++;
    }
    return *path == '\0';
}

void eo_routes_dispatch(eo_http_request_t *req, eo_http_reply_t *reply)
{
    bool path_known = false;
    for (const s_route_t *r = s_routes; r->method; r++) {
        if (!s_match(r->path, req->path))
            continue;
        path_known = true;
        if (strcmp(r->method, req->method) == 0) {
            r->fn(req, reply);
            return;
        }
    }
    if (path_known)
        eo_http_error(reply, 405, "method_not_allowed", "허용되지 않는 메서드입니다",
                      "method not allowed on this path");
    else
        eo_http_error(reply, 404, "not_found", "없는 경로입니다", "no such path");
}
