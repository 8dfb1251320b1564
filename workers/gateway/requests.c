/* requests.c: the routes of requests (docs/api.md).
 *   POST /v1/requests                   intake; Idempotency-Key or the body's id
 *   GET  /v1/requests                   a page of the caller's cases
 * (?site&state&from&to&member&cursor&limit) GET  /v1/requests/{id}              a case in full
 *   POST /v1/requests/{id}/cancel       the member (or an operator) cancels: the fee
 *   GET  /v1/requests/{id}/events       the case's journal, verified
 * Every one is a question to (match, site): an intake is answered only after the
 * matcher stored it durably. A member's app sees only the requests it made; another
 * caller's request, or another site's, is 404 (its existence is not the caller's to
 * know). */
#include <string.h>

#include "ask.h"
#include "eonjena/eo_provider.h"
#include "eonjena/eo_calendar.h"
#include "eonjena/eo_rules.h"
#include "intake.h"
#include "routes.h"
#include "path.h"

/* Status -> JSON; an error in the status becomes an HTTP error. */
static void s_status_reply(eo_http_reply_t *reply, const Eo__Event *back, int ok_status)
{
    if (eo_ask_refused(back, reply)) return;
    const Eo__Status *st = back->status;
    json_t *winners = json_array();
    for (size_t i = 0; i < st->n_winners; i++) {
        json_t *w = json_pack("{s:I}", "carer_id", (json_int_t)st->winners[i]);
        if (i < st->n_winner_names)
            json_object_set_new(w, "name", json_string(st->winner_names[i]));
        json_array_append_new(winners, w);
    }
    char updated[32];
    reply->status = ok_status;
    reply->json = json_pack("{s:s,s:s,s:i,s:o,s:s}", "id", st->request_id, "state", st->state,
                            "wave", (int)st->wave, "winners", winners, "updated_at",
                            eo_time_format(st->updated_at, updated, sizeof updated));
    /* a settled pool case asks for the member's fee (issue 17) */
    if (reply->json && st->payment && *st->payment && !streq(st->payment, "none")) {
        json_object_set_new(reply->json, "payment", json_string(st->payment));
        json_object_set_new(reply->json, "member_fee", json_integer(st->member_fee));
        if (st->payment_due)
            json_object_set_new(
                reply->json, "payment_due",
                json_string(eo_time_format(st->payment_due, updated, sizeof updated)));
    }
}

/* Intake trusts a registered member's stored data (verified, phone, children): a member
 * app may ask only as the members it registered, never borrow another app's. An
 * unregistered member id is taken on the request's own flags. False after a 403. */
static bool s_member_mine(eo_http_request_t *req, eo_http_reply_t *reply,
                          const Eo__Request *request)
{
    if (req->who.role != EO_ROLE_MEMBER_APP) return true;
    eo_http_reply_t probe = {0};
    json_t *m = eo_ask_query(req, &probe, request->site, "member",
                             json_pack("{s:s}", "id", request->member_id));
    const char *owner = json_string_value(json_object_get(m, "owner"));
    bool ok = m ? owner && streq(owner, req->who.id) : probe.status == 404;
    json_decref(m);
    if (!m && probe.status != 404) {
        *reply = probe; /* the matcher could not be asked */
        return false;
    }
    json_decref(probe.json);
    free(probe.text);
    if (!ok)
        eo_http_error_field(reply, 403, "member_not_yours",
                            "다른 앱이 등록한 회원으로 요청할 수 없습니다",
                            "this member id is registered by another caller", "member.id");
    return ok;
}

void eo_api_request_create(eo_http_request_t *req, eo_http_reply_t *reply)
{
    const eo_role_args_t *args = eo_gateway_args(req->gateway);
    Eo__Request request;
    eo_intake_error_t err;
    int64_t now_ms = eo_clock_now_ms(args->clock);
    if (eo_intake_parse(req->body, args->dongs, now_ms, req->who.id,
                        eo_gateway_header(req, "Idempotency-Key"), &request, &err)) {
        eo_http_problems(reply, 400, &err);
        return;
    }
    if (!eo_identity_serves(&req->who, request.site)) {
        eo_http_error_field(reply, 403, "forbidden_site",
                            "이 지역의 요청을 접수할 권한이 없습니다",
                            "this credential does not serve the request's site", "site");
        eo_intake_clear(&request);
        return;
    }
    if (!s_member_mine(req, reply, &request)) {
        eo_intake_clear(&request);
        return;
    }
    Eo__Event event = EO__EVENT__INIT;
    event.body_case = EO__EVENT__BODY_REQUEST;
    event.request = &request;
    Eo__Event *back = eo_ask_matcher(req, reply, request.site, &event);
    if (back) {
        /* a retry gets the answer of the first (201, the same case as it stands now),
         * marked as a replay */
        bool replayed = back->body_case == EO__EVENT__BODY_STATUS && back->status->replayed;
        s_status_reply(reply, back, 201);
        if (reply->status < 300) {
            char location[160];
            snprintf(location, sizeof location, "/v1/requests/%s", back->status->request_id);
            eo_http_header(reply, "Location", location);
            if (replayed) eo_http_header(reply, "Idempotent-Replayed", "true");
        }
        eo_event_free(&back);
    }
    eo_intake_clear(&request);
}

/* The site of a request id the caller may see; false after a 404. */
static bool s_site(eo_http_request_t *req, eo_http_reply_t *reply, const char *id, char *site,
                   size_t size)
{
    if (strlen(id) < EO_REQUEST_ID_MAX && eo_intake_site_of(id, site, size) == 0 &&
        eo_dongs_site_find(eo_gateway_args(req->gateway)->dongs, site) >= 0 &&
        eo_identity_serves(&req->who, site))
        return true;
    eo_http_error(reply, 404, "not_found", "없는 요청입니다", "no such request");
    return false;
}

json_t *eo_request_view(eo_http_request_t *req, eo_http_reply_t *reply, const char *id,
                        char *site, size_t sitesize)
{
    if (!s_site(req, reply, id, site, sitesize)) return NULL;
    bool member = req->who.role == EO_ROLE_MEMBER_APP;
    json_t *view = eo_ask_query(req, reply, site, "case",
                                json_pack("{s:s,s:b}", "id", id, "operator", !member));
    if (!view) {
        if (reply->status == 404)
            eo_http_error(reply, 404, "not_found", "없는 요청입니다", "no such request");
        return NULL;
    }
    /* a member's app sees the requests it made, and nothing of the others */
    if (member && !streq(json_string_value(json_object_get(view, "owner")), req->who.id)) {
        json_decref(view);
        eo_http_error(reply, 404, "not_found", "없는 요청입니다", "no such request");
        return NULL;
    }
    return view;
}

static bool s_is_holiday(void *calendar, int32_t date_key)
{
    return eo_calendar_is_holiday(calendar, date_key);
}

/* A queued case waits for its provider's business hours: when they next begin. */
static void s_provider(eo_http_request_t *req, json_t *view)
{
    const char *state = json_string_value(json_object_get(view, "state"));
    const eo_provider_t *p =
        eo_providers_route(eo_gateway_providers(req->gateway),
                           json_string_value(json_object_get(view, "site")), NULL);
    if (!p || !state || !streq(state, "queued")) return;
    eo_time_t now = eo_clock_now(eo_gateway_args(req->gateway)->clock);
    eo_time_t next =
        eo_hours_next_open(&p->hours, now, s_is_holiday, eo_gateway_calendar(req->gateway));
    char when[32];
    json_object_set_new(
        view, "provider",
        json_pack("{s:s,s:s,s:o}", "id", p->id, "name", p->name, "next_open",
                  next ? json_string(eo_time_format(next, when, sizeof when)) : json_null()));
}

void eo_api_request_get(eo_http_request_t *req, eo_http_reply_t *reply)
{
    char site[EO_SITE_SLUG];
    json_t *view =
        eo_request_view(req, reply, eo_path_segment(req->path, 2), site, sizeof site);
    if (!view) return;
    json_object_del(view, "owner");
    s_provider(req, view);
    reply->status = 200;
    reply->json = view;
}

void eo_api_request_events(eo_http_request_t *req, eo_http_reply_t *reply)
{
    char site[EO_SITE_SLUG];
    const char *id = eo_path_segment(req->path, 2);
    json_t *view = eo_request_view(req, reply, id, site, sizeof site);
    if (!view) return;
    json_decref(view);
    json_t *journal = eo_ask_query(req, reply, site, "journal", json_pack("{s:s}", "id", id));
    if (!journal) return;
    reply->status = 200;
    reply->json = journal;
}

static const eo_field_t s_cancel[] = {{"reason", EO_JSON_STRING}, {NULL}};

void eo_api_request_cancel(eo_http_request_t *req, eo_http_reply_t *reply)
{
    char site[EO_SITE_SLUG];
    const char *id = eo_path_segment(req->path, 2);
    json_t *body = *req->body ? eo_http_body(req, reply, s_cancel) : json_object();
    if (!body) return;
    json_t *view = eo_request_view(req, reply, id, site, sizeof site);
    if (!view) {
        json_decref(body);
        return;
    }
    json_decref(view);
    if (!eo_ask_cancel(req, reply, site, id, 0, body)) return;
    /* the case as it stands now, with the fee the rules charged */
    if (!(view = eo_request_view(req, reply, id, site, sizeof site))) return;
    reply->status = 200;
    reply->json =
        json_pack("{s:s,s:O,s:O}", "id", id, "state", json_object_get(view, "state"), "fee",
                  json_object_get(json_object_get(view, "fee"), "cancellation"));
    json_decref(view);
}

/* --- a page of cases ------------------------------------------------------------------ */

static const char *const s_list_args[] = {"site",   "state",  "from",  "to",
                                          "member", "cursor", "limit", NULL};

void eo_api_request_list(eo_http_request_t *req, eo_http_reply_t *reply)
{
    eo_problems_t p = {0};
    eo_query_args_check(req, s_list_args, &p);
    const char *site = eo_gateway_query_arg(req, "site");
    const char *limit = eo_gateway_query_arg(req, "limit");
    if (site && eo_dongs_site_find(eo_gateway_args(req->gateway)->dongs, site) < 0)
        eo_problems_add(&p, "unknown_site", "site", "서비스 지역이 아닙니다", "unknown site",
                        site);
    if (limit && (atoi(limit) < 1 || atoi(limit) > 100))
        eo_problems_add(&p, "bad_field", "limit", "limit은 1-100입니다", "limit must be 1-100",
                        limit);
    if (p.n) {
        eo_http_problems(reply, 400, &p);
        return;
    }
    if (site && !eo_identity_serves(&req->who, site)) {
        eo_http_error_field(reply, 403, "forbidden_site", "이 지역의 요청을 볼 권한이 없습니다",
                            "this credential does not serve the site", "site");
        return;
    }
    /* the sites to look at: the one asked, or every site of the caller, in order; the
     * cursor names the site it stopped in ("suwon-...") */
    const char *sites[EO_SITE_MAX], *cursor = eo_gateway_query_arg(req, "cursor");
    size_t n = 0, all = eo_gateway_sites(req->gateway, sites, EO_SITE_MAX);
    const char *mine[EO_SITE_MAX];
    for (size_t i = 0; i < all; i++)
        if (eo_identity_serves(&req->who, sites[i]) && (!site || streq(site, sites[i])))
            mine[n++] = sites[i];
    char at[EO_SITE_SLUG] = "";
    if (cursor && eo_intake_site_of(cursor, at, sizeof at)) {
        eo_http_error_field(reply, 400, "bad_field", "cursor가 잘못되었습니다",
                            "cursor is not one this API gave", "cursor");
        return;
    }
    size_t i = 0;
    while (*at && i < n && !streq(mine[i], at))
        i++;
    json_t *items = json_array(), *next = json_null();
    int want = limit ? atoi(limit) : 50;
    for (; i < n && (int)json_array_size(items) < want; i++) {
        json_t *args = json_pack("{s:s,s:i}", "site", mine[i], "limit",
                                 want - (int)json_array_size(items));
        const char *keys[] = {"state", "from", "to", "member"};
        for (size_t k = 0; k < 4; k++)
            if (eo_gateway_query_arg(req, keys[k]))
                json_object_set_new(args, keys[k],
                                    json_string(eo_gateway_query_arg(req, keys[k])));
        if (*at && streq(at, mine[i])) json_object_set_new(args, "cursor", json_string(cursor));
        if (req->who.role == EO_ROLE_MEMBER_APP)
            json_object_set_new(args, "owner", json_string(req->who.id));
        json_t *page = eo_ask_query(req, reply, mine[i], "cases", args);
        if (!page) {
            json_decref(items);
            json_decref(next);
            return;
        }
        json_array_extend(items, json_object_get(page, "items"));
        json_decref(next);
        next = json_incref(json_object_get(page, "next"));
        json_decref(page);
        if (!json_is_null(next)) break;
    }
    /* a page that filled up as a site ended: the next page starts at the following site
     * ("guri-0" sorts before every id of guri) */
    if (json_is_null(next) && i < n && (int)json_array_size(items) >= want) {
        json_decref(next);
        char c[EO_SITE_SLUG + 4];
        snprintf(c, sizeof c, "%s-0", mine[i]);
        next = json_string(c);
    }
    size_t k;
    json_t *item;
    json_array_foreach(items, k, item) json_object_del(item, "owner");
    reply->status = 200;
    reply->json = json_pack("{s:o,s:o}", "items", items, "next", next);
}

static const eo_field_t s_payment[] = {
    {"amount", EO_JSON_INTEGER}, {"reference", EO_JSON_STRING}, {NULL}};

/* The member's fee of a settled pool case was paid: the case is linked and handed to the
 * provider. The amount, when given, must be the fee; a member's app confirms only the
 * requests it made (the matcher compares the owner), an operator those of its sites. */
void eo_api_request_payment(eo_http_request_t *req, eo_http_reply_t *reply)
{
    char request_id[64], site[EO_SITE_SLUG];
    snprintf(request_id, sizeof request_id, "%s", eo_path_segment(req->path, 2));
    if (!s_site(req, reply, request_id, site, sizeof site)) return;
    json_t *body = eo_http_body(req, reply, s_payment);
    if (!body) return;
    json_t *amount = json_object_get(body, "amount"), *ref = json_object_get(body, "reference");
    if ((amount && (!json_is_integer(amount) || json_integer_value(amount) < 0)) ||
        (ref && (!json_is_string(ref) || strlen(json_string_value(ref)) > 64))) {
        json_decref(body);
        eo_http_error(reply, 400, "bad_field", "결제 정보가 잘못되었습니다",
                      "amount: whole won >= 0; reference: a string of at most 64 bytes");
        return;
    }
    int64_t now_ms = eo_clock_now_ms(eo_gateway_args(req->gateway)->clock);
    Eo__Payment pay = EO__PAYMENT__INIT;
    pay.request_id = request_id;
    pay.amount = amount ? (int64_t)json_integer_value(amount) : 0;
    pay.reference = ref ? (char *)json_string_value(ref) : "";
    pay.owner = req->who.role == EO_ROLE_MEMBER_APP ? (char *)req->who.id : "";
    pay.at = now_ms / 1000;
    char id[33];
    Eo__Event event = EO__EVENT__INIT;
    event.id = eo_id_new(id, sizeof id, now_ms);
    event.site = site;
    event.at_ms = now_ms;
    event.body_case = EO__EVENT__BODY_PAYMENT;
    event.payment = &pay;
    Eo__Event *back = eo_ask_matcher(req, reply, site, &event);
    if (back) s_status_reply(reply, back, 200);
    eo_event_free(&back);
    json_decref(body);
}
