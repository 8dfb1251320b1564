/* quote.c: GET /v1/quote?site=&start=&end=&requested=...: the fee, pay and route
 * breakdown, by the same code as `eonjena quote` (eo_quote_json); and the parameters
 * both take (quote.h). */
#include <microhttpd.h>

#include "eonjena/eo_error.h"
#include "intake.h"
#include "quote.h"
#include "routes.h"

int eo_quote_param(eo_quote_params_t *params, const char *key, const char *value, char *err,
                   size_t errlen)
{
    if (!params || !key || !value || !streq(key, "channel"))
        return eo_quote_params_set(params, key, value, err, errlen);
    Eo__Channel channel = EO__CHANNEL__CHANNEL_CALL_CENTRE; /* also what "phone" means */
    if (!streq(value, "phone") && eo_intake_channel(value, &channel)) {
        snprintf(err, errlen, "bad value for channel: '%s' (app, call_centre or operator)",
                 value);
        return EO_EINVAL;
    }
    params->channel = channel == EO__CHANNEL__CHANNEL_APP ? EO_CHANNEL_APP : EO_CHANNEL_PHONE;
    return EO_OK;
}

typedef struct {
    eo_quote_params_t *params;
    char err[160];
    bool bad;
} s_args_t;

static enum MHD_Result s_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                             const char *value)
{
    (void)kind;
    s_args_t *a = cls;
    if (!a->bad &&
        eo_quote_param(a->params, key, value ? value : "", a->err, sizeof a->err) != EO_OK)
        a->bad = true;
    return MHD_YES;
}

void eo_api_quote(eo_http_request_t *req, eo_http_reply_t *reply)
{
    eo_quote_params_t params;
    eo_quote_params_init(&params, eo_gateway_args(req->gateway)->dongs);
    s_args_t a = {.params = &params};
    MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, s_arg, &a);
    if (a.bad) {
        eo_http_error(reply, 400, "bad_field", "견적 조건이 잘못되었습니다", a.err);
        return;
    }
    char err[160];
    char *text = eo_quote_json(eo_gateway_rules(req->gateway), &params, err, sizeof err);
    json_t *json = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!json) {
        eo_http_error(reply, 400, "bad_field", "견적 조건이 잘못되었습니다", err);
        return;
    }
    reply->status = json_is_true(json_object_get(json, "ok")) ? 200 : 422;
    reply->json = json;
}
