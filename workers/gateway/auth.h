/* auth: who calls the gateway, in one place for every route. A caller is identified by
 * an API key ("Authorization: Bearer eok_...", eo_keys.h) or by an operator's console
 * session (the cookie eo_session, made by POST /v1/session); anyone else is anonymous.
 * What a route allows is its entry in the route table (routes.c): the roles, then the
 * scope checks of its handler (eo_auth_site and friends).
 *
 * Safe by default: the gateway refuses to start with no credentials at all, unless the
 * configuration says gateway/insecure_demo = 1 (`eonjena serve --insecure-demo`, which
 * `make run` uses): then an anonymous caller is an administrator of every site, the
 * start-up log says so loudly and every answer carries X-Eonjena-Insecure-Demo: 1.
 *
 * Configuration (section gateway): keys_file = var/keys, insecure_demo = 0,
 * session_hours = 12, metrics_token_file = "" (a file, 0600, whose one line is the bearer
 * token a Prometheus scraper presents for GET /metrics and nothing else). */
#ifndef EO_GATEWAY_AUTH_H
#define EO_GATEWAY_AUTH_H

#include <czmq.h>
#include <stdbool.h>

#include "eonjena/eo_keys.h"

typedef struct eo_auth_t eo_auth_t;

/* NULL with err set: a bad credentials file, or none at all outside a demo. */
eo_auth_t *eo_auth_new(zconfig_t *config, char *err, size_t errlen);
void eo_auth_destroy(eo_auth_t **self_p);
bool eo_auth_insecure(eo_auth_t *self);

/* The caller of a request from its Authorization header and eo_session cookie (either
 * may be NULL). An anonymous caller has role EO_ROLE_NONE (an admin in a demo). A
 * credential that is wrong, unknown or revoked is anonymous too; *bad says a
 * credential was given and refused (the route answers 401 then, never a public
 * answer that would hide the mistake). *scraper says the bearer was the metrics token
 * (the caller is anonymous otherwise: only routes with EO_SCRAPER let it in). */
void eo_auth_identify(eo_auth_t *self, const char *authorization, const char *cookie,
                      eo_identity_t *who, bool *bad, bool *scraper);

/* An operator logs in: a new session token (hex, tokensize >= 65). EO_ENOTFOUND for a
 * wrong id or password. */
int eo_auth_login(eo_auth_t *self, const char *id, const char *password, eo_identity_t *who,
                  char *token, size_t tokensize);
/* End the session of a token (a no-op for an unknown one). */
void eo_auth_logout(eo_auth_t *self, const char *cookie);

/* The identity of the credential id as the keys file says now (re-read when it
 * changed): EO_OK, or EO_ENOTFOUND when it is unknown or revoked. */
int eo_auth_identity(eo_auth_t *self, const char *id, eo_identity_t *who);

/* Role bits for the route table. */
#define EO_ROLE_BIT(r) (1u << (r))
#define EO_PUBLIC EO_ROLE_BIT(EO_ROLE_NONE)
#define EO_SCRAPER (1u << 31) /* the metrics token (GET /metrics) */
#define EO_ANY_CALLER                                                                          \
    (EO_ROLE_BIT(EO_ROLE_MEMBER_APP) | EO_ROLE_BIT(EO_ROLE_CARER_APP) |                        \
     EO_ROLE_BIT(EO_ROLE_OPERATOR) | EO_ROLE_BIT(EO_ROLE_PROVIDER) |                           \
     EO_ROLE_BIT(EO_ROLE_SMS_GATEWAY) | EO_ROLE_BIT(EO_ROLE_ADMIN))

#endif
