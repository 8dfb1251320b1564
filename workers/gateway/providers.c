/* providers.c: the pull API of hand-off (docs/handoff.md): a pull provider lists its
 * queue and acknowledges each item.
 *   GET  /v1/providers/{id}/handoffs[?limit=N]
 *   POST /v1/providers/{id}/handoffs/{item}/ack
 * The queue is the node's store (the gateway runs beside the handoff worker). */
#include <string.h>

#include "eonjena/eo_provider.h"
#include "eonjena/eo_handoff_queue.h"
#include "eonjena/eo_hmac.h"
#include "routes.h"

/* Split "/v1/providers/{id}/handoffs[/{item}/ack]" into id and item. */
static int s_path(const char *path, char *id, size_t idsize, char *item, size_t itemsize)
{
    const char *p = path + strlen("/v1/providers/");
    const char *slash = strchr(p, '/');
    if (!slash || (size_t)(slash - p) >= idsize || slash == p) return -1;
    snprintf(id, idsize, "%.*s", (int)(slash - p), p);
    if (streq(slash, "/handoffs")) {
        *item = '\0';
        return 0;
    }
    if (strncmp(slash, "/handoffs/", 10) != 0) return -1;
    const char *it = slash + 10, *end = strstr(it, "/ack");
    if (!end || end[4] != '\0' || end == it || (size_t)(end - it) >= itemsize) return -1;
    snprintf(item, itemsize, "%.*s", (int)(end - it), it);
    return 0;
}

static eo_handoff_queue_t *s_queue(eo_http_request_t *req, eo_http_reply_t *reply, char *id,
                                   size_t idsize, char *item, size_t itemsize)
{
    if (s_path(req->path, id, idsize, item, itemsize)) {
        eo_http_error(reply, 404, "not_found", "없는 경로입니다", "no such path");
        return NULL;
    }
    const eo_provider_t *p = eo_providers_find(eo_gateway_providers(req->gateway), id);
    /* A provider sees only its own queue, an operator those of its sites; another
     * caller's queue is "unknown" (404), so that existence does not leak either. */
    bool mine =
        p && (req->who.role == EO_ROLE_PROVIDER ? streq(req->who.provider, p->id)
                                                : eo_identity_serves(&req->who, p->site));
    if (!p || p->mode != EO_DELIVERY_PULL || !mine) {
        eo_http_error(reply, 404, "unknown_provider", "없는 제공기관입니다",
                      "no pull provider with this id");
        return NULL;
    }
    eo_store_t *store = eo_gateway_args(req->gateway)->store;
    eo_handoff_queue_t *q = store ? eo_handoff_queue_new(store) : NULL;
    if (!q)
        eo_http_error(reply, 503, "no_store", "인계 대기열을 열 수 없습니다",
                      "the hand-off queue is not available on this gateway");
    return q;
}

/* 200 with list as its body, signed as a webhook is (X-Eonjena-Signature over "<t>.<body>",
 * the exact bytes sent, newline included) with the provider's secret, so that a
 * provider can tell its queue came from this service unaltered. A provider configured
 * without a secret gets the list unsigned. Takes list. */
static void s_reply_signed(eo_http_request_t *req, eo_http_reply_t *reply, const char *id,
                           json_t *list)
{
    char *text = list ? json_dumps(list, JSON_COMPACT) : NULL;
    json_decref(list);
    char *body = text ? zsys_sprintf("%s\n", text) : NULL;
    free(text);
    const eo_provider_t *p = eo_providers_find(eo_gateway_providers(req->gateway), id);
    char sig[EO_HMAC_SIG_MAX] = "";
    eo_time_t now = eo_clock_now(eo_gateway_args(req->gateway)->clock);
    if (!body || (*p->secret &&
                  eo_hmac_sign(p->secret, now, body, strlen(body), sig, sizeof sig) != EO_OK)) {
        zstr_free(&body);
        eo_http_error(reply, 500, "sign_failed", "응답에 서명할 수 없습니다",
                      "the answer could not be signed");
        return;
    }
    reply->status = 200;
    reply->text = body; /* malloc'ed: the gateway frees it */
    reply->content_type = "application/json; charset=utf-8";
    if (*sig) eo_http_header(reply, EO_HMAC_HEADER, sig);
}

void eo_api_handoffs_list(eo_http_request_t *req, eo_http_reply_t *reply)
{
    char id[EO_PROVIDER_ID_MAX], item[128];
    eo_handoff_queue_t *q = s_queue(req, reply, id, sizeof id, item, sizeof item);
    if (!q) return;
    const char *limit_text = eo_gateway_query_arg(req, "limit");
    long limit = limit_text ? atol(limit_text) : 100;
    json_t *items = NULL;
    if (limit < 1 || limit > 1000)
        eo_http_error(reply, 400, "bad_field", "limit은 1-1000입니다", "limit must be 1-1000");
    else if (eo_handoff_queue_list(q, id, (size_t)limit, &items) != EO_OK)
        eo_http_error(reply, 500, "store_error", "대기열을 읽을 수 없습니다",
                      "the queue could not be read");
    else
        s_reply_signed(req, reply, id, json_pack("{s:s,s:o}", "provider", id, "items", items));
    eo_handoff_queue_destroy(&q);
}

void eo_api_handoffs_ack(eo_http_request_t *req, eo_http_reply_t *reply)
{
    char id[EO_PROVIDER_ID_MAX], item[128];
    eo_handoff_queue_t *q = s_queue(req, reply, id, sizeof id, item, sizeof item);
    if (!q) return;
    int rc = *item ? eo_handoff_queue_ack(q, id, item,
                                          eo_clock_now(eo_gateway_args(req->gateway)->clock))
                   : EO_EINVAL;
    if (rc == EO_OK) {
        reply->status = 200;
        reply->json = json_pack("{s:s,s:s}", "status", "acknowledged", "item", item);
    } else if (rc == EO_ENOTFOUND || rc == EO_EINVAL)
        eo_http_error(reply, 404, "unknown_item", "없는 인계 항목입니다",
                      "no such item in this provider's queue");
    else
        eo_http_error(reply, 500, "store_error", "대기열을 쓸 수 없습니다",
                      "the acknowledgement could not be stored");
    eo_handoff_queue_destroy(&q);
}
