/* ask: the gateway's questions to the matchers, through the broker. Every route that
 * reads or changes a case, a carer or a member sends one Event to (match, site) and waits
 * for the answer, which the matcher gives only after its commit. The Event carries the
 * HTTP request's X-Request-Id (Event.trace_id), so the matcher's log lines, and those of
 * the roles its decision reaches, name it too. */
#ifndef EO_GATEWAY_ASK_H
#define EO_GATEWAY_ASK_H

#include "eonjena/eo_codec.h"
#include "gateway.h"

/* Send event (its id, site, at_ms and trace_id are filled here) to (match, site) and
 * decode the answer. NULL after filling reply with the error: the broker's (503, 504) or
 * an answer that cannot be decoded (502). Free the answer with eo_event_free. */
Eo__Event *eo_ask_matcher(eo_http_request_t *req, eo_http_reply_t *reply, const char *site,
                          Eo__Event *event);
/* The event id that makes a retried action one action: "api:<caller>:<Idempotency-Key>"
 * in buf, or NULL when the request has no valid Idempotency-Key (ids are the caller's
 * own: another client's same key is another action). */
const char *eo_ask_action_key(eo_http_request_t *req, char *buf, size_t size);
/* A matcher's refusal (a Status with an error) as the HTTP error a client can act on:
 * true when the answer was one (reply filled), false otherwise. */
bool eo_ask_refused(const Eo__Event *answer, eo_http_reply_t *reply);
/* Cancel request_id for the caller (carer 0: the whole request, else that carer's booking,
 * withdrawn) with body's "reason", keyed by the request's Idempotency-Key (the same key
 * twice is one cancellation). body is taken. true when the matcher took it; false after
 * filling reply with why not. */
bool eo_ask_cancel(eo_http_request_t *req, eo_http_reply_t *reply, const char *site,
                   const char *request_id, uint32_t carer, json_t *body);
/* The HTTP status for a matcher's error code: 404 for what does not exist, 409 for a
 * conflict with the state, 400 for a malformed value, else 422. */
int eo_ask_status(const char *code);
/* A broker failure (eo_client_recv's status: EO_EOVERLOAD, EO_ENOTFOUND, ...) as the
 * error code and HTTP status a caller gets for it (503 or 504). */
const char *eo_ask_broker_code(int rc, int *status);
/* A query to the matcher of site (Query what + args, a JSON object the query reads;
 * args is taken, like json_pack's "o"): its JSON answer (caller json_decref's), or NULL
 * after filling reply with the error. */
json_t *eo_ask_query(eo_http_request_t *req, eo_http_reply_t *reply, const char *site,
                     const char *what, json_t *args);
/* The same query to another service's worker for site. */
json_t *eo_ask_service(eo_http_request_t *req, eo_http_reply_t *reply, const char *service,
                       const char *site, const char *what, json_t *args);
/* The same query (args taken) to service for each of n sites at once, bounded by one
 * timeout: out[i] is site i's JSON answer (caller json_decref's) or NULL (a refusal, a bad
 * answer, or none); answered[i] says whether site i answered at all. */
void eo_ask_all(eo_http_request_t *req, const char *service, const char *const *sites, size_t n,
                const char *what, json_t *args, json_t **out, bool *answered);
/* The same query to the matchers of every site the caller serves (the first answer that
 * is not a "not found" wins): for what a path names without its site (a carer, a
 * member). *site gets the site that answered. NULL after filling reply (404 when no site
 * knows it). */
json_t *eo_ask_any_site(eo_http_request_t *req, eo_http_reply_t *reply, const char *what,
                        json_t *args, char *site, size_t sitesize);
/* The query what to each of n sites at once, args[i] (taken) to sites[i]: answers[i] is
 * that site's JSON (caller json_decref's), or NULL when it did not answer within
 * timeout_ms or refused. */
void eo_ask_each(eo_http_request_t *req, const char *what, const char *const *sites,
                 json_t **args, size_t n, int timeout_ms, json_t **answers);

#endif
