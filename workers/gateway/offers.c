/* offers.c: what a carer (through the carers' app, or an operator on the phone with
 * them) does with an offer or a booking (docs/api.md).
 *   POST /v1/offers/{id}/accept | /decline      id = "<request id>:<carer id>"
 *   POST /v1/bookings/{id}/withdraw             a winner who cannot come
 *   POST /v1/bookings/{id}/start | /end         the service times
 * They are the very inputs an SMS reply makes (Answer, Cancel, ServiceTime), so an
 * offer has one decision whichever channel arrives first: the matcher decides each in
 * its one write transaction, and the second finds the first's result. */
#include <string.h>

#include "ask.h"
#include "intake.h"
#include "path.h"
#include "routes.h"

/* "<request id>:<carer id>" of the path, in the caller's sites; false after a 404. */
static bool s_parse(eo_http_request_t *req, eo_http_reply_t *reply, char *request, size_t size,
                    uint32_t *carer, char *site, size_t sitesize, const char *what)
{
    const char *id = eo_path_segment(req->path, 2), *colon = strrchr(id, ':');
    char *end = NULL;
    unsigned long c = colon ? strtoul(colon + 1, &end, 10) : 0;
    bool ok = colon && colon > id && (size_t)(colon - id) < size && c > 0 && c <= UINT32_MAX &&
              end && !*end;
    if (ok) {
        snprintf(request, size, "%.*s", (int)(colon - id), id);
        *carer = (uint32_t)c;
        ok = eo_intake_site_of(request, site, sitesize) == 0 &&
             eo_dongs_site_find(eo_gateway_args(req->gateway)->dongs, site) >= 0 &&
             eo_identity_serves(&req->who, site);
    }
    if (!ok) {
        char en[64];
        snprintf(en, sizeof en, "no such %s", what);
        eo_http_error(reply, 404, streq(what, "offer") ? "unknown_offer" : "unknown_booking",
                      streq(what, "offer") ? "없는 제안입니다" : "없는 배정입니다", en);
    }
    return ok;
}

/* --- accept and decline: the Answer an SMS reply makes ------------------------------------ */

static void s_answer(eo_http_request_t *req, eo_http_reply_t *reply, bool accept)
{
    char request[EO_REQUEST_ID_MAX], site[EO_SITE_SLUG], key[128], made[33];
    uint32_t carer;
    if (*req->body && !streq(req->body, "{}")) {
        eo_http_error(reply, 400, "unknown_field", "본문이 필요 없습니다: 비워 두세요",
                      "this route takes no body");
        return;
    }
    if (!s_parse(req, reply, request, sizeof request, &carer, site, sizeof site, "offer"))
        return;
    Eo__Answer a = EO__ANSWER__INIT;
    a.request_id = request;
    a.carer_id = carer;
    a.accept = accept;
    /* the reply id makes a retry the same answer; without a key each call is its own */
    const char *k = eo_ask_action_key(req, key, sizeof key);
    if (!k) {
        snprintf(key, sizeof key, "api:%s:%s", req->who.id,
                 eo_id_new(made, sizeof made,
                           eo_clock_now_ms(eo_gateway_args(req->gateway)->clock)));
        k = key;
    }
    a.reply_id = (char *)k;
    a.at = eo_clock_now(eo_gateway_args(req->gateway)->clock);
    Eo__Event event = EO__EVENT__INIT;
    event.body_case = EO__EVENT__BODY_ANSWER;
    event.answer = &a;
    Eo__Event *back = eo_ask_matcher(req, reply, site, &event);
    if (!back || eo_ask_refused(back, reply)) {
        eo_event_free(&back);
        return;
    }
    const char *outcome = back->body_case == EO__EVENT__BODY_ACK && back->ack->n_ids == 2
                              ? back->ack->ids[1]
                              : "recorded";
    char id[EO_REQUEST_ID_MAX + 16];
    snprintf(id, sizeof id, "%s:%u", request, carer);
    if (streq(outcome, "won") || streq(outcome, "declined")) {
        reply->status = 200;
        reply->json =
            json_pack("{s:s,s:s,s:s}", "offer", id, "request_id", request, "outcome", outcome);
    } else if (streq(outcome, "no_offer") || streq(outcome, "unknown_request"))
        eo_http_error(reply, 404, "unknown_offer", "없는 제안입니다", "no such offer");
    else {
        /* filled, withdrawn (the carer won an overlapping case), unbookable, closed */
        char en[160];
        snprintf(en, sizeof en, "the offer was not taken: %s", outcome);
        eo_http_error(reply, 409, outcome, "제안을 수락할 수 없습니다", en);
    }
    eo_event_free(&back);
}

void eo_api_offer_accept(eo_http_request_t *req, eo_http_reply_t *reply)
{
    s_answer(req, reply, true);
}

void eo_api_offer_decline(eo_http_request_t *req, eo_http_reply_t *reply)
{
    s_answer(req, reply, false);
}

/* --- bookings -------------------------------------------------------------------------------
 */

/* The booking of the path: the request's case, where the carer is a winner. */
static json_t *s_booking(eo_http_request_t *req, eo_http_reply_t *reply, char *request,
                         size_t size, uint32_t *carer, char *site, size_t sitesize)
{
    if (!s_parse(req, reply, request, size, carer, site, sitesize, "booking")) return NULL;
    eo_http_request_t as_operator = *req; /* the carer's view: no member app scope here */
    as_operator.who.role = EO_ROLE_OPERATOR;
    json_t *view = eo_request_view(&as_operator, reply, request, site, sitesize);
    size_t i;
    json_t *w;
    json_array_foreach(view ? json_object_get(view, "winners") : NULL, i, w)
    {
        if ((uint32_t)json_integer_value(json_object_get(w, "carer_id")) == *carer) return view;
    }
    json_decref(view);
    eo_http_error(reply, 404, "unknown_booking", "없는 배정입니다",
                  "this carer is not booked for this request");
    return NULL;
}

static const eo_field_t s_withdraw_body[] = {{"reason", EO_JSON_STRING}, {NULL}};

void eo_api_booking_withdraw(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = *req->body ? eo_http_body(req, reply, s_withdraw_body) : json_object();
    if (!body) return;
    char request[EO_REQUEST_ID_MAX], site[EO_SITE_SLUG];
    uint32_t carer;
    json_t *view = s_booking(req, reply, request, sizeof request, &carer, site, sizeof site);
    if (!view) {
        json_decref(body);
        return;
    }
    json_decref(view);
    if (!eo_ask_cancel(req, reply, site, request, carer, body)) return;
    /* the case as it goes on: offered again at its next wave, or escalated */
    eo_http_request_t as_operator = *req;
    as_operator.who.role = EO_ROLE_OPERATOR;
    if (!(view = eo_request_view(&as_operator, reply, request, site, sizeof site))) return;
    reply->status = 200;
    reply->json = json_pack("{s:s,s:s,s:O,s:O}", "booking", eo_path_segment(req->path, 2),
                            "request_id", request, "state", json_object_get(view, "state"),
                            "wave", json_object_get(view, "wave"));
    json_decref(view);
}

static void s_service_time(eo_http_request_t *req, eo_http_reply_t *reply, bool start)
{
    char request[EO_REQUEST_ID_MAX], site[EO_SITE_SLUG], key[128];
    uint32_t carer;
    if (*req->body && !streq(req->body, "{}")) {
        eo_http_error(reply, 400, "unknown_field", "본문이 필요 없습니다: 비워 두세요",
                      "this route takes no body");
        return;
    }
    json_t *view = s_booking(req, reply, request, sizeof request, &carer, site, sizeof site);
    if (!view) return;
    json_decref(view);
    eo_time_t now = eo_clock_now(eo_gateway_args(req->gateway)->clock);
    Eo__ServiceTime t = EO__SERVICE_TIME__INIT;
    t.request_id = request;
    t.carer_id = carer;
    t.kind = start ? EO__SERVICE_TIME__KIND__KIND_START : EO__SERVICE_TIME__KIND__KIND_END;
    t.at = now;
    Eo__Event event = EO__EVENT__INIT;
    event.id = (char *)eo_ask_action_key(req, key, sizeof key);
    event.body_case = EO__EVENT__BODY_SERVICE_TIME;
    event.service_time = &t;
    Eo__Event *back = eo_ask_matcher(req, reply, site, &event);
    if (back && !eo_ask_refused(back, reply)) {
        char when[32];
        reply->status = 200;
        reply->json = json_pack("{s:s,s:s,s:s}", "booking", eo_path_segment(req->path, 2),
                                start ? "service_start" : "service_end",
                                eo_time_format(now, when, sizeof when), "request_id", request);
    }
    eo_event_free(&back);
}

void eo_api_booking_start(eo_http_request_t *req, eo_http_reply_t *reply)
{
    s_service_time(req, reply, true);
}

void eo_api_booking_end(eo_http_request_t *req, eo_http_reply_t *reply)
{
    s_service_time(req, reply, false);
}
