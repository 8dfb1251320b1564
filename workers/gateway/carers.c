/* carers.c: the carers' routes (docs/api.md).
 *   GET  /v1/carers?site=&dong=&cursor=&limit=    a page of a site's carers
 *   POST /v1/carers                               a new carer (operators)
 *   GET  /v1/carers/{id}                          one carer
 *   PUT  /v1/carers/{id}/availability             the weekly hours
 *   PUT  /v1/carers/{id}/consent                  pool consent (offers by text)
 *   POST /v1/carers/{id}/deactivate               no more offers (operators)
 *   GET  /v1/carers/{id}/offers                   the carer's open offers and bookings
 * Every change is an Event to the matcher of the carer's site, which applies it in its
 * index and records it in the input log, so `eonjena replay` rebuilds it. A carer's app
 * and an operator see only the carers of their sites (another site's carer is 404). */
#include <string.h>

#include "ask.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_phone.h"
#include "intake.h"
#include "path.h"
#include "routes.h"

/* --- the carer a path names -------------------------------------------------------------- */

static uint32_t s_carer_id(const char *text)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    return *text && !*end && v > 0 && v <= UINT32_MAX && text[0] != '0' ? (uint32_t)v : 0;
}

json_t *eo_carer_find(eo_http_request_t *req, eo_http_reply_t *reply, uint32_t id, char *site,
                      size_t size)
{
    char any[EO_SITE_SLUG];
    json_t *carer =
        id ? eo_ask_any_site(req, reply, "carer", json_pack("{s:I}", "id", (json_int_t)id), any,
                             sizeof any)
           : NULL;
    const char *at = carer ? json_string_value(json_object_get(carer, "site")) : NULL;
    if (carer && at && eo_identity_serves(&req->who, at)) {
        snprintf(site, size, "%s", at);
        return carer;
    }
    bool elsewhere = carer != NULL; /* another site's carer: not the caller's to know */
    json_decref(carer);
    if (!id || elsewhere || reply->status == 404)
        eo_http_error(reply, 404, "unknown_carer", "없는 돌보미입니다", "no such carer");
    return NULL;
}

/* Send a carer event to the matcher of its site; 200 with the carer as it is now. */
static void s_carer_event(eo_http_request_t *req, eo_http_reply_t *reply, const char *site,
                          uint32_t id, Eo__Event *event, int status)
{
    char key[128];
    event->id = (char *)eo_ask_action_key(req, key, sizeof key);
    Eo__Event *back = eo_ask_matcher(req, reply, site, event);
    if (!back || eo_ask_refused(back, reply)) {
        eo_event_free(&back);
        return;
    }
    eo_event_free(&back);
    json_t *carer =
        eo_ask_query(req, reply, site, "carer", json_pack("{s:I}", "id", (json_int_t)id));
    if (!carer) return;
    reply->status = status;
    reply->json = carer;
}

/* --- availability as windows ------------------------------------------------------------- */

static int s_day(const char *name)
{
    static const char *days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (int d = 0; name && d < 7; d++)
        if (streq(days[d], name)) return d;
    return -1;
}

/* "18:30" -> half-hour slot of the day (0..48, 24:00 allowed); -1 if not on the grid. */
static int s_slot(const char *text)
{
    int h, m;
    char extra;
    if (!text || sscanf(text, "%d:%d%c", &h, &m, &extra) != 2 || (m != 0 && m != 30) || h < 0 ||
        h > 24 || (h == 24 && m))
        return -1;
    return h * 2 + m / 30;
}

static const eo_field_t s_window[] = {{"day", EO_JSON_STRING, true},
                                      {"from", EO_JSON_STRING, true},
                                      {"to", EO_JSON_STRING, true},
                                      {NULL}};

/* A week of windows into the 42-byte slot mask; every bad window is a problem. */
static void s_availability(json_t *list, uint8_t *avail, eo_problems_t *p)
{
    memset(avail, 0, EO_WEEK_SLOTS / 8);
    size_t i;
    json_t *w;
    json_array_foreach(list, i, w)
    {
        char field[48];
        snprintf(field, sizeof field, "availability[%zu]", i);
        if (eo_problems_has(p, field)) continue;
        const char *day = eo_body_str(w, "day"), *from = eo_body_str(w, "from"),
                   *to = eo_body_str(w, "to");
        int d = s_day(day), a = s_slot(from), b = s_slot(to);
        if (d < 0)
            eo_problems_add(p, "bad_field", field, "요일은 mon-sun 중 하나입니다",
                            "day must be one of mon..sun", day);
        else if (a < 0 || b < 0 || b <= a)
            eo_problems_add(p, "bad_field", field,
                            "시간은 30분 단위 HH:MM이고 from이 to보다 빨라야 합니다",
                            "from and to must be HH:MM on the half hour, from before to",
                            a < 0 ? from : to);
        else
            for (int s = a; s < b; s++)
                eo_avail_set(avail, d * 48 + s, true);
    }
}

/* --- GET /v1/carers ------------------------------------------------------------------- */

static const char *const s_list_args[] = {"site", "dong", "cursor", "limit", NULL};

void eo_api_carers_list(eo_http_request_t *req, eo_http_reply_t *reply)
{
    eo_problems_t p = {0};
    eo_query_args_check(req, s_list_args, &p);
    const eo_dongs_t *dongs = eo_gateway_args(req->gateway)->dongs;
    const char *site = eo_gateway_query_arg(req, "site"),
               *dong = eo_gateway_query_arg(req, "dong");
    const char *cursor = eo_gateway_query_arg(req, "cursor");
    const char *limit = eo_gateway_query_arg(req, "limit");
    if (!site)
        eo_problems_add(&p, "missing_field", "site", "site가 필요합니다", "site is required",
                        NULL);
    else if (eo_dongs_site_find(dongs, site) < 0)
        eo_problems_add(&p, "unknown_site", "site", "서비스 지역이 아닙니다", "unknown site",
                        site);
    const eo_dong_t *d = dong ? eo_dongs_find(dongs, eo_dong_code_parse(dong)) : NULL;
    if (dong && (!d || (site && d->site != eo_dongs_site_find(dongs, site))))
        eo_problems_add(&p, "unknown_dong", "dong", "이 지역의 행정동이 아닙니다",
                        "not a dong of the site", dong);
    if (cursor && !s_carer_id(cursor))
        eo_problems_add(&p, "bad_field", "cursor", "cursor가 잘못되었습니다", "bad cursor",
                        cursor);
    if (limit && (atoi(limit) < 1 || atoi(limit) > 50))
        eo_problems_add(&p, "bad_field", "limit", "limit은 1-50입니다", "limit must be 1-50",
                        limit);
    if (p.n) {
        eo_http_problems(reply, 400, &p);
        return;
    }
    if (!eo_identity_serves(&req->who, site)) {
        eo_http_error_field(reply, 403, "forbidden_site",
                            "이 지역의 돌보미를 볼 권한이 없습니다",
                            "this credential does not serve the site", "site");
        return;
    }
    json_t *args = json_pack("{s:s}", "site", site);
    if (dong) json_object_set_new(args, "dong", json_string(dong));
    if (cursor) json_object_set_new(args, "cursor", json_integer(s_carer_id(cursor)));
    if (limit) json_object_set_new(args, "limit", json_integer(atoi(limit)));
    json_t *page = eo_ask_query(req, reply, site, "carers", args);
    if (!page) return;
    json_t *next = json_object_get(page, "next"); /* the cursor is text, like every cursor */
    if (json_is_integer(next))
        json_object_set_new(page, "next",
                            json_sprintf("%lld", (long long)json_integer_value(next)));
    reply->status = 200;
    reply->json = page;
}

/* --- POST /v1/carers ------------------------------------------------------------------ */

static const eo_field_t s_new_carer[] = {
    {"id", EO_JSON_INTEGER, true},   {"site", EO_JSON_STRING, true},
    {"kind", EO_JSON_STRING},        {"name", EO_JSON_STRING, true},
    {"phone", EO_JSON_STRING, true}, {"home_dong", EO_JSON_CODE, true},
    {"dongs", EO_JSON_ARRAY},        {"pool", EO_JSON_BOOL},
    {"night_ok", EO_JSON_BOOL},      {"availability", EO_JSON_ARRAY, false, s_window},
    {"check_until", EO_JSON_STRING}, {"training_until", EO_JSON_STRING},
    {"providers", EO_JSON_ARRAY},    {NULL}};

static uint32_t s_code(json_t *v)
{
    char text[24] = "";
    if (json_is_string(v)) snprintf(text, sizeof text, "%.20s", json_string_value(v));
    if (json_is_integer(v))
        snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
    return eo_dong_code_parse(text);
}

static int32_t s_date(json_t *body, const char *name, eo_problems_t *p)
{
    const char *text = eo_body_str(body, name);
    int32_t key = 0;
    if (text && eo_date_parse(text, &key))
        eo_problems_add(p, "bad_field", name, "날짜 형식이 잘못되었습니다 (YYYY-MM-DD)",
                        "must be a date YYYY-MM-DD", text);
    return key;
}

/* The body as a carer record; problems for each bad value. */
static void s_new_record(json_t *body, eo_carer_t *c, eo_problems_t *p)
{
    memset(c, 0, sizeof *c);
    json_int_t id = json_integer_value(json_object_get(body, "id"));
    if (id <= 0 || id > UINT32_MAX) {
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)id);
        eo_problems_add(p, "bad_field", "id", "돌보미 ID는 1 이상의 정수입니다",
                        "id must be a whole number from 1", v);
    }
    c->id = (uint32_t)id;
    snprintf(c->site, sizeof c->site, "%s", eo_body_str(body, "site"));
    const char *kind = eo_body_str(body, "kind");
    c->kind = !kind || streq(kind, "visit") ? EO_CARER_VISIT
              : streq(kind, "facility")     ? EO_CARER_FACILITY
              : streq(kind, "invited")      ? EO_CARER_INVITED
                                            : 0;
    if (!c->kind)
        eo_problems_add(p, "bad_field", "kind", "종류는 visit, facility, invited 중 하나입니다",
                        "kind must be visit, facility or invited", kind);
    snprintf(c->name, sizeof c->name, "%s", eo_body_str(body, "name"));
    const char *phone = eo_body_str(body, "phone");
    if (eo_phone_normalise(phone, c->phone, sizeof c->phone))
        eo_problems_add(p, "bad_phone", "phone", "휴대전화 번호가 아닙니다",
                        "not a Korean mobile number", phone);
    c->home_dong = s_code(json_object_get(body, "home_dong"));
    json_t *dongs = json_object_get(body, "dongs"), *v;
    size_t i;
    json_array_foreach(dongs, i, v)
    {
        if (c->n_dongs < EO_CARER_MAX_DONGS) c->dongs[c->n_dongs++] = s_code(v);
    }
    if (json_array_size(dongs) > EO_CARER_MAX_DONGS)
        eo_problems_add(p, "bad_field", "dongs", "선호 행정동은 8개까지입니다",
                        "at most 8 preferred dongs", NULL);
    if (!c->n_dongs) c->dongs[c->n_dongs++] = c->home_dong;
    c->pool = !json_is_false(json_object_get(body, "pool"));
    c->night_ok = json_is_true(json_object_get(body, "night_ok"));
    c->active = true;
    s_availability(json_object_get(body, "availability"), c->avail, p);
    c->check_until = s_date(body, "check_until", p);
    c->training_until = s_date(body, "training_until", p);
    json_t *providers = json_object_get(body, "providers");
    json_array_foreach(providers, i, v)
    {
        if (c->n_providers < EO_CARER_MAX_PROVIDERS && json_is_integer(v))
            c->providers[c->n_providers++] = (uint16_t)json_integer_value(v);
    }
}

void eo_api_carers_create(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = eo_http_body(req, reply, s_new_carer);
    if (!body) return;
    eo_problems_t p = {0};
    eo_carer_t c;
    s_new_record(body, &c, &p);
    json_decref(body);
    char why[160] = "";
    if (p.n == 0 &&
        eo_carer_validate(&c, eo_gateway_args(req->gateway)->dongs, why, sizeof why))
        eo_problems_add(&p, "bad_carer", NULL, "돌보미 정보가 잘못되었습니다",
                        "the carer record is not valid", why);
    if (p.n) {
        eo_http_problems(reply, 400, &p);
        return;
    }
    if (!eo_identity_serves(&req->who, c.site)) {
        eo_http_error_field(reply, 403, "forbidden_site",
                            "이 지역의 돌보미를 등록할 권한이 없습니다",
                            "this credential does not serve the carer's site", "site");
        return;
    }
    Eo__CarerUpsert u = EO__CARER_UPSERT__INIT;
    u.id = c.id;
    u.site = c.site;
    u.kind = c.kind;
    u.pool = c.pool;
    u.active = true;
    u.night_ok = c.night_ok;
    u.home_dong = c.home_dong;
    u.n_dongs = c.n_dongs;
    u.dongs = c.dongs;
    u.phone = c.phone;
    u.name = c.name;
    u.availability = (ProtobufCBinaryData){sizeof c.avail, c.avail};
    u.check_until = c.check_until;
    u.training_until = c.training_until;
    uint32_t providers[EO_CARER_MAX_PROVIDERS];
    for (int i = 0; i < c.n_providers; i++)
        providers[i] = c.providers[i];
    u.n_providers = c.n_providers;
    u.providers = providers;
    u.create = true;
    Eo__Event event = EO__EVENT__INIT;
    event.body_case = EO__EVENT__BODY_CARER_UPSERT;
    event.carer_upsert = &u;
    s_carer_event(req, reply, c.site, c.id, &event, 201);
    if (reply->status == 201) {
        char location[64];
        snprintf(location, sizeof location, "/v1/carers/%u", c.id);
        eo_http_header(reply, "Location", location);
    }
}

/* --- changes to a carer --------------------------------------------------------------------
 */

/* The carer of the path, in the caller's sites; NULL after a 404. */
static json_t *s_path_carer(eo_http_request_t *req, eo_http_reply_t *reply, uint32_t *id,
                            char *site, size_t size)
{
    *id = s_carer_id(eo_path_segment(req->path, 2));
    return eo_carer_find(req, reply, *id, site, size);
}

static const eo_field_t s_avail_body[] = {{"availability", EO_JSON_ARRAY, true, s_window},
                                          {NULL}};

void eo_api_carer_availability(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = eo_http_body(req, reply, s_avail_body);
    if (!body) return;
    eo_problems_t p = {0};
    uint8_t avail[EO_WEEK_SLOTS / 8];
    s_availability(json_object_get(body, "availability"), avail, &p);
    json_decref(body);
    if (p.n) {
        eo_http_problems(reply, 400, &p);
        return;
    }
    uint32_t id;
    char site[EO_SITE_SLUG];
    json_t *carer = s_path_carer(req, reply, &id, site, sizeof site);
    if (!carer) return;
    json_decref(carer);
    Eo__CarerAvailability a = EO__CARER_AVAILABILITY__INIT;
    a.id = id;
    a.availability = (ProtobufCBinaryData){sizeof avail, avail};
    Eo__Event event = EO__EVENT__INIT;
    event.body_case = EO__EVENT__BODY_CARER_AVAILABILITY;
    event.carer_availability = &a;
    s_carer_event(req, reply, site, id, &event, 200);
}

static const eo_field_t s_consent_body[] = {{"pool", EO_JSON_BOOL, true}, {NULL}};

void eo_api_carer_consent(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = eo_http_body(req, reply, s_consent_body);
    if (!body) return;
    bool pool = json_is_true(json_object_get(body, "pool"));
    json_decref(body);
    uint32_t id;
    char site[EO_SITE_SLUG];
    json_t *carer = s_path_carer(req, reply, &id, site, sizeof site);
    if (!carer) return;
    json_decref(carer);
    Eo__CarerConsent c = EO__CARER_CONSENT__INIT;
    c.carer_id = id;
    c.pool = pool;
    c.at = eo_clock_now(eo_gateway_args(req->gateway)->clock);
    Eo__Event event = EO__EVENT__INIT;
    event.body_case = EO__EVENT__BODY_CARER_CONSENT;
    event.carer_consent = &c;
    s_carer_event(req, reply, site, id, &event, 200);
}

static const eo_field_t s_deactivate_body[] = {{"reason", EO_JSON_STRING}, {NULL}};

void eo_api_carer_deactivate(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = *req->body ? eo_http_body(req, reply, s_deactivate_body) : json_object();
    if (!body) return;
    json_decref(body);
    uint32_t id;
    char site[EO_SITE_SLUG];
    json_t *carer = s_path_carer(req, reply, &id, site, sizeof site);
    if (!carer) return;
    json_decref(carer);
    Eo__CarerDeactivate d = EO__CARER_DEACTIVATE__INIT;
    d.id = id;
    Eo__Event event = EO__EVENT__INIT;
    event.body_case = EO__EVENT__BODY_CARER_DEACTIVATE;
    event.carer_deactivate = &d;
    s_carer_event(req, reply, site, id, &event, 200);
}

void eo_api_carer_get(eo_http_request_t *req, eo_http_reply_t *reply)
{
    uint32_t id;
    char site[EO_SITE_SLUG];
    json_t *carer = s_path_carer(req, reply, &id, site, sizeof site);
    if (!carer) return;
    reply->status = 200;
    reply->json = carer;
}

void eo_api_carer_offers(eo_http_request_t *req, eo_http_reply_t *reply)
{
    uint32_t id;
    char site[EO_SITE_SLUG];
    json_t *carer = s_path_carer(req, reply, &id, site, sizeof site);
    if (!carer) return;
    json_decref(carer);
    json_t *offers = eo_ask_query(req, reply, site, "carer_offers",
                                  json_pack("{s:I}", "id", (json_int_t)id));
    if (!offers) return;
    reply->status = 200;
    reply->json = offers;
}
