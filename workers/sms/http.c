/* http.c: a generic JSON webhook provider (the HTTP APIs Korean SMS providers offer).
 *
 * MT: POST <url> with a JSON object, field names from the configuration, plus one auth
 * header; 2xx taken, 4xx refused for good, anything else retried with backoff.
 * MO and DLR: the provider POSTs JSON (or form/query arguments) to our endpoint:
 *   <public_url>/http/<name>/mo    fields mo_id, mo_from, mo_text
 *   <public_url>/http/<name>/dlr   fields dlr_id (our message id), dlr_status
 *
 *   sms/adapters/<name>
 *       type = http
 *       url = "https://api.example.kr/v1/sms"
 *       auth_header = "Authorization: Bearer ..."
 *       from = "0311234567"
 *       connections = 4          timeout_ms = 10000     national = true
 *       field_to = "to"          field_text = "text"    field_from = "from"   field_id = "ref"
 *       mo_id = "id"             mo_from = "from"       mo_text = "text"
 *       dlr_id = "ref"           dlr_status = "status"
 *       delivered = "DELIVERED"  failed = "FAILED"      # status values, comma-separated */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapter.h"
#include "engine.h"
#include "eonjena/eo_phone.h"

typedef struct {
    eo_sms_link_t link; /* first: the shared engine plumbing (engine.h) */
    bool national;
    char *url, *from;
    zhash_t *keys; /* the section's keys and values (field names) */
} s_http_t;

static const char *s_key(s_http_t *self, const char *key, const char *fallback)
{
    const char *v = zhash_lookup(self->keys, key);
    return v ? v : fallback;
}

static void s_destroy(void **state_p)
{
    s_http_t *self = *state_p;
    if (!self) return;
    zmsg_destroy(&self->link.batch);
    zactor_destroy(&self->link.engine);
    zhash_destroy(&self->keys);
    free(self->link.name);
    free(self->url);
    free(self->from);
    free(self);
    *state_p = NULL;
}

static void *s_create(const eo_sms_adapter_env_t *env, char *err, size_t errlen)
{
    zconfig_t *c = env->section;
    const char *url = zconfig_get(c, "url", "");
    const char *auth = zconfig_get(c, "auth_header", "");
    int conns = atoi(zconfig_get(c, "connections", "4"));
    long timeout = atol(zconfig_get(c, "timeout_ms", "10000"));
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        snprintf(err, errlen, "sms/adapters/%s/url: need the provider's http(s):// URL",
                 env->name);
        return NULL;
    }
    if (*auth && !strchr(auth, ':')) {
        snprintf(err, errlen, "sms/adapters/%s/auth_header: want \"Name: value\"", env->name);
        return NULL;
    }
    if (conns < 1 || conns > 64 || timeout < 100) {
        snprintf(err, errlen, "sms/adapters/%s: connections 1..64, timeout_ms >= 100",
                 env->name);
        return NULL;
    }
    s_http_t *self = calloc(1, sizeof *self);
    assert(self);
    self->link.name = strdup(env->name);
    self->link.sink = env->sink;
    self->url = strdup(url);
    self->from = strdup(zconfig_get(c, "from", ""));
    self->national = !streq(zconfig_get(c, "national", "true"), "false");
    self->keys = zhash_new();
    zhash_autofree(self->keys);
    for (zconfig_t *k = zconfig_child(c); k; k = zconfig_next(k))
        zhash_update(self->keys, zconfig_name(k), zconfig_value(k));
    eo_sms_engine_args_t ea = {conns, timeout, *auth ? auth : NULL, "application/json"};
    self->link.engine = eo_sms_engine_new(&ea);
    assert(self->keys && self->link.engine);
    return self;
}

static int s_send(void *state, const eo_sms_mt_t *mt)
{
    s_http_t *self = state;
    if (self->link.busy >= 512) return EO_EOVERLOAD;
    char to[EO_PHONE_MAX];
    if (!self->national || eo_phone_national(mt->to, to, sizeof to) != EO_OK)
        snprintf(to, sizeof to, "%s", mt->to);
    json_t *o = json_object();
    json_object_set_new(o, s_key(self, "field_to", "to"), json_string(to));
    json_object_set_new(o, s_key(self, "field_text", "text"), json_string(mt->text));
    json_object_set_new(o, s_key(self, "field_id", "ref"), json_string(mt->id));
    if (*self->from)
        json_object_set_new(o, s_key(self, "field_from", "from"), json_string(self->from));
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!body) { /* text that is not UTF-8: jansson refuses it */
        self->link.sink->sent(self->link.sink->owner, self->link.name, mt->id, EO_EINVAL);
        return EO_OK;
    }
    eo_sms_link_add(&self->link, mt->id, self->url, body);
    free(body);
    return EO_OK;
}

/* A field from the JSON body, else from the query/form arguments. Numbers are
 * accepted as text (some providers send ids as numbers). */
static const char *s_field(json_t *body, zhash_t *args, const char *name, char *buf,
                           size_t size)
{
    json_t *v = body ? json_object_get(body, name) : NULL;
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    const char *a = zhash_lookup(args, name);
    return a ? a : "";
}

/* Is `value` one of the comma-separated `list` (case-insensitive)? */
static bool s_in_list(const char *value, const char *list)
{
    size_t n = strlen(value);
    if (!n) return false;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncasecmp(p, value, n) == 0) return true;
        p += len + (p[len] == ',');
    }
    return false;
}

static int s_inbound(void *state, const char *what, zhash_t *args, const char *body,
                     size_t size)
{
    s_http_t *self = state;
    json_t *j = NULL;
    if (size > 0) {
        j = json_loadb(body, size, 0, NULL);
        if (!json_is_object(j)) {
            json_decref(j);
            return 400;
        }
    }
    char b1[32], b2[32], b3[32];
    int status = 404;
    if (streq(what, "mo")) {
        eo_sms_mo_t mo = {s_field(j, args, s_key(self, "mo_id", "id"), b1, sizeof b1),
                          s_field(j, args, s_key(self, "mo_from", "from"), b2, sizeof b2),
                          s_field(j, args, s_key(self, "mo_text", "text"), b3, sizeof b3)};
        status = *mo.id && *mo.from ? 200 : 400;
        if (status == 200) self->link.sink->mo(self->link.sink->owner, self->link.name, &mo);
    } else if (streq(what, "dlr")) {
        const char *id = s_field(j, args, s_key(self, "dlr_id", "ref"), b1, sizeof b1);
        const char *st = s_field(j, args, s_key(self, "dlr_status", "status"), b2, sizeof b2);
        status = *id && *st ? 200 : 400;
        eo_dlr_t dlr = s_in_list(st, s_key(self, "delivered", "DELIVERED")) ? EO_DLR_DELIVERED
                       : s_in_list(st, s_key(self, "failed", "FAILED"))     ? EO_DLR_FAILED
                                                                            : EO_DLR_QUEUED;
        if (status == 200)
            self->link.sink->dlr(self->link.sink->owner, self->link.name, id, dlr);
    }
    json_decref(j);
    return status;
}

const eo_sms_driver_t eo_sms_driver_http = {
    .type = "http",
    .create = s_create,
    .destroy = s_destroy,
    .send = s_send,
    .pollfds = eo_sms_link_pollfds,
    .ready = eo_sms_link_ready,
    .tick = eo_sms_link_tick,
    .inbound = s_inbound,
    .inflight = eo_sms_link_inflight,
};
