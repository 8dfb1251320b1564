/* operator.c: an operator's actions on a case (docs/api.md "Operators' actions").
 *   POST /v1/requests/{id}/assign      {"carer_id"}        book that carer by hand
 *   POST /v1/requests/{id}/reoffer                         the next wave now
 *   POST /v1/requests/{id}/reschedule  {"start","end"}     move the service time
 *   POST /v1/requests/{id}/close       {"reason"}          close, no fee
 * Each is one OperatorAction to (match, site), naming the operator (its journal line
 * says who); an Idempotency-Key makes a resend the same action. The answer is the case
 * as it stands after the matcher's commit. A case outside the caller's sites is 404. */
#include <string.h>

#include "ask.h"
#include "intake.h"
#include "path.h"
#include "routes.h"

#define S_REASON_MAX 200

/* Send the action for case id (of the caller's sites) and answer the case as it is now. */
static void s_act(eo_http_request_t *req, eo_http_reply_t *reply, Eo__OperatorAction *x)
{
    char site[EO_SITE_SLUG], by[96], key[128];
    const char *id = eo_path_segment(req->path, 2);
    json_t *view = eo_request_view(req, reply, id, site, sizeof site);
    if (!view) return;
    json_decref(view);
    eo_view_who(req, by, sizeof by);
    x->request_id = (char *)id;
    x->by = by;
    x->at = eo_clock_now(eo_gateway_args(req->gateway)->clock);
    Eo__Event event = EO__EVENT__INIT;
    /* the same Idempotency-Key twice is one action */
    event.id = (char *)eo_ask_action_key(req, key, sizeof key);
    event.body_case = EO__EVENT__BODY_OPERATOR_ACTION;
    event.operator_action = x;
    Eo__Event *back = eo_ask_matcher(req, reply, site, &event);
    bool refused = !back || eo_ask_refused(back, reply);
    eo_event_free(&back);
    if (refused || !(view = eo_request_view(req, reply, id, site, sizeof site))) return;
    json_object_del(view, "owner");
    reply->status = 200;
    reply->json = view;
}

static const eo_field_t s_assign[] = {{"carer_id", EO_JSON_INTEGER, true}, {NULL}};

void eo_api_request_assign(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = eo_http_body(req, reply, s_assign);
    if (!body) return;
    json_int_t carer = json_integer_value(json_object_get(body, "carer_id"));
    json_decref(body);
    if (carer <= 0 || carer > UINT32_MAX) {
        eo_http_error_field(reply, 400, "bad_field", "돌보미 ID가 잘못되었습니다",
                            "carer_id must be a carer's id (a whole number > 0)", "carer_id");
        return;
    }
    Eo__OperatorAction x = EO__OPERATOR_ACTION__INIT;
    x.kind = EO__OPERATOR_ACTION__KIND__KIND_ASSIGN;
    x.carer_id = (uint32_t)carer;
    s_act(req, reply, &x);
}

void eo_api_request_reoffer(eo_http_request_t *req, eo_http_reply_t *reply)
{
    if (*req->body && !streq(req->body, "{}")) {
        eo_http_error(reply, 400, "unknown_field", "본문이 필요 없습니다: 비워 두세요",
                      "this route takes no body");
        return;
    }
    Eo__OperatorAction x = EO__OPERATOR_ACTION__INIT;
    x.kind = EO__OPERATOR_ACTION__KIND__KIND_REOFFER;
    s_act(req, reply, &x);
}

static const eo_field_t s_reschedule[] = {
    {"start", EO_JSON_STRING, true}, {"end", EO_JSON_STRING, true}, {NULL}};

void eo_api_request_reschedule(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = eo_http_body(req, reply, s_reschedule);
    if (!body) return;
    /* only the form here: what the times may be (lead, grid, durations, hours) is the
     * rules', checked by the matcher as intake checks it */
    eo_problems_t p = {0};
    Eo__OperatorAction x = EO__OPERATOR_ACTION__INIT;
    const char *names[] = {"start", "end"};
    int64_t *times[] = {&x.start, &x.end};
    for (int i = 0; i < 2; i++)
        if (eo_time_parse(eo_body_str(body, names[i]), times[i]))
            eo_problems_add(
                &p, "bad_time", names[i], "시각 형식이 잘못되었습니다 (2026-11-27T21:00)",
                "want a time like 2026-11-27T21:00[+09:00]", eo_body_str(body, names[i]));
    json_decref(body);
    if (p.n) {
        eo_http_problems(reply, 400, &p);
        return;
    }
    x.kind = EO__OPERATOR_ACTION__KIND__KIND_RESCHEDULE;
    s_act(req, reply, &x);
}

/* A closing reason: 1-200 bytes of text without control characters. */
static bool s_reason_ok(const char *reason)
{
    size_t n = reason ? strlen(reason) : 0;
    for (const unsigned char *p = (const unsigned char *)reason; p && *p; p++)
        if (*p < 0x20 || *p == 0x7f) return false;
    return n > 0 && n <= S_REASON_MAX;
}

static const eo_field_t s_close[] = {{"reason", EO_JSON_STRING, true}, {NULL}};

void eo_api_request_close(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = eo_http_body(req, reply, s_close);
    if (!body) return;
    char reason[S_REASON_MAX + 1];
    bool ok = s_reason_ok(eo_body_str(body, "reason"));
    if (ok) snprintf(reason, sizeof reason, "%s", eo_body_str(body, "reason"));
    json_decref(body);
    if (!ok) {
        eo_http_error_field(reply, 400, "bad_reason", "종료 사유가 필요합니다 (200바이트 이내)",
                            "reason: 1-200 bytes of text without control characters", "reason");
        return;
    }
    Eo__OperatorAction x = EO__OPERATOR_ACTION__INIT;
    x.kind = EO__OPERATOR_ACTION__KIND__KIND_CLOSE;
    x.reason = reason;
    s_act(req, reply, &x);
}
