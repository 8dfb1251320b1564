/* members.c: members and their children (docs/api.md).
 *   POST /v1/members                          register (or update) a member and children
 *   GET  /v1/members?site=&phone=             an operator looks a caller up
 *   GET  /v1/members/{id}                     one member
 *   POST /v1/members/{id}/verify              an operator checked them (정회원)
 *   GET  /v1/members/{id}/restrictions        their use restrictions (이용제한)
 *   POST /v1/members/{id}/restrictions        an operator restricts them
 * A registered member's stored data is what intake trusts (verified, phone, a child's
 * age and registration), not the flags of each request. A member's app sees and changes
 * only the members it registered; operators those of their sites. */
#include <string.h>

#include "ask.h"
#include "eonjena/eo_phone.h"
#include "path.h"
#include "routes.h"

static const eo_field_t s_child[] = {{"id", EO_JSON_STRING, true},
                                     {"first_name", EO_JSON_STRING, true},
                                     {"birth_date", EO_JSON_STRING},
                                     {"registered", EO_JSON_BOOL},
                                     {NULL}};
static const eo_field_t s_member[] = {{"id", EO_JSON_STRING, true},
                                      {"site", EO_JSON_STRING, true},
                                      {"phone", EO_JSON_STRING, true},
                                      {"name", EO_JSON_STRING},
                                      {"children", EO_JSON_ARRAY, false, s_child},
                                      {NULL}};

static bool s_operator(const eo_http_request_t *req)
{
    return req->who.role == EO_ROLE_OPERATOR || req->who.role == EO_ROLE_ADMIN;
}

static bool s_member_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n < 64 && !strchr(id, ':');
}

/* The member of the path, if the caller may see it; NULL after a 404. */
static json_t *s_find(eo_http_request_t *req, eo_http_reply_t *reply, const char *id,
                      char *site, size_t size)
{
    char any[EO_SITE_SLUG];
    json_t *m = s_member_id_ok(id)
                    ? eo_ask_any_site(req, reply, "member", json_pack("{s:s}", "id", id), any,
                                      sizeof any)
                    : NULL;
    const char *at = m ? json_string_value(json_object_get(m, "site")) : NULL;
    const char *owner = m ? json_string_value(json_object_get(m, "owner")) : NULL;
    bool mine = at && eo_identity_serves(&req->who, at) &&
                (s_operator(req) || (owner && streq(owner, req->who.id)));
    if (mine) {
        snprintf(site, size, "%s", at);
        return m;
    }
    bool elsewhere = m != NULL;
    json_decref(m);
    if (!s_member_id_ok(id) || elsewhere || reply->status == 404)
        eo_http_error(reply, 404, "unknown_member", "등록되지 않은 회원입니다",
                      "no such member");
    return NULL;
}

/* Send a member input to the matcher of site; answer with the member (without owner). */
static void s_send(eo_http_request_t *req, eo_http_reply_t *reply, const char *site,
                   Eo__Event *event, int status)
{
    Eo__Event *back = eo_ask_matcher(req, reply, site, event);
    if (!back || eo_ask_refused(back, reply)) {
        eo_event_free(&back);
        return;
    }
    json_t *m = back->body_case == EO__EVENT__BODY_QUERY_RESULT
                    ? json_loads(back->query_result->json, 0, NULL)
                    : NULL;
    eo_event_free(&back);
    if (!m) {
        eo_http_error(reply, 502, "bad_reply", "서버 응답이 잘못되었습니다",
                      "the matcher's answer is not a member");
        return;
    }
    json_object_del(m, "owner");
    reply->status = status;
    reply->json = m;
}

/* --- POST /v1/members ------------------------------------------------------------------ */

static void s_children(eo_http_request_t *req, json_t *list, Eo__Child *children,
                       Eo__Child **ptrs, eo_problems_t *p)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        char field[48];
        Eo__Child *ch = &children[i];
        eo__child__init(ch);
        ptrs[i] = ch;
        ch->id = (char *)eo_body_str(c, "id");
        ch->first_name = (char *)eo_body_str(c, "first_name");
        ch->registered = !json_is_false(json_object_get(c, "registered"));
        const char *birth = eo_body_str(c, "birth_date");
        snprintf(field, sizeof field, "children[%zu].birth_date", i);
        if (birth && eo_date_parse(birth, &ch->birth_date))
            eo_problems_add(p, "bad_field", field, "날짜 형식이 잘못되었습니다 (YYYY-MM-DD)",
                            "must be a date YYYY-MM-DD", birth);
        snprintf(field, sizeof field, "children[%zu].registered", i);
        /* whether a child is registered (주민등록) in a served site is an operator's check */
        if (json_object_get(c, "registered") && !s_operator(req))
            eo_problems_add(p, "forbidden_field", field, "아동 등록 여부는 운영자만 정합니다",
                            "only an operator sets whether a child is registered", NULL);
        snprintf(field, sizeof field, "children[%zu].id", i);
        if (ch->id && (!*ch->id || strlen(ch->id) >= 32))
            eo_problems_add(p, "bad_field", field, "아동 ID는 1-31바이트입니다",
                            "a child's id is 1-31 bytes", ch->id);
    }
}

void eo_api_members_create(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = eo_http_body(req, reply, s_member);
    if (!body) return;
    eo_problems_t p = {0};
    const char *id = eo_body_str(body, "id"), *site = eo_body_str(body, "site");
    const char *phone_text = eo_body_str(body, "phone");
    char phone[EO_PHONE_MAX];
    if (!s_member_id_ok(id))
        eo_problems_add(&p, "bad_field", "id", "회원 ID는 ':' 없는 1-63바이트입니다",
                        "id must be 1-63 bytes without ':'", id);
    if (eo_dongs_site_find(eo_gateway_args(req->gateway)->dongs, site) < 0)
        eo_problems_add(&p, "unknown_site", "site", "서비스 지역이 아닙니다", "unknown site",
                        site);
    if (eo_phone_normalise(phone_text, phone, sizeof phone))
        eo_problems_add(&p, "bad_phone", "phone", "휴대전화 번호가 아닙니다",
                        "not a Korean mobile number", phone_text);
    json_t *list = json_object_get(body, "children");
    size_t n = json_array_size(list);
    if (n > 8)
        eo_problems_add(&p, "bad_field", "children", "아동은 8명까지입니다",
                        "at most 8 children", NULL);
    Eo__Child children[8], *ptrs[8];
    if (n <= 8) s_children(req, list, children, ptrs, &p);
    if (!p.n && !eo_identity_serves(&req->who, site)) {
        eo_http_error_field(reply, 403, "forbidden_site",
                            "이 지역의 회원을 등록할 권한이 없습니다",
                            "this credential does not serve the site", "site");
        json_decref(body);
        return;
    }
    if (p.n) {
        eo_http_problems(reply, 400, &p);
        json_decref(body);
        return;
    }
    /* an update of a known member is the registering caller's, or an operator's */
    eo_http_reply_t probe = {0};
    json_t *old = eo_ask_query(req, &probe, site, "member", json_pack("{s:s}", "id", id));
    const char *owner = old ? json_string_value(json_object_get(old, "owner")) : NULL;
    bool exists = old != NULL, mine = s_operator(req) || (owner && streq(owner, req->who.id));
    json_decref(old);
    if (!exists && probe.status != 404) {
        *reply = probe; /* the matcher could not be asked */
        json_decref(body);
        return;
    }
    json_decref(probe.json);
    if (exists && !mine) {
        json_decref(body);
        eo_http_error_field(reply, 409, "member_exists", "이미 등록된 회원 ID입니다",
                            "a member with this id is registered by another caller", "id");
        return;
    }
    char by[96];
    eo_view_who(req, by, sizeof by);
    Eo__MemberUpsert u = EO__MEMBER_UPSERT__INIT;
    u.id = (char *)id;
    u.site = (char *)site;
    u.phone = phone;
    u.name = (char *)(eo_body_str(body, "name") ? eo_body_str(body, "name") : "");
    u.n_children = n;
    u.children = ptrs;
    u.owner = req->who.id;
    u.by = by;
    Eo__Event event = EO__EVENT__INIT;
    event.body_case = EO__EVENT__BODY_MEMBER_UPSERT;
    event.member_upsert = &u;
    s_send(req, reply, site, &event, exists ? 200 : 201);
    if (reply->status == 201) {
        char location[128];
        snprintf(location, sizeof location, "/v1/members/%s", id);
        eo_http_header(reply, "Location", location);
    }
    json_decref(body);
}

/* --- reads
 * ------------------------------------------------------------------------------------ */

static const char *const s_list_args[] = {"site", "phone", NULL};

void eo_api_members_list(eo_http_request_t *req, eo_http_reply_t *reply)
{
    eo_problems_t p = {0};
    eo_query_args_check(req, s_list_args, &p);
    const char *site = eo_gateway_query_arg(req, "site"),
               *text = eo_gateway_query_arg(req, "phone");
    char phone[EO_PHONE_MAX] = "";
    if (!site)
        eo_problems_add(&p, "missing_field", "site", "site가 필요합니다", "site is required",
                        NULL);
    else if (eo_dongs_site_find(eo_gateway_args(req->gateway)->dongs, site) < 0)
        eo_problems_add(&p, "unknown_site", "site", "서비스 지역이 아닙니다", "unknown site",
                        site);
    if (!text)
        eo_problems_add(&p, "missing_field", "phone", "phone이 필요합니다", "phone is required",
                        NULL);
    else if (eo_phone_normalise(text, phone, sizeof phone))
        eo_problems_add(&p, "bad_phone", "phone", "휴대전화 번호가 아닙니다",
                        "not a Korean mobile number", text);
    if (p.n) {
        eo_http_problems(reply, 400, &p);
        return;
    }
    if (!eo_identity_serves(&req->who, site)) {
        eo_http_error_field(reply, 403, "forbidden_site", "이 지역의 회원을 볼 권한이 없습니다",
                            "this credential does not serve the site", "site");
        return;
    }
    json_t *list = eo_ask_query(req, reply, site, "members",
                                json_pack("{s:s,s:s}", "site", site, "phone", phone));
    if (!list) return;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(list, "items"), i, m) json_object_del(m, "owner");
    reply->status = 200;
    reply->json = list;
}

void eo_api_member_get(eo_http_request_t *req, eo_http_reply_t *reply)
{
    char site[EO_SITE_SLUG];
    json_t *m = s_find(req, reply, eo_path_segment(req->path, 2), site, sizeof site);
    if (!m) return;
    json_object_del(m, "owner");
    reply->status = 200;
    reply->json = m;
}

void eo_api_member_restrictions(eo_http_request_t *req, eo_http_reply_t *reply)
{
    char site[EO_SITE_SLUG];
    json_t *m = s_find(req, reply, eo_path_segment(req->path, 2), site, sizeof site);
    if (!m) return;
    reply->status = 200;
    reply->json = json_pack("{s:O,s:O,s:O}", "member_id", json_object_get(m, "id"),
                            "restrictions", json_object_get(m, "restrictions"),
                            "restricted_until", json_object_get(m, "restricted_until"));
    json_decref(m);
}

/* --- an operator's changes ------------------------------------------------------------------
 */

static const eo_field_t s_verify[] = {{"verified", EO_JSON_BOOL, true}, {NULL}};

void eo_api_member_verify(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = eo_http_body(req, reply, s_verify);
    if (!body) return;
    bool verified = json_is_true(json_object_get(body, "verified"));
    json_decref(body);
    char site[EO_SITE_SLUG], by[96];
    const char *id = eo_path_segment(req->path, 2);
    json_t *m = s_find(req, reply, id, site, sizeof site);
    if (!m) return;
    json_decref(m);
    eo_view_who(req, by, sizeof by);
    Eo__MemberVerify v = EO__MEMBER_VERIFY__INIT;
    v.id = (char *)id;
    v.verified = verified;
    v.by = by;
    Eo__Event event = EO__EVENT__INIT;
    event.body_case = EO__EVENT__BODY_MEMBER_VERIFY;
    event.member_verify = &v;
    s_send(req, reply, site, &event, 200);
}

static const eo_field_t s_restrict[] = {{"cause", EO_JSON_STRING, true},
                                        {"months", EO_JSON_INTEGER},
                                        {"note", EO_JSON_STRING},
                                        {NULL}};

void eo_api_member_restrict(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = eo_http_body(req, reply, s_restrict);
    if (!body) return;
    char site[EO_SITE_SLUG], by[96];
    const char *id = eo_path_segment(req->path, 2);
    json_t *m = s_find(req, reply, id, site, sizeof site);
    if (!m) {
        json_decref(body);
        return;
    }
    json_decref(m);
    eo_view_who(req, by, sizeof by);
    Eo__MemberRestrict r = EO__MEMBER_RESTRICT__INIT;
    r.member_id = (char *)id;
    r.cause = (char *)eo_body_str(body, "cause");
    r.months = (int32_t)json_integer_value(json_object_get(body, "months"));
    r.note = (char *)(eo_body_str(body, "note") ? eo_body_str(body, "note") : "");
    r.by = by;
    Eo__Event event = EO__EVENT__INIT;
    event.body_case = EO__EVENT__BODY_MEMBER_RESTRICT;
    event.member_restrict = &r;
    s_send(req, reply, site, &event, 201);
    json_decref(body);
    if (reply->status != 201) return;
    json_t *member = reply->json;
    reply->json = json_pack("{s:O,s:O,s:O}", "member_id", json_object_get(member, "id"),
                            "restrictions", json_object_get(member, "restrictions"),
                            "restricted_until", json_object_get(member, "restricted_until"));
    json_decref(member);
}
