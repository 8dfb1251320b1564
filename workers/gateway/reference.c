/* reference.c: the reference data a client needs to build a request (docs/api.md).
 *   GET /v1/sites                 the sites (시군): slug, Korean name, services, 동 count,
 *                                 its providers (id, name, whether it pulls its queue)
 *   GET /v1/dongs?site=[&q=]      a site's 행정동: code, name, 시군구; q keeps the names
 *                                 that contain it (the console's 동 picker)
 * Public like the quote: nothing here is about a person. */
#include <string.h>

#include "eonjena/eo_provider.h"
#include "path.h"
#include "routes.h"

static json_t *s_services(unsigned bits)
{
    json_t *list = json_array();
    if (bits & EO_SERVICE_VISIT) json_array_append_new(list, json_string("visit"));
    if (bits & EO_SERVICE_FACILITY) json_array_append_new(list, json_string("facility"));
    return list;
}

/* The providers of one site: id, name and whether it pulls its hand-off queue (only
 * those have one to show). Contacts, webhook addresses and secrets stay on the server. */
static json_t *s_providers(const eo_providers_t *providers, const char *site)
{
    json_t *list = json_array();
    for (size_t i = 0; providers && i < eo_providers_count(providers); i++) {
        const eo_provider_t *p = eo_providers_at(providers, i);
        if (!streq(p->site, site)) continue;
        json_array_append_new(list, json_pack("{s:s,s:s,s:b}", "id", p->id, "name",
                                              p->name ? p->name : p->id, "pull",
                                              p->mode == EO_DELIVERY_PULL));
    }
    return list;
}

void eo_api_sites(eo_http_request_t *req, eo_http_reply_t *reply)
{
    const eo_dongs_t *dongs = eo_gateway_args(req->gateway)->dongs;
    const eo_providers_t *providers = eo_gateway_providers(req->gateway);
    eo_problems_t p = {0};
    static const char *const none[] = {NULL};
    eo_query_args_check(req, none, &p);
    if (p.n) {
        eo_http_problems(reply, 400, &p);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < eo_dongs_site_count(dongs); i++) {
        const eo_site_t *s = eo_dongs_site(dongs, (int)i);
        json_array_append_new(items, json_pack("{s:s,s:s,s:o,s:i,s:o}", "slug", s->slug, "name",
                                               s->name, "services", s_services(s->services),
                                               "dongs", (json_int_t)s->n_dongs, "providers",
                                               s_providers(providers, s->slug)));
    }
    reply->status = 200;
    reply->json = json_pack("{s:o}", "items", items);
}

static const char *const s_dong_args[] = {"site", "q", NULL};

void eo_api_dongs(eo_http_request_t *req, eo_http_reply_t *reply)
{
    const eo_dongs_t *dongs = eo_gateway_args(req->gateway)->dongs;
    eo_problems_t p = {0};
    eo_query_args_check(req, s_dong_args, &p);
    const char *site = eo_gateway_query_arg(req, "site"), *q = eo_gateway_query_arg(req, "q");
    int at = site ? eo_dongs_site_find(dongs, site) : -1;
    if (!site)
        eo_problems_add(&p, "missing_field", "site", "site가 필요합니다", "site is required",
                        NULL);
    else if (at < 0)
        eo_problems_add(&p, "unknown_site", "site", "서비스 지역이 아닙니다", "unknown site",
                        site);
    if (p.n) {
        eo_http_problems(reply, 400, &p);
        return;
    }
    size_t n = 0;
    const eo_dong_t *const *list = eo_dongs_of_site(dongs, at, &n);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        const eo_dong_t *d = list[i];
        if (q && *q && !strstr(d->name, q)) continue;
        char code[16];
        snprintf(code, sizeof code, "%u", d->code);
        json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "code", code, "name", d->name,
                                               "sigungu", d->sigungu));
    }
    reply->status = 200;
    reply->json = json_pack("{s:s,s:o}", "site", site, "items", items);
}
