/* routes: the HTTP API's table of routes and their handlers. */
#ifndef EO_ROUTES_H
#define EO_ROUTES_H

#include "gateway.h"

typedef void (*eo_route_fn)(eo_http_request_t *req, eo_http_reply_t *reply);

/* Find the route for req and run it; 404/405 JSON errors otherwise. */
void eo_routes_dispatch(eo_http_request_t *req, eo_http_reply_t *reply);

/* Handlers (one file each). */
void eo_api_health(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_ready(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_request_create(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_request_get(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_quote(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_holidays_list(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_holidays_add(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_holidays_remove(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_handoffs_list(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_handoffs_ack(eo_http_request_t *req, eo_http_reply_t *reply);

#endif
