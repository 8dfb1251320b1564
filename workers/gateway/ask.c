/* ask.c: questions to the matchers (see ask.h). */
#include <string.h>

#include "ask.h"
#include "body.h"
#include "intake.h"
#include "path.h"
#include "eonjena/eo_dong.h"

/* What a caller is told for each broker failure: the one table the gateway's answers
 * and eonjena-load's direct mode read. */
static const struct {
    int rc, status;
    const char *code, *ko, *en;
} s_broker_errors[] = {
    {EO_EOVERLOAD, 503, "overloaded", "요청이 많아 잠시 후 다시 시도해 주세요",
     "the service is overloaded: retry later"},
    {EO_EDEADLETTER, 503, "not_decided",
     "지금 처리할 수 없습니다. 같은 ID로 잠시 후 다시 시도해 주세요",
     "the matcher could not decide it now (its store failed): retry later with the same id"},
    {EO_ECLOSED, 503, "stopping", "서버가 종료 중입니다. 잠시 후 다시 시도해 주세요",
     "the server is stopping: retry later with the same id"},
    {EO_EIO, 503, "no_broker", "중계 서버에 연결할 수 없습니다",
     "cannot connect to the broker"},
    {EO_ENOTFOUND, 503, "no_worker", "해당 지역을 처리할 서버가 없습니다",
     "no matcher serves this site right now"},
    /* anything else: the matcher did not answer in time */
    {0, 504, "timeout", "응답 시간이 초과되었습니다",
     "the matcher did not answer in time; retrying with the same id is safe"},
};

static size_t s_broker_row(int rc)
{
    size_t n = sizeof s_broker_errors / sizeof *s_broker_errors, i = 0;
    while (i < n - 1 && s_broker_errors[i].rc != rc)
        i++;
    return i;
}

const char *eo_ask_broker_code(int rc, int *status)
{
    size_t i = s_broker_row(rc);
    *status = s_broker_errors[i].status;
    return s_broker_errors[i].code;
}

/* Turn a broker failure into the HTTP error a caller can act on. */
static void s_broker_error(eo_http_reply_t *reply, int rc)
{
    size_t i = s_broker_row(rc);
    eo_http_error(reply, s_broker_errors[i].status, s_broker_errors[i].code,
                  s_broker_errors[i].ko, s_broker_errors[i].en);
}

static void s_envelope(eo_http_request_t *req, const char *site, Eo__Event *event, char *id,
                       size_t idsize)
{
    int64_t now_ms = eo_clock_now_ms(eo_gateway_args(req->gateway)->clock);
    if (!event->id || !*event->id) event->id = eo_id_new(id, idsize, now_ms);
    event->site = (char *)site;
    event->at_ms = now_ms;
    event->trace_id = req->trace;
}

static Eo__Event *s_decode(zframe_t *answer, eo_http_reply_t *reply)
{
    char err[128];
    Eo__Event *back =
        eo_event_decode(zframe_data(answer), zframe_size(answer), err, sizeof err);
    if (back && (back->body_case == EO__EVENT__BODY_STATUS ||
                 back->body_case == EO__EVENT__BODY_QUERY_RESULT ||
                 back->body_case == EO__EVENT__BODY_ACK))
        return back;
    eo_event_free(&back);
    eo_http_error(reply, 502, "bad_reply", "서버 응답이 잘못되었습니다",
                  "the matcher's answer could not be read");
    return NULL;
}

const char *eo_ask_action_key(eo_http_request_t *req, char *buf, size_t size)
{
    const char *ik = eo_gateway_header(req, "Idempotency-Key");
    if (!ik || !eo_intake_key_ok(ik)) return NULL;
    snprintf(buf, size, "api:%s:%s", req->who.id, ik);
    return buf;
}

Eo__Event *eo_ask_matcher(eo_http_request_t *req, eo_http_reply_t *reply, const char *site,
                          Eo__Event *event)
{
    char id[33];
    s_envelope(req, site, event, id, sizeof id);
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
    Eo__Event *back = s_decode(answer, reply);
    zframe_destroy(&answer);
    return back;
}

int eo_ask_status(const char *code)
{
    static const struct {
        const char *code;
        int status;
    } table[] = {
        {"not_found", 404},
        {"unknown_request", 404},
        {"unknown_carer", 404},
        {"unknown_member", 404},
        {"unknown_offer", 404},
        {"no_offer", 404},
        {"unknown_booking", 404},
        {"idempotency_conflict", 409},
        {"not_cancellable", 409},
        {"closed", 409},
        {"filled", 409},
        {"withdrawn", 409},
        {"unbookable", 409},
        {"not_open", 409},
        {"phone_taken", 409},
        {"carer_exists", 409},
        {"member_exists", 409},
        {"bad_id", 400},
        {"malformed", 400},
        {"bad_carer", 400},
        {"bad_field", 400},
        {"bad_member", 400},
        {"bad_query", 400},
        {"unsupported", 400},
        /* an operator's actions (operator.c): a state that takes no such action */
        {"case_full", 409},
        {"already_winner", 409},
        {"not_reofferable", 409},
        {"not_reschedulable", 409},
        {"same_time", 409},
        {"bad_reason", 400},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (streq(table[i].code, code)) return table[i].status;
    return 422;
}

bool eo_ask_refused(const Eo__Event *answer, eo_http_reply_t *reply)
{
    if (answer->body_case != EO__EVENT__BODY_STATUS) return false;
    const Eo__Error *e = answer->status->error;
    if (!e || !e->code || !*e->code) return false;
    eo_http_error(reply, eo_ask_status(e->code), e->code, e->message_ko, e->message_en);
    return true;
}

/* A Query event for (what, args). args may be NULL (an empty object). */
static uint8_t *s_query(eo_http_request_t *req, const char *site, const char *what,
                        json_t *args, size_t *size)
{
    char *text = args ? json_dumps(args, JSON_COMPACT) : NULL;
    Eo__Query q = EO__QUERY__INIT;
    q.what = (char *)what;
    q.args = text ? text : "{}";
    Eo__Event ev = EO__EVENT__INIT;
    char id[33];
    s_envelope(req, site, &ev, id, sizeof id);
    ev.body_case = EO__EVENT__BODY_QUERY;
    ev.query = &q;
    uint8_t *bytes = eo_event_encode(&ev, size);
    free(text);
    return bytes;
}

/* The JSON of a QueryResult, or NULL after filling reply (a refusal or a bad answer). */
static json_t *s_result(Eo__Event *back, eo_http_reply_t *reply)
{
    if (eo_ask_refused(back, reply)) return NULL;
    json_t *json = back->body_case == EO__EVENT__BODY_QUERY_RESULT
                       ? json_loads(back->query_result->json, 0, NULL)
                       : NULL;
    if (!json)
        eo_http_error(reply, 502, "bad_reply", "서버 응답이 잘못되었습니다",
                      "the matcher's answer to a query is not JSON");
    return json;
}

json_t *eo_ask_query(eo_http_request_t *req, eo_http_reply_t *reply, const char *site,
                     const char *what, json_t *args)
{
    return eo_ask_service(req, reply, "match", site, what, args);
}

json_t *eo_ask_service(eo_http_request_t *req, eo_http_reply_t *reply, const char *service,
                       const char *site, const char *what, json_t *args)
{
    size_t size;
    uint8_t *bytes = s_query(req, site, what, args, &size);
    json_decref(args); /* taken: callers pass a json_pack of the moment */
    if (!bytes) {
        eo_http_error(reply, 413, "body_too_large", "요청이 너무 큽니다", "request too large");
        return NULL;
    }
    zframe_t *answer = NULL;
    int rc = eo_gateway_call(req->gateway, service, site, bytes, size, &answer);
    free(bytes);
    if (rc != EO_OK) {
        s_broker_error(reply, rc);
        return NULL;
    }
    Eo__Event *back = s_decode(answer, reply);
    zframe_destroy(&answer);
    json_t *json = back ? s_result(back, reply) : NULL;
    eo_event_free(&back);
    return json;
}

/* A site's answer to a query as JSON, or NULL (a refusal, a bad answer); the frame is
 * destroyed. */
static json_t *s_answer(zframe_t **frame)
{
    eo_http_reply_t scratch = {0};
    Eo__Event *back = *frame ? s_decode(*frame, &scratch) : NULL;
    json_t *json = back ? s_result(back, &scratch) : NULL;
    json_decref(scratch.json);
    eo_event_free(&back);
    zframe_destroy(frame);
    return json;
}

void eo_ask_all(eo_http_request_t *req, const char *service, const char *const *sites, size_t n,
                const char *what, json_t *args, json_t **out, bool *answered)
{
    size_t size;
    uint8_t *bytes = n ? s_query(req, sites[0], what, args, &size) : NULL;
    json_decref(args); /* taken, as by eo_ask_query */
    zframe_t *answers[EO_SITE_MAX] = {0};
    if (bytes)
        eo_gateway_call_all(req->gateway, service, sites, n, bytes, size,
                            eo_gateway_timeout_ms(req->gateway), answers);
    free(bytes);
    for (size_t i = 0; i < n; i++) {
        answered[i] = answers[i] != NULL;
        out[i] = s_answer(&answers[i]);
    }
}

json_t *eo_ask_any_site(eo_http_request_t *req, eo_http_reply_t *reply, const char *what,
                        json_t *args, char *site, size_t sitesize)
{
    const char *served[EO_SITE_MAX], *mine[EO_SITE_MAX];
    size_t n = 0, all = eo_gateway_sites(req->gateway, served, EO_SITE_MAX);
    for (size_t i = 0; i < all; i++)
        if (eo_identity_serves(&req->who, served[i])) mine[n++] = served[i];
    json_t *got[EO_SITE_MAX], *found = NULL;
    bool answered[EO_SITE_MAX], unanswered = false;
    eo_ask_all(req, "match", mine, n, what, args, got, answered);
    for (size_t i = 0; i < n; i++) {
        unanswered = unanswered || !answered[i];
        if (got[i] && !found) {
            found = got[i];
            snprintf(site, sitesize, "%s", mine[i]);
        } else
            json_decref(got[i]);
    }
    if (!found && unanswered)
        eo_http_error(reply, 503, "no_worker", "응답하지 않는 지역 서버가 있습니다",
                      "a matcher of the caller's sites did not answer: retry later");
    else if (!found)
        eo_http_error(reply, 404, "not_found", "없습니다",
                      "no such record in the caller's sites");
    return found;
}

void eo_ask_each(eo_http_request_t *req, const char *what, const char *const *sites,
                 json_t **args, size_t n, int timeout_ms, json_t **answers)
{
    uint8_t *bytes[EO_SITE_MAX] = {0};
    size_t sizes[EO_SITE_MAX] = {0};
    zframe_t *frames[EO_SITE_MAX] = {0};
    bool ok = n <= EO_SITE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (ok && !(bytes[i] = s_query(req, sites[i], what, args[i], &sizes[i]))) ok = false;
        json_decref(args[i]); /* taken */
        answers[i] = NULL;
    }
    if (ok && n)
        eo_gateway_call_each(req->gateway, "match", sites, n, (const void *const *)bytes, sizes,
                             timeout_ms, frames);
    for (size_t i = 0; i < n && i < EO_SITE_MAX; i++) {
        free(bytes[i]);
        answers[i] = frames[i] ? s_answer(&frames[i]) : NULL;
    }
}

bool eo_ask_cancel(eo_http_request_t *req, eo_http_reply_t *reply, const char *site,
                   const char *request_id, uint32_t carer, json_t *body)
{
    char by[96], key[128];
    eo_view_who(req, by, sizeof by);
    const char *reason = eo_body_str(body, "reason");
    Eo__Cancel x = EO__CANCEL__INIT;
    x.request_id = (char *)request_id;
    x.carer_id = carer;
    x.reason = (char *)(reason ? reason : "");
    x.by = by;
    x.at = eo_clock_now(eo_gateway_args(req->gateway)->clock);
    Eo__Event event = EO__EVENT__INIT;
    event.id = (char *)eo_ask_action_key(req, key, sizeof key);
    event.body_case = EO__EVENT__BODY_CANCEL;
    event.cancel = &x;
    Eo__Event *back = eo_ask_matcher(req, reply, site, &event);
    json_decref(body); /* after the send: reason points into it */
    bool taken = back && !eo_ask_refused(back, reply);
    eo_event_free(&back);
    return taken;
}
