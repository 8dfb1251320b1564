/* routes: the HTTP API's table of routes and their handlers. */
#ifndef EO_ROUTES_H
#define EO_ROUTES_H

#include "gateway.h"

typedef void (*eo_route_fn)(eo_http_request_t *req, eo_http_reply_t *reply);

typedef struct {
    const char *method; /* a path may have several routes, one per method */
    const char *path;
    unsigned roles; /* EO_ROLE_BIT(...) of the roles that may call it; EO_PUBLIC: anyone */
    eo_route_fn fn;
} eo_http_route_t;

/* Every route, ended by an entry with a NULL method (for the tests' route matrix). */
const eo_http_route_t *eo_routes_table(void);

/* Find the route for req and run it; 404/405 JSON errors otherwise. */
void eo_routes_dispatch(eo_http_request_t *req, eo_http_reply_t *reply);

/* Handlers (one file each). */
void eo_api_health(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_ready(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_session_login(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_session_logout(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_request_create(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_request_get(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_quote(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_holidays_list(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_holidays_add(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_holidays_remove(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_handoffs_list(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_handoffs_ack(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_sites(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_dongs(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_console(eo_http_request_t *req, eo_http_reply_t *reply);

#endif
