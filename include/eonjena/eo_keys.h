/* eo_keys: who may call the HTTP API. A registry of credentials in one file (0600),
 * each with a role and a scope, stored hashed: an API key's secret as SHA-256 (the
 * secret is 256 random bits: nothing to guess, so a fast hash is enough), an operator's
 * password as PBKDF2-HMAC-SHA256 with a salt. The clear text of a key is shown once,
 * when it is made; it is never written to a file or a log.
 *
 * A key reads "eok_<id>_<secret>" and travels as "Authorization: Bearer <key>": the id
 * finds the row without scanning, the secret is compared in constant time. Operators
 * log in to the console with their id and password (eo_keys_login).
 *
 * File rows (tab-separated; `eonjena key add|list|revoke|passwd` edit it; a change is
 * picked up by a running gateway without a restart):
 *   id  role  sites  provider  created  revoked  secret
 *   sites: "*" or "suwon,guri"; provider: a provider id or "-"; created / revoked:
 *   ISO times or "-"; secret: "sha256:<hex>" or "pbkdf2:<iterations>:<salt hex>:<hex>". */
#ifndef EO_KEYS_H
#define EO_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "eo_time.h"

typedef enum {
    EO_ROLE_NONE = 0,    /* no credentials */
    EO_ROLE_MEMBER_APP,  /* a member app's backend: its own requests */
    EO_ROLE_CARER_APP,   /* a carers' app backend: offers and bookings of its sites */
    EO_ROLE_OPERATOR,    /* call-centre operators: everything of their sites */
    EO_ROLE_PROVIDER,    /* a provider agency: its own hand-offs */
    EO_ROLE_SMS_GATEWAY, /* an SMS gateway's callbacks */
    EO_ROLE_ADMIN,       /* the service's administrators: operator data of every site */
    EO_ROLE_COUNT
} eo_role_t;

#define EO_KEY_ID_MAX 24
#define EO_KEY_SITES_MAX 256
#define EO_KEY_PROVIDER_MAX 64

/* Who a credential says the caller is. */
typedef struct {
    eo_role_t role;
    char id[EO_KEY_ID_MAX];             /* the key's or operator's id */
    char sites[EO_KEY_SITES_MAX];       /* "*" or a comma list */
    char provider[EO_KEY_PROVIDER_MAX]; /* the provider role's own id, else "" */
} eo_identity_t;

/* "member_app" ... ; eo_role_parse: EO_ROLE_NONE for an unknown name. */
const char *eo_role_name(eo_role_t role);
eo_role_t eo_role_parse(const char *name);
/* Does the identity's scope include site (a slug)? */
bool eo_identity_serves(const eo_identity_t *who, const char *site);

typedef struct eo_keys_t eo_keys_t;

/* Load the file (it may be missing: no credentials yet). NULL with err set on a bad
 * file (every bad row named by its line). */
eo_keys_t *eo_keys_load(const char *path, char *err, size_t errlen);
void eo_keys_destroy(eo_keys_t **self_p);
/* Re-read the file if it changed (one stat). Thread-safe with the readers below. */
int eo_keys_refresh(eo_keys_t *self);
/* Credentials that are not revoked. */
size_t eo_keys_active(eo_keys_t *self);

/* The identity of "eok_<id>_<secret>": EO_OK, or EO_ENOTFOUND for a key that is
 * unknown, revoked or wrong (the same answer for all three). Constant-time compare. */
int eo_keys_verify(eo_keys_t *self, const char *key, eo_identity_t *who);
/* The identity of the credential with this id, when it is not revoked (a registered
 * webhook acts for its key: eo_keys_identity says what the key may see now), else
 * EO_ENOTFOUND. */
int eo_keys_identity(eo_keys_t *self, const char *id, eo_identity_t *who);
/* An operator's (or admin's) id and password: EO_OK with the identity, or
 * EO_ENOTFOUND. */
int eo_keys_login(eo_keys_t *self, const char *id, const char *password, eo_identity_t *who);

/* --- editing the file (the `eonjena key` commands) -------------------------------- */

/* Add an API key: a new id and secret; *key (malloc'ed, caller frees) is the clear key,
 * to show once. sites "*" or a list; provider for the provider role ("" otherwise). */
int eo_keys_file_add(const char *path, eo_role_t role, const char *sites, const char *provider,
                     eo_time_t now, char **key, char *err, size_t errlen);
/* Add (or reset the password of) an operator or admin account `id`. */
int eo_keys_file_passwd(const char *path, const char *id, eo_role_t role, const char *sites,
                        const char *password, eo_time_t now, char *err, size_t errlen);
/* Revoke a key or account by id: EO_OK, EO_ENOTFOUND. */
int eo_keys_file_revoke(const char *path, const char *id, eo_time_t now, char *err,
                        size_t errlen);
/* The rows without their secrets, one line each, for `eonjena key list`. */
int eo_keys_file_list(const char *path, FILE *out, char *err, size_t errlen);

void eo_keys_test(bool verbose);

#endif
