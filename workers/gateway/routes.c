/* routes.c: the route table. A path ending in '*' matches any rest of the path. */
#include <string.h>

#include "routes.h"

typedef struct {
    const char *method;
    const char *path;
    eo_route_fn fn;
} s_route_t;

static const s_route_t s_routes[] = {
    {"GET", "/v1/health", eo_api_health},
    {"POST", "/v1/requests", eo_api_request_create},
    {"GET", "/v1/requests/*", eo_api_request_get},
    {NULL, NULL, NULL},
};

static bool s_match(const char *pattern, const char *path)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return strncmp(pattern, path, n - 1) == 0 && path[n - 1] != '\0';
    return strcmp(pattern, path) == 0;
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
