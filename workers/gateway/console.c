/* console.c: the operators' console (docs/console.md).
 *   GET /console          the page
 *   GET /console/{file}   its scripts and style sheet
 * The page is public: it holds no data. Every call it makes for data carries the
 * operator's session cookie and goes through the same route table and scope checks as
 * any other caller's. Its files are compiled in, so a URL never names a path on disk.
 * They carry a Content-Security-Policy that allows this origin only: no inline script or
 * style, no other host, no plug-ins, no framing (a page in someone else's frame could
 * be clicked through by trickery). */
#include <string.h>

#include "console.h"
#include "routes.h"

#define S_PREFIX "/console/"

static const char s_csp[] = "default-src 'self'; object-src 'none'; base-uri 'none'; "
                            "form-action 'self'; frame-ancestors 'none'";

const eo_console_asset_t *eo_console_asset(const char *name)
{
    for (const eo_console_asset_t *a = eo_console_assets; a->name; a++)
        if (streq(a->name, name)) return a;
    return NULL;
}

void eo_api_console(eo_http_request_t *req, eo_http_reply_t *reply)
{
    const char *name = streq(req->path, "/console") ? "index.html"
                       : strncmp(req->path, S_PREFIX, strlen(S_PREFIX)) == 0
                           ? req->path + strlen(S_PREFIX)
                           : "";
    const eo_console_asset_t *a = eo_console_asset(name);
    if (!a || !(reply->text = strndup(a->data, a->size))) {
        eo_http_error(reply, a ? 500 : 404, a ? "no_memory" : "not_found",
                      a ? "메모리가 부족합니다" : "없는 경로입니다",
                      a ? "out of memory" : "no such file in the console");
        return;
    }
    reply->status = 200;
    reply->content_type = a->type;
    eo_http_header(reply, "Content-Security-Policy", s_csp);
    eo_http_header(reply, "X-Content-Type-Options", "nosniff");
    eo_http_header(reply, "Referrer-Policy", "no-referrer");
    eo_http_header(reply, "X-Frame-Options", "DENY");
}
