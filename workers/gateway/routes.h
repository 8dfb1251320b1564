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

/* The methods the routes take on path ("GET, POST"): false if no route matches it. */
bool eo_routes_allow(const char *path, char *allow, size_t size);
/* Find the route for req and run it; 404 (no route has the path) or 405 with Allow. */
void eo_routes_dispatch(eo_http_request_t *req, eo_http_reply_t *reply);

/* Handlers (one file each). */
void eo_api_health(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_ready(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_session_login(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_session_logout(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_request_create(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_request_get(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_request_list(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_request_cancel(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_request_events(eo_http_request_t *req, eo_http_reply_t *reply);
/* The case of request id as the caller may see it (operators: in full; a member's app:
 * only its own, without carers' phones), site filled; NULL after a 404 or another error. */
json_t *eo_request_view(eo_http_request_t *req, eo_http_reply_t *reply, const char *id,
                        char *site, size_t sitesize);
/* An operator's actions on a case (operator.c). */
void eo_api_request_assign(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_request_reoffer(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_request_reschedule(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_request_close(eo_http_request_t *req, eo_http_reply_t *reply);
/* POST /v1/requests/{id}/payment {"amount","reference"}: the member's fee was paid. */
void eo_api_request_payment(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_quote(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_holidays_list(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_holidays_add(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_holidays_remove(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_carers_list(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_carers_create(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_carer_availability(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_carer_consent(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_carer_deactivate(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_carer_offers(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_carer_get(eo_http_request_t *req, eo_http_reply_t *reply);
/* The carer with this id as the matchers know it, if it is of the caller's sites (site
 * filled); NULL after a 404 (unknown_carer) or another error. */
json_t *eo_carer_find(eo_http_request_t *req, eo_http_reply_t *reply, uint32_t id, char *site,
                      size_t size);
void eo_api_offer_accept(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_offer_decline(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_booking_withdraw(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_booking_start(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_booking_end(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_metrics(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_sites(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_dongs(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_members_create(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_members_list(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_member_get(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_member_verify(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_member_restrictions(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_member_restrict(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_handoffs_list(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_handoffs_ack(eo_http_request_t *req, eo_http_reply_t *reply);
/* GET /v1/events: the change feed as Server-Sent Events (events.c). */
void eo_api_events(eo_http_request_t *req, eo_http_reply_t *reply);
/* POST, GET, DELETE /v1/webhooks: the caller's webhook of the change feed (webhooks.c). */
void eo_api_webhooks_put(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_webhooks_get(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_webhooks_delete(eo_http_request_t *req, eo_http_reply_t *reply);
void eo_api_console(eo_http_request_t *req, eo_http_reply_t *reply);

#endif
