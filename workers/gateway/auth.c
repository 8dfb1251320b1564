/* auth.c: identities and console sessions (see auth.h). */
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth.h"
#include "eonjena/eo_error.h"

#define S_SESSIONS_MAX 1024

typedef struct {
    char token[65]; /* hex of 32 random bytes; "" for a free slot */
    eo_identity_t who;
    int64_t expires; /* zclock_time ms */
} s_session_t;

struct eo_auth_t {
    eo_keys_t *keys;
    bool insecure;
    int64_t session_ms;
    char metrics_token[128]; /* "" when none is configured */
    pthread_mutex_t lock;    /* the sessions */
    s_session_t sessions[S_SESSIONS_MAX];
};

/* The scraper's token from gateway/metrics_token_file: a file only its owner reads,
 * holding one line of at least 32 characters. */
static int s_metrics_token(eo_auth_t *self, zconfig_t *config, char *err, size_t errlen)
{
    const char *path = zconfig_get(config, "gateway/metrics_token_file", "");
    if (!*path) return 0;
    struct stat st;
    FILE *f = fopen(path, "r");
    if (!f || fstat(fileno(f), &st) || (st.st_mode & 077)) {
        snprintf(err, errlen, "gateway/metrics_token_file %s: %s", path,
                 f ? "readable by others than its owner (chmod 600)" : strerror(errno));
        if (f) fclose(f);
        return -1;
    }
    char line[sizeof self->metrics_token + 2] = "";
    bool read = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    line[strcspn(line, "\r\n")] = 0;
    if (!read || strlen(line) < 32 || strlen(line) >= sizeof self->metrics_token) {
        snprintf(err, errlen,
                 "gateway/metrics_token_file %s: want one line of 32-126 characters", path);
        OPENSSL_cleanse(line, sizeof line);
        return -1;
    }
    memcpy(self->metrics_token, line, strlen(line) + 1);
    OPENSSL_cleanse(line, sizeof line);
    return 0;
}

eo_auth_t *eo_auth_new(zconfig_t *config, char *err, size_t errlen)
{
    eo_auth_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&self->lock, NULL);
    const char *path = zconfig_get(config, "gateway/keys_file", "var/keys");
    self->insecure = atoi(zconfig_get(config, "gateway/insecure_demo", "0")) != 0;
    long hours = atol(zconfig_get(config, "gateway/session_hours", "12"));
    self->session_ms = (hours > 0 && hours <= 24 * 30 ? hours : 12) * 3600 * 1000;
    self->keys = eo_keys_load(path, err, errlen);
    if (!self->keys || s_metrics_token(self, config, err, errlen)) {
        eo_auth_destroy(&self);
        return NULL;
    }
    if (!self->insecure && eo_keys_active(self->keys) == 0) {
        snprintf(err, errlen,
                 "no credentials in %s: add one with `eonjena key add --role ...` "
                 "(or `eonjena key passwd ID` for an operator), or start a demo with "
                 "--insecure-demo (every route open)",
                 path);
        eo_auth_destroy(&self);
        return NULL;
    }
    if (self->insecure)
        zsys_warning("gateway: INSECURE DEMO: every route is open to anyone, as an "
                     "administrator of every site. Never run this with real data.");
    return self;
}

void eo_auth_destroy(eo_auth_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_auth_t *self = *self_p;
    eo_keys_destroy(&self->keys);
    OPENSSL_cleanse(self->sessions, sizeof self->sessions);
    OPENSSL_cleanse(self->metrics_token, sizeof self->metrics_token);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

bool eo_auth_insecure(eo_auth_t *self)
{
    return self->insecure;
}

/* The value of the cookie eo_session in a Cookie header, copied into out. */
static bool s_cookie(const char *cookie, char *out, size_t size)
{
    for (const char *p = cookie; p && (p = strstr(p, "eo_session=")); p++) {
        if (p != cookie && p[-1] != ' ' && p[-1] != ';') continue;
        p += strlen("eo_session=");
        size_t n = strcspn(p, "; ");
        if (n == 0 || n >= size) return false;
        memcpy(out, p, n);
        out[n] = 0;
        return true;
    }
    return false;
}

/* The live session of a token (lock held). */
static s_session_t *s_session(eo_auth_t *self, const char *token)
{
    int64_t now = zclock_time();
    for (int i = 0; i < S_SESSIONS_MAX; i++) {
        s_session_t *s = &self->sessions[i];
        if (!s->token[0]) continue;
        if (s->expires <= now) {
            OPENSSL_cleanse(s, sizeof *s);
            continue;
        }
        if (strlen(token) == 64 && CRYPTO_memcmp(s->token, token, 64) == 0) return s;
    }
    return NULL;
}

/* Is this bearer the metrics token? Constant time over the token's length. */
static bool s_is_scraper(eo_auth_t *self, const char *bearer)
{
    size_t n = strlen(self->metrics_token);
    return n && strlen(bearer) == n && CRYPTO_memcmp(bearer, self->metrics_token, n) == 0;
}

void eo_auth_identify(eo_auth_t *self, const char *authorization, const char *cookie,
                      eo_identity_t *who, bool *bad, bool *scraper)
{
    memset(who, 0, sizeof *who);
    *bad = false;
    *scraper = false;
    eo_keys_refresh(self->keys); /* a revoked key is refused from the next request on */
    char token[80];
    if (authorization && strncmp(authorization, "Bearer ", 7) == 0 &&
        s_is_scraper(self, authorization + 7)) {
        *scraper = true;
        return;
    }
    if (authorization && strncmp(authorization, "Bearer ", 7) == 0) {
        *bad = eo_keys_verify(self->keys, authorization + 7, who) != EO_OK;
    } else if (authorization)
        *bad = true; /* another scheme: not ours */
    else if (s_cookie(cookie, token, sizeof token)) {
        pthread_mutex_lock(&self->lock);
        s_session_t *s = s_session(self, token);
        if (s) *who = s->who;
        pthread_mutex_unlock(&self->lock);
        *bad = !s;
    }
    if (*bad) memset(who, 0, sizeof *who);
    if (who->role == EO_ROLE_NONE && !*bad && self->insecure) {
        who->role = EO_ROLE_ADMIN;
        snprintf(who->id, sizeof who->id, "demo");
        snprintf(who->sites, sizeof who->sites, "*");
    }
}

int eo_auth_login(eo_auth_t *self, const char *id, const char *password, eo_identity_t *who,
                  char *token, size_t tokensize)
{
    eo_keys_refresh(self->keys);
    if (tokensize < 65 || eo_keys_login(self->keys, id, password, who) != EO_OK)
        return EO_ENOTFOUND;
    uint8_t raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) return EO_EIO;
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++)
        token[2 * i] = hex[raw[i] >> 4], token[2 * i + 1] = hex[raw[i] & 15];
    token[64] = 0;
    pthread_mutex_lock(&self->lock);
    s_session_t *slot = NULL;
    int64_t now = zclock_time();
    for (int i = 0; i < S_SESSIONS_MAX && !slot; i++)
        if (!self->sessions[i].token[0] || self->sessions[i].expires <= now)
            slot = &self->sessions[i];
    if (!slot) { /* full: the session closest to its end makes room */
        slot = &self->sessions[0];
        for (int i = 1; i < S_SESSIONS_MAX; i++)
            if (self->sessions[i].expires < slot->expires) slot = &self->sessions[i];
    }
    *slot = (s_session_t){.who = *who, .expires = now + self->session_ms};
    memcpy(slot->token, token, 65);
    pthread_mutex_unlock(&self->lock);
    return EO_OK;
}

void eo_auth_logout(eo_auth_t *self, const char *cookie)
{
    char token[80];
    if (!s_cookie(cookie, token, sizeof token)) return;
    pthread_mutex_lock(&self->lock);
    s_session_t *s = s_session(self, token);
    if (s) OPENSSL_cleanse(s, sizeof *s);
    pthread_mutex_unlock(&self->lock);
}

int eo_auth_identity(eo_auth_t *self, const char *id, eo_identity_t *who)
{
    if (self->insecure && streq(id, "demo")) { /* the demo's anonymous administrator */
        *who = (eo_identity_t){.role = EO_ROLE_ADMIN, .id = "demo", .sites = "*"};
        return EO_OK;
    }
    eo_keys_refresh(self->keys); /* a revoked key's webhook stops with it */
    return eo_keys_identity(self->keys, id, who);
}
