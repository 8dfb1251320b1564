/* health.c: GET /v1/health: is the gateway up, and what time does the server think it is. */
#include "eonjena/eonjena.h"
#include "routes.h"

void eo_api_health(eo_http_request_t *req, eo_http_reply_t *reply)
{
    const eo_role_args_t *args = eo_gateway_args(req->gateway);
    char now[32];
    eo_time_format(eo_clock_now(args->clock), now, sizeof now);
    reply->status = 200;
    reply->json = json_pack("{s:s,s:s,s:s}", "status", "ok", "version", EONJENA_VERSION,
                            "time", now);
}
