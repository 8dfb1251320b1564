/* requests.c: POST /v1/requests (intake) and GET /v1/requests/{id} (status).
 *
 * Both are a synchronous request to (match, site) through the broker: the matcher's
 * reply to an intake is sent only after it has durably stored the request. */
#include <string.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "intake.h"
#include "routes.h"

/* Turn a broker failure into the HTTP error a caller can act on. */
static void s_broker_error(eo_http_reply_t *reply, int rc)
{
    if (rc == EO_EOVERLOAD)
        eo_http_error(reply, 503, "overloaded", "요청이 많아 잠시 후 다시 시도해 주세요",
                      "the service is overloaded: retry later");
    else if (rc == EO_EDEADLETTER)
        eo_http_error(reply, 503, "not_decided",
                      "지금 처리할 수 없습니다. 같은 ID로 잠시 후 다시 시도해 주세요",
                      "the matcher could not decide it now (its store failed): retry later "
                      "with the same id");
    else if (rc == EO_ECLOSED)
        eo_http_error(reply, 503, "stopping",
                      "서버가 종료 중입니다. 잠시 후 다시 시도해 주세요",
                      "the server is stopping: retry later with the same id");
    else if (rc == EO_EIO)
        eo_http_error(reply, 503, "no_broker", "중계 서버에 연결할 수 없습니다",
                      "cannot connect to the broker");
    else if (rc == EO_ENOTFOUND)
        eo_http_error(reply, 503, "no_worker", "해당 지역을 처리할 서버가 없습니다",
                      "no matcher serves this site right now");
    else
        eo_http_error(reply, 504, "timeout", "응답 시간이 초과되었습니다",
                      "the matcher did not answer in time; retrying with the same id is safe");
}

/* Send an Event to (match, site) and decode the Status it answers with. */
static Eo__Event *s_ask_matcher(eo_http_request_t *req, eo_http_reply_t *reply,
                                const char *site, Eo__Event *event)
{
    size_t size;
    uint8_t *bytes = eo_event_encode(event, &size);
    if (!bytes) {
        eo_http_error(reply, 413, "body_too_large", "요청이 너무 큽니다", "request too large");
        return NULL;
    }
    zframe_t *answer = NULL;
    int rc = eo_gateway_call(req->gateway, "match", site, bytes, size, &answer);
    free(bytes);
    if (rc != EO_OK) {
        s_broker_error(reply, rc);
        return NULL;
    }
    char err[128];
    Eo__Event *back =
        eo_event_decode(zframe_data(answer), zframe_size(answer), err, sizeof err);
    zframe_destroy(&answer);
    if (!back || back->body_case != EO__EVENT__BODY_STATUS) {
        eo_event_free(&back);
        eo_http_error(reply, 502, "bad_reply", "서버 응답이 잘못되었습니다",
                      "the matcher answered with something other than a status");
        return NULL;
    }
    return back;
}

/* Status -> JSON; an error in the status becomes an HTTP error. */
static void s_status_reply(eo_http_reply_t *reply, const Eo__Status *st, int ok_status)
{
    if (st->error && st->error->code && *st->error->code) {
        bool missing =
            streq(st->error->code, "not_found") || streq(st->error->code, "unknown_request");
        eo_http_error(reply, missing ? 404 : 422, st->error->code, st->error->message_ko,
                      st->error->message_en);
        return;
    }
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

void eo_api_request_create(eo_http_request_t *req, eo_http_reply_t *reply)
{
    const eo_role_args_t *args = eo_gateway_args(req->gateway);
    Eo__Request request;
    eo_intake_error_t err;
    int64_t now_ms = eo_clock_now_ms(args->clock);
    if (eo_intake_parse(req->body, args->dongs, now_ms, req->who.id, &request, &err)) {
        eo_http_error(reply, 400, err.code, err.ko, err.en);
        return;
    }
    if (!eo_identity_serves(&req->who, request.site)) {
        eo_http_error(reply, 403, "forbidden_site", "이 지역의 요청을 접수할 권한이 없습니다",
                      "this credential does not serve the request's site");
        eo_intake_clear(&request);
        return;
    }
    char id[33];
    Eo__Event event = EO__EVENT__INIT;
    event.id = eo_id_new(id, sizeof id, now_ms);
    event.site = request.site;
    event.at_ms = now_ms;
    event.body_case = EO__EVENT__BODY_REQUEST;
    event.request = &request;
    Eo__Event *back = s_ask_matcher(req, reply, request.site, &event);
    if (back) {
        s_status_reply(reply, back->status, 201);
        eo_event_free(&back);
    }
    eo_intake_clear(&request);
}

void eo_api_request_get(eo_http_request_t *req, eo_http_reply_t *reply)
{
    const char *request_id = req->path + strlen("/v1/requests/");
    char site[EO_SITE_SLUG];
    /* 404, not 403, for another site's or another caller's request: whether it exists
     * is not this caller's to know */
    if (eo_intake_site_of(request_id, site, sizeof site) ||
        eo_dongs_site_find(eo_gateway_args(req->gateway)->dongs, site) < 0 ||
        !eo_identity_serves(&req->who, site)) {
        eo_http_error(reply, 404, "not_found", "없는 요청입니다", "no such request");
        return;
    }
    Eo__StatusQuery query = EO__STATUS_QUERY__INIT;
    query.request_id = (char *)request_id;
    char id[33];
    Eo__Event event = EO__EVENT__INIT;
    int64_t now_ms = eo_clock_now_ms(eo_gateway_args(req->gateway)->clock);
    event.id = eo_id_new(id, sizeof id, now_ms);
    event.site = site;
    event.at_ms = now_ms;
    event.body_case = EO__EVENT__BODY_STATUS_QUERY;
    event.status_query = &query;
    Eo__Event *back = s_ask_matcher(req, reply, site, &event);
    if (back && req->who.role == EO_ROLE_MEMBER_APP &&
        (!back->status->owner || !streq(back->status->owner, req->who.id)))
        eo_http_error(reply, 404, "not_found", "없는 요청입니다", "no such request");
    else if (back)
        s_status_reply(reply, back->status, 200);
    eo_event_free(&back);
}

/* The member's fee of a settled pool case was paid: the case is linked and handed to the
 * provider. The amount, when given, must be the fee; a member's app confirms only the
 * requests it made (the matcher compares the owner), an operator those of its sites. */
void eo_api_request_payment(eo_http_request_t *req, eo_http_reply_t *reply)
{
    const char *start = req->path + strlen("/v1/requests/");
    const char *slash = strchr(start, '/');
    char request_id[64], site[EO_SITE_SLUG];
    int n = slash ? (int)(slash - start) : -1;
    if (n <= 0 || n >= (int)sizeof request_id) {
        eo_http_error(reply, 404, "not_found", "없는 요청입니다", "no such request");
        return;
    }
    snprintf(request_id, sizeof request_id, "%.*s", n, start);
    if (eo_intake_site_of(request_id, site, sizeof site) ||
        eo_dongs_site_find(eo_gateway_args(req->gateway)->dongs, site) < 0 ||
        !eo_identity_serves(&req->who, site)) {
        eo_http_error(reply, 404, "not_found", "없는 요청입니다", "no such request");
        return;
    }
    json_t *body = eo_http_json_body(req, reply);
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
    Eo__Event *back = s_ask_matcher(req, reply, site, &event);
    if (back) s_status_reply(reply, back->status, 200);
    eo_event_free(&back);
    json_decref(body);
}
