/* kannel.c: Kannel's smsbox as the gateway (docs/sms.md has the facts this relies on).
 *
 * MT: GET <sendsms>?username&password&from&to&text&coding=2&charset=UTF-8&dlr-mask&dlr-url
 * over a few keep-alive connections (smsbox listens with a backlog of 10: a connection
 * per message loses), driven by one curl multi handle on the adapter's own engine
 * thread, so that the role's fsyncs never leave the connections idle.
 * Both coding=2 and charset=UTF-8, or Hangul arrives as '?' or garbled with HTTP 202.
 * DLR: dlr-url = <public_url>/kannel/<name>/dlr?key=<inbound_secret>&id=<message id>&status=%d,
 * URL-encoded inside the query or Kannel drops everything after its first '&'.
 * MO: the sms-service's get-url points at
 * <public_url>/kannel/<name>/mo?key=<inbound_secret>&id=%I&from=%p&text=%b
 * (with mo-recode = true and max-messages = 0; tests/kannel/ has a working config). The
 * key is how the role knows a callback is Kannel's (adapter.h, eo_sms_adapter_admit).
 *
 *   sms/adapters/<name>
 *       type = kannel
 *       sendsms = "http://127.0.0.1:13013/cgi-bin/sendsms"
 *       username = "eonjena"       password = "..."
 *       from = "0311234567"        # the registered sender number
 *       connections = 8            dlr_mask = 3      timeout_ms = 10000
 *       smsc = ""                  # optional smsc-id route
 *       national = true            # send "010..." instead of "+8210..." */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "adapter.h"
#include "engine.h"
#include "eonjena/eo_phone.h"

/* --- the driver, on the role's thread ------------------------------------------------ */

typedef struct {
    eo_sms_link_t link; /* first: the shared engine plumbing (engine.h) */
    char *base;         /* sendsms?username=..&password=..&from=..&coding=2&charset=UTF-8 */
    char *dlr_base;     /* <public_url>/kannel/<name>/dlr?key=<inbound_secret> */
    int dlr_mask;
    bool national;
} s_kannel_t;

static void s_destroy(void **state_p)
{
    s_kannel_t *self = *state_p;
    if (!self) return;
    zmsg_destroy(&self->link.batch);
    zactor_destroy(&self->link.engine);
    free(self->base);
    free(self->dlr_base);
    free(self->link.name);
    free(self);
    *state_p = NULL;
}

/* URL-encode into a new string. */
static char *s_escape(const char *text)
{
    char *e = curl_easy_escape(NULL, text, 0);
    char *copy = e ? strdup(e) : NULL;
    curl_free(e);
    return copy;
}

static void *s_create(const eo_sms_adapter_env_t *env, char *err, size_t errlen)
{
    zconfig_t *c = env->section;
    const char *sendsms = zconfig_get(c, "sendsms", "");
    const char *user = zconfig_get(c, "username", "");
    const char *pass = zconfig_get(c, "password", "");
    const char *from = zconfig_get(c, "from", "");
    const char *smsc = zconfig_get(c, "smsc", "");
    int conns = atoi(zconfig_get(c, "connections", "8"));
    int mask = atoi(zconfig_get(c, "dlr_mask", "3"));
    long timeout = atol(zconfig_get(c, "timeout_ms", "10000"));
    if (strncmp(sendsms, "http://", 7) != 0 && strncmp(sendsms, "https://", 8) != 0) {
        snprintf(err, errlen, "sms/adapters/%s/sendsms: need smsbox's http(s):// sendsms URL",
                 env->name);
        return NULL;
    }
    if (!*user || !*from) {
        snprintf(err, errlen,
                 "sms/adapters/%s: username and from (the sender number) are needed",
                 env->name);
        return NULL;
    }
    if (conns < 1 || conns > 64 || mask < 0 || mask > 31 || timeout < 100) {
        snprintf(err, errlen,
                 "sms/adapters/%s: connections 1..64, dlr_mask 0..31, "
                 "timeout_ms >= 100",
                 env->name);
        return NULL;
    }
    if (mask && (!env->public_url || !*env->public_url)) {
        snprintf(err, errlen,
                 "sms/adapters/%s: delivery reports (dlr_mask %d) need sms/listen "
                 "(our HTTP endpoint) to be set",
                 env->name, mask);
        return NULL;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    s_kannel_t *self = calloc(1, sizeof *self);
    assert(self);
    self->link.name = strdup(env->name);
    self->link.sink = env->sink;
    self->dlr_mask = mask;
    self->national = !streq(zconfig_get(c, "national", "true"), "false");
    char *u = s_escape(user), *p = s_escape(pass), *f = s_escape(from), *s = s_escape(smsc);
    self->base =
        zsys_sprintf("%s%susername=%s&password=%s&from=%s&coding=2&charset=UTF-8%s%s", sendsms,
                     strchr(sendsms, '?') ? "&" : "?", u, p, f, *smsc ? "&smsc=" : "", s);
    free(u), free(p), free(f), free(s);
    if (mask) {
        char *key = s_escape(zconfig_get(c, "inbound_secret", ""));
        self->dlr_base =
            zsys_sprintf("%s/kannel/%s/dlr?key=%s", env->public_url, env->name, key);
        free(key);
    }
    eo_sms_engine_args_t ea = {conns, timeout, NULL, NULL};
    self->link.engine = eo_sms_engine_new(&ea);
    assert(self->link.engine);
    return self;
}

static int s_send(void *state, const eo_sms_mt_t *mt)
{
    s_kannel_t *self = state;
    if (self->link.busy >= 512) /* enough for the engine to keep busy through an fsync */
        return EO_EOVERLOAD;
    char to[EO_PHONE_MAX];
    /* Korean mobiles in the national form if asked; other E.164 numbers as they are */
    if (!self->national || eo_phone_national(mt->to, to, sizeof to) != EO_OK)
        snprintf(to, sizeof to, "%s", mt->to);
    char *eto = s_escape(to), *etext = s_escape(mt->text);
    char *url;
    if (self->dlr_mask) {
        char *eid = s_escape(mt->id);
        char *dlr = zsys_sprintf("%s&id=%s&status=%%d", self->dlr_base, eid);
        char *edlr = s_escape(dlr);
        url = zsys_sprintf("%s&to=%s&text=%s&dlr-mask=%d&dlr-url=%s", self->base, eto, etext,
                           self->dlr_mask, edlr);
        free(eid), zstr_free(&dlr), free(edlr);
    } else
        url = zsys_sprintf("%s&to=%s&text=%s", self->base, eto, etext);
    free(eto), free(etext);
    eo_sms_link_add(&self->link, mt->id, url, "");
    zstr_free(&url);
    return EO_OK;
}

static const char *s_arg(zhash_t *args, const char *key)
{
    const char *v = zhash_lookup(args, key);
    return v ? v : "";
}

/* Kannel calls back: /kannel/<name>/mo?id=%I&from=%p&text=%b and
 * /kannel/<name>/dlr?id=<ours>&status=%d. */
static int s_inbound(void *state, const char *what, zhash_t *args, const char *body,
                     size_t size)
{
    (void)body, (void)size;
    s_kannel_t *self = state;
    if (streq(what, "mo")) {
        eo_sms_mo_t mo = {s_arg(args, "id"), s_arg(args, "from"), s_arg(args, "text")};
        if (!*mo.id || !*mo.from) return 400;
        self->link.sink->mo(self->link.sink->owner, self->link.name, &mo);
        return 200;
    }
    if (streq(what, "dlr")) {
        const char *id = s_arg(args, "id");
        int status = atoi(s_arg(args, "status"));
        if (!*id || status <= 0) return 400;
        /* Kannel's types: 1 delivered, 2 failed, 4 buffered, 8 at SMSC, 16 SMSC reject */
        eo_dlr_t dlr = status & 1          ? EO_DLR_DELIVERED
                       : status & (2 | 16) ? EO_DLR_FAILED
                                           : EO_DLR_QUEUED;
        self->link.sink->dlr(self->link.sink->owner, self->link.name, id, dlr);
        return 200;
    }
    return 404;
}

const eo_sms_driver_t eo_sms_driver_kannel = {
    .type = "kannel",
    .create = s_create,
    .destroy = s_destroy,
    .send = s_send,
    .pollfds = eo_sms_link_pollfds,
    .ready = eo_sms_link_ready,
    .tick = eo_sms_link_tick,
    .inbound = s_inbound,
    .inflight = eo_sms_link_inflight,
};
