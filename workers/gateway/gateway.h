/* gateway: the HTTP/JSON front door (libmicrohttpd + jansson).
 *
 * Turns HTTP requests into Events for the broker and answers with what the workers
 * replied. Nothing is acknowledged to the caller before the matcher has durably stored
 * the request (its reply is that acknowledgement). Every error is JSON:
 *   {"error": {"code": "unknown_dong", "message_ko": "...", "message_en": "..."}}
 *
 * Configuration (section `gateway` of etc/eonjena.cfg):
 *   listen = 127.0.0.1:8080   threads = 4   max_body = 16384   timeout_ms = 5000 */
#ifndef EO_GATEWAY_H
#define EO_GATEWAY_H

#include <czmq.h>
#include <jansson.h>

#include "common/role.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_keys.h"
#include "body.h"
#include "problems.h"

/* The actor: args is an eo_role_args_t*. Signals 0 when listening, -1 if it cannot. */
void eo_gateway_actor(zsock_t *pipe, void *args);

typedef struct eo_gateway_t eo_gateway_t;

/* What a route handler gets and fills. */
typedef struct {
    eo_gateway_t *gateway;
    const char *method;
    const char *path; /* without the query string */
    const char *body; /* NUL-terminated, may be empty */
    size_t body_len;
    void *connection;     /* struct MHD_Connection *, for eo_gateway_query_arg */
    eo_identity_t who;    /* the caller (auth.h): role EO_ROLE_NONE if anonymous */
    bool bad_credentials; /* a credential was given and refused */
    bool scraper;         /* the caller gave the metrics token (gateway/metrics_token_file) */
    char trace[65];       /* X-Request-Id: the caller's, or one made for it; it rides in
                           * every Event this request causes (Event.trace_id) and in the
                           * log lines of every role that handles them */
    const char *route;    /* the route's path pattern (/v1/requests/{*}), for logs and
                           * metrics: never the path itself, which may name a person */
} eo_http_request_t;

#define EO_HTTP_HEADERS_MAX 8

typedef struct {
    int status;               /* HTTP status */
    json_t *json;             /* the body; the gateway takes ownership */
    char *text;               /* instead of json: a body of another type (malloc'ed, owned) */
    const char *content_type; /* of text or stream (static) */
    void *stream;             /* instead of a body: a struct MHD_Response * read by a
                               * callback (events.c); the gateway queues and releases it */
    const char *header_names[EO_HTTP_HEADERS_MAX]; /* extra headers (static names) */
    char header_values[EO_HTTP_HEADERS_MAX][200];
    int n_headers;
} eo_http_reply_t;

/* Add a header to the reply (at most EO_HTTP_HEADERS_MAX). */
void eo_http_header(eo_http_reply_t *reply, const char *name, const char *value);

/* A query-string argument or NULL. */
const char *eo_gateway_query_arg(const eo_http_request_t *req, const char *name);
const eo_role_args_t *eo_gateway_args(eo_gateway_t *self);
/* Ask (service, site) for each of n sites at once whether a worker answers within
 * timeout_ms; answered[i] says. The body is sent as is (a status query for an id no
 * request has is a cheap question). 0, or EO_EIO without a broker client. */
int eo_gateway_probe(eo_gateway_t *self, const char *service, const char *const *sites,
                     size_t n, const void *body, size_t size, int timeout_ms, bool *answered);
/* The same request to (service, site) for each of n sites at once, waiting up to
 * timeout_ms: replies[i] is site i's answer (caller destroys) or NULL (no answer in time,
 * or a broker error). EO_OK, or EO_EIO without a broker client. */
int eo_gateway_call_all(eo_gateway_t *self, const char *service, const char *const *sites,
                        size_t n, const void *body, size_t size, int timeout_ms,
                        zframe_t **replies);
/* The same, with a body of its own for each site (bodies[i] of sizes[i]). */
int eo_gateway_call_each(eo_gateway_t *self, const char *service, const char *const *sites,
                         size_t n, const void *const *bodies, const size_t *sizes,
                         int timeout_ms, zframe_t **replies);
/* Is the gateway stopping (long answers end, waits give up)? */
bool eo_gateway_stopping(eo_gateway_t *self);
/* The sites this gateway serves (server/sites; default every site of the table), in
 * the table's order: up to max slugs into out, returns how many. */
size_t eo_gateway_sites(eo_gateway_t *self, const char **out, size_t max);
/* gateway/timeout_ms: how long a caller waits for a worker. */
int eo_gateway_timeout_ms(eo_gateway_t *self);
/* A request to (service, site) through the calling thread's client, waiting up to the
 * configured timeout: EO_OK with *reply, a broker status, EO_EIO without a broker
 * client, or EO_ECLOSED when the gateway is stopping. */
int eo_gateway_call(eo_gateway_t *self, const char *service, const char *site, const void *body,
                    size_t size, zframe_t **reply);

/* The rules and calendar (refreshed from their files when they changed), the providers.
 * NULL if they could not be loaded at start (the gateway then refuses to start). */
struct eo_rules_t *eo_gateway_rules(eo_gateway_t *self);
struct eo_calendar_t *eo_gateway_calendar(eo_gateway_t *self);
struct eo_providers_t *eo_gateway_providers(eo_gateway_t *self);
/* The identities and console sessions (auth.h). */
struct eo_auth_t *eo_gateway_auth(eo_gateway_t *self);
/* The HTTP request counters (counts.h). */
struct eo_http_counts_t *eo_gateway_counts(eo_gateway_t *self);
/* Do cookies get the Secure attribute (TLS here, or gateway/cookie_secure behind a TLS
 * proxy)? */
bool eo_gateway_secure_cookies(eo_gateway_t *self);
/* A request header or NULL. */
const char *eo_gateway_header(const eo_http_request_t *req, const char *name);
/* The request body as a JSON object of the fields of spec (body.h), or NULL after
 * filling reply with a 400 naming every unknown, missing or mistyped field. */
json_t *eo_http_body(const eo_http_request_t *req, eo_http_reply_t *reply,
                     const eo_field_t *spec);

/* Fill reply with a JSON error of the API's one shape:
 *   {"error":{"code","message_ko","message_en","field"}}
 * field (may be NULL: null) names the offending field; the messages name its value. */
void eo_http_error(eo_http_reply_t *reply, int status, const char *code, const char *ko,
                   const char *en);
void eo_http_error_field(eo_http_reply_t *reply, int status, const char *code, const char *ko,
                         const char *en, const char *field);
/* Fill reply with every problem found (problems.h), the first one on top. */
void eo_http_problems(eo_http_reply_t *reply, int status, const eo_problems_t *problems);

#endif
