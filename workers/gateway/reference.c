/* reference.c: the reference tables a client needs to fill a request in, public because
 * they hold nothing personal (the console's 동 picker and site list use them):
 *   GET /v1/sites              every site: slug, Korean name, services, its providers
 *   GET /v1/dongs?site=SLUG    the site's 행정동: code, name, 시군구 */
#include <string.h>

#include "eonjena/eo_dong.h"
#include "eonjena/eo_provider.h"
#include "routes.h"

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
    json_t *sites = json_array();
    for (size_t i = 0; i < eo_dongs_site_count(dongs); i++) {
        const eo_site_t *s = eo_dongs_site(dongs, (int)i);
        json_t *services = json_array();
        if (s->services & EO_SERVICE_VISIT)
            json_array_append_new(services, json_string("visit"));
        if (s->services & EO_SERVICE_FACILITY)
            json_array_append_new(services, json_string("facility"));
        json_array_append_new(sites,
                              json_pack("{s:s,s:s,s:o,s:i,s:o}", "slug", s->slug, "name",
                                        s->name, "services", services, "dongs", (int)s->n_dongs,
                                        "providers", s_providers(providers, s->slug)));
    }
    reply->status = 200;
    reply->json = json_pack("{s:o}", "sites", sites);
}

void eo_api_dongs(eo_http_request_t *req, eo_http_reply_t *reply)
{
    const eo_dongs_t *dongs = eo_gateway_args(req->gateway)->dongs;
    const char *slug = eo_gateway_query_arg(req, "site");
    int site = slug ? eo_dongs_site_find(dongs, slug) : -1;
    if (site < 0) {
        eo_http_error(reply, 400, "unknown_site", "없는 지역입니다",
                      "site= must name a site of GET /v1/sites");
        return;
    }
    size_t n;
    const eo_dong_t *const *list = eo_dongs_of_site(dongs, site, &n);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        char code[16];
        snprintf(code, sizeof code, "%u", list[i]->code);
        json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "code", code, "name",
                                               list[i]->name, "sigungu", list[i]->sigungu));
    }
    reply->status = 200;
    reply->json = json_pack("{s:s,s:o}", "site", slug, "dongs", items);
}
