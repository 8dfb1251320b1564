/* config.c: the table of every configuration key, and loading, checking and printing a
 * configuration against it (see config.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "eonjena/eonjena.h"
#include "eonjena/eo_paths.h"
#include "eonjena/eo_phone.h"

extern char **environ;

typedef enum {
    T_STR,       /* any text */
    T_INT,       /* a whole number in min..max */
    T_NUM,       /* a number in min..max */
    T_BOOL01,    /* 0 or 1 */
    T_BOOLTF,    /* true or false */
    T_ENUM,      /* one of choices ("a|b|c") */
    T_CLOCK,     /* system | manual:<time> | offset:<time> */
    T_ENDPOINTS, /* tcp:// ipc:// inproc:// endpoints, comma-separated; "" if min > 0 */
    T_HOSTPORT,  /* host:port; "" if min > 0 */
    T_URL,       /* http:// or https://; "" if min > 0 */
    T_PHONE,     /* E.164 */
    T_SITES,     /* "*" or slugs, comma-separated */
} s_type_t;

typedef struct {
    const char *path; /* "gateway/listen"; a '*' segment is any name */
    s_type_t type;
    const char *def; /* default; NULL: none (wildcard keys); "@state/x": the state folder's x */
    double min, max;
    const char *choices; /* T_ENUM */
    bool secret;         /* masked when printed */
} s_key_t;

#define INT(p, d, lo, hi)                                                                      \
    {                                                                                          \
        p, T_INT, d, lo, hi, NULL, false                                                       \
    }
#define NUM(p, d, lo, hi)                                                                      \
    {                                                                                          \
        p, T_NUM, d, lo, hi, NULL, false                                                       \
    }
#define STR(p, d)                                                                              \
    {                                                                                          \
        p, T_STR, d, 0, 0, NULL, false                                                         \
    }
#define SECRET(p)                                                                              \
    {                                                                                          \
        p, T_STR, NULL, 0, 0, NULL, true                                                       \
    }
#define ENUM(p, d, c)                                                                          \
    {                                                                                          \
        p, T_ENUM, d, 0, 0, c, false                                                           \
    }
#define TYPED(p, t, d)                                                                         \
    {                                                                                          \
        p, t, d, 0, 0, NULL, false                                                             \
    }
#define OPTIONAL(p, t, d)                                                                      \
    {                                                                                          \
        p, t, d, 1, 0, NULL, false                                                             \
    } /* min 1: may be "" */

/* Every key the code reads, in the order of etc/eonjena.cfg. Defaults are the code's. */
static const s_key_t s_keys[] = {
    STR("server/store", "@state/store"),
    STR("server/data", ""),
    TYPED("server/clock", T_CLOCK, "system"),
    TYPED("server/broker", T_ENDPOINTS, "inproc://eonjena-broker"),
    OPTIONAL("server/broker_bind", T_ENDPOINTS, ""),
    TYPED("server/sites", T_SITES, "*"),
    /* 0: one per core (cli/shards.c) */
    INT("server/matchers", "0", 0, EO_SITE_MAX),
    STR("server/broker_cert", ""),
    STR("server/cert", ""),
    TYPED("server/allow_plain_tcp", T_BOOL01, "0"),
    INT("server/heap_trim_ms", "10000", 0, 86400000),
    INT("store/map_mb", "4096", 1, 1 << 30),
    INT("store/map_max_mb", "262144", 1, 1 << 30),
    INT("store/retire_days", "0", 0, 100000),
    INT("store/seen_days", "30", 0, 100000),
    INT("store/purge_hour", "4", 0, 23),
    INT("store/purge_batch", "256", 1, 100000),
    ENUM("log/level", "info", "error|warn|warning|info|debug"),
    ENUM("log/format", "text", "text|json"),
    INT("demo/carers", "3000", 0, 2000000),
    INT("demo/seed", "1", 0, 4294967295.0),
    TYPED("gateway/listen", T_HOSTPORT, "127.0.0.1:8080"),
    INT("gateway/threads", "128", 1, 1024),
    INT("gateway/max_body", "16384", 256, 64 << 20),
    INT("gateway/timeout_ms", "5000", 1, 3600000),
    STR("gateway/keys_file", "@state/keys"),
    TYPED("gateway/insecure_demo", T_BOOL01, "0"),
    INT("gateway/session_hours", "12", 1, 720),
    NUM("gateway/rate_per_key", "500", 0, 1e9),
    NUM("gateway/rate_anonymous", "20", 0, 1e9),
    INT("gateway/max_connections", "4000", 1, 1000000),
    INT("gateway/max_connections_per_ip", "0", 0, 1000000),
    INT("gateway/idle_timeout_s", "15", 1, 86400),
    STR("gateway/tls_cert", ""),
    STR("gateway/tls_key", ""),
    STR("gateway/trusted_proxies", ""),
    TYPED("gateway/cookie_secure", T_BOOL01, "0"),
    STR("gateway/cors_origin", ""),
    TYPED("gateway/access_log", T_BOOL01, "1"),
    STR("gateway/metrics_token_file", ""),
    INT("gateway/events_poll_ms", "500", 20, 60000),
    INT("gateway/events_heartbeat_s", "10", 1, 3600),
    INT("gateway/events_max_clients", "64", 0, 1000),
    STR("gateway/webhooks_file", ""),
    INT("gateway/webhook_retry_base_ms", "1000", 10, 3600000),
    INT("gateway/webhook_retry_max_ms", "300000", 10, 86400000),
    INT("gateway/webhook_timeout_ms", "10000", 100, 120000),
    TYPED("broker/bind", T_ENDPOINTS, "tcp://127.0.0.1:5555"),
    INT("broker/heartbeat_ms", "1000", 1, 600000),
    INT("broker/liveness", "3", 1, 1000),
    INT("broker/max_queue", "10000", 1, 100000000),
    INT("broker/unrouted_timeout_ms", "5000", 1, 3600000),
    STR("broker/curve_secret", ""),
    STR("broker/curve_clients", ""),
    TYPED("broker/allow_plain_tcp", T_BOOL01, "0"),
    OPTIONAL("sms/listen", T_HOSTPORT, ""),
    OPTIONAL("sms/public_url", T_URL, ""),
    INT("sms/window", "512", 1, 100000),
    INT("sms/ack_flush_ms", "1000", 0, 3600000),
    INT("sms/backlog", "4096", 1, 65535),
    INT("sms/help_interval_s", "600", 0, 86400 * 365),
    INT("sms/retention_days", "30", 1, 3650), /* texts and phones kept this long */
    STR("sms/sites/*/adapter", NULL),
    ENUM("sms/sites/*/coding", NULL, "ucs2|euc-kr"),
    STR("sms/sites/*/offer", NULL),
    STR("sms/sites/*/filled", NULL),
    STR("sms/sites/*/withdrawn", NULL),
    STR("sms/sites/*/help", NULL),
    STR("sms/sites/*/stop", NULL),
    STR("sms/sites/*/time", NULL),
    STR("sms/sites/*/winner", NULL),
    STR("sms/sites/*/notice", NULL),
    STR("sms/sites/*/overlap", NULL),
    STR("sms/sites/*/unbookable", NULL),
    STR("sms/sites/*/called_off", NULL),
    STR("sms/sites/*/queued", NULL),
    STR("sms/sites/*/expired", NULL),
    STR("sms/sites/*/cancelled", NULL),
    STR("sms/sites/*/reopened", NULL),
    STR("sms/sites/*/escalated", NULL),
    STR("sms/sites/*/pair_failed", NULL),
    /* adapters: every type's keys (each driver checks its own in detail) */
    ENUM("sms/adapters/*/type", NULL, "kannel|http|sim|file"),
    NUM("sms/adapters/*/rate", NULL, 0, 1e6),
    INT("sms/adapters/*/retries", NULL, 0, 100),
    INT("sms/adapters/*/backoff_ms", NULL, 1, 3600000),
    TYPED("sms/adapters/*/sendsms", T_URL, NULL),
    STR("sms/adapters/*/username", NULL),
    SECRET("sms/adapters/*/password"),
    STR("sms/adapters/*/from", NULL),
    STR("sms/adapters/*/smsc", NULL),
    INT("sms/adapters/*/connections", NULL, 1, 64),
    INT("sms/adapters/*/dlr_mask", NULL, 0, 31),
    INT("sms/adapters/*/timeout_ms", NULL, 100, 600000),
    TYPED("sms/adapters/*/national", T_BOOLTF, NULL),
    TYPED("sms/adapters/*/url", T_URL, NULL),
    SECRET("sms/adapters/*/auth_header"),
    STR("sms/adapters/*/field_to", NULL),
    STR("sms/adapters/*/field_text", NULL),
    STR("sms/adapters/*/field_id", NULL),
    STR("sms/adapters/*/field_from", NULL),
    STR("sms/adapters/*/mo_id", NULL),
    STR("sms/adapters/*/mo_from", NULL),
    STR("sms/adapters/*/mo_text", NULL),
    STR("sms/adapters/*/dlr_id", NULL),
    STR("sms/adapters/*/dlr_status", NULL),
    STR("sms/adapters/*/delivered", NULL),
    STR("sms/adapters/*/failed", NULL),
    NUM("sms/adapters/*/delay_ms", NULL, 0, 86400000),
    NUM("sms/adapters/*/jitter_ms", NULL, 0, 86400000),
    /* sim: -1 sends no delivery reports */
    NUM("sms/adapters/*/dlr_ms", NULL, -1, 86400000),
    NUM("sms/adapters/*/accept", NULL, 0, 1),
    NUM("sms/adapters/*/decline", NULL, 0, 1),
    NUM("sms/adapters/*/fail", NULL, 0, 1),
    NUM("sms/adapters/*/seed", NULL, 0, 4294967295.0),
    STR("sms/adapters/*/path", NULL),
    /* sim: a file of every message handed over (eonjena-load) */
    STR("sms/adapters/*/trace", NULL),
    TYPED("sms/adapters/*/mask", T_BOOLTF, NULL),
    SECRET("sms/adapters/*/inbound_secret"),
    STR("sms/adapters/*/allow_from", NULL),
    STR("rules/cfg", ""),
    STR("rules/fees", ""),
    STR("rules/holidays", ""),
    INT("rules/refresh_ms", "10000", 100, 86400000),
    INT("rules/calendar_warn_days", "90", 0, 3650),
    INT("handoff/retry_base_ms", "30000", 1, 86400000),
    INT("handoff/retry_max_ms", "3600000", 1, 86400000),
    INT("handoff/http_timeout_ms", "10000", 1, 600000),
    INT("handoff/batch", "50", 1, 100000),
    INT("handoff/window", "512", 1, 1024),
    INT("handoff/linger_ms", "100", 0, 10000),
    INT("handoff/retention_years", "3", 1, 100),
    STR("handoff/holidays", ""),
    STR("providers/*/name", NULL),
    STR("providers/*/site", NULL),
    STR("providers/*/hours", NULL),
    ENUM("providers/*/holidays", NULL, "closed|open"),
    STR("providers/*/contact", NULL),
    ENUM("providers/*/mode", NULL, "pull|webhook"),
    OPTIONAL("providers/*/url", T_URL, NULL),
    SECRET("providers/*/secret"),
    STR("providers/*/secret_file", NULL),
    TYPED("providers/*/default", T_BOOL01, NULL),
    INT("providers/*/number", NULL, 0, 65535), /* 시설형: the facility's number */
    INT("providers/*/facility_dong", NULL, 0, 4294967295), /* 시설형: where it is */
    TYPED("providers/*/centre", T_BOOL01, NULL),           /* an 아동돌봄센터 */
    STR("providers/*/regular", NULL), /* 시설형 regular hours HH:MM-HH:MM */
    INT("matcher/wave_k", "10", 1, 1000),
    INT("matcher/wave_timeout_s", "300", 1, 86400),
    INT("matcher/site/*/wave_timeout_s", NULL, 1, 86400),
    INT("matcher/escalate_lead_s", "3600", 0, 604800),
    TYPED("matcher/always_pool", T_BOOL01, "0"),
    TYPED("matcher/callcentre_phone", T_PHONE, "+82215771234"),
    INT("matcher/batch", "256", 1, 1024),
    INT("matcher/window", "64", 1, 100000),
    INT("matcher/relay_window", "2000", 1, 1000000),
    INT("matcher/ack_flush_ms", "1000", 0, 3600000),
    INT("matcher/ack_flush_rows", "1024", 1, 1000000),
    TYPED("matcher/sync_thread", T_BOOL01, "0"),
    INT("matcher/sync_delay_ms", "0", 0, 60000),
};
#define S_KEYS (sizeof s_keys / sizeof *s_keys)

/* Keys that were renamed: refused with what to write instead. */
static const struct {
    const char *path, *instead;
} s_retired[] = {
    {"server/var", "server/var is no longer read; set server/store to the store folder "
                   "itself (was <var>/store)"},
};

#define S_ORIGIN "from " /* the comment a node's origin is kept in */

/* --- problems ---------------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t size, len;
    int n;
} s_problems_t;

static void s_problem(s_problems_t *p, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static void s_problem(s_problems_t *p, const char *format, ...)
{
    if (p->n++ && p->len + 1 < p->size) p->buf[p->len++] = '\n';
    if (p->len >= p->size) return;
    va_list args;
    va_start(args, format);
    int n = vsnprintf(p->buf + p->len, p->size - p->len, format, args);
    va_end(args);
    p->len = n < 0 ? p->len : p->len + (size_t)n < p->size ? p->len + (size_t)n : p->size - 1;
}

/* --- matching the table --------------------------------------------------------------- */

/* Does path match pattern, segment by segment ('*' is any one segment)? */
static bool s_match(const char *pattern, const char *path)
{
    while (*pattern && *path) {
        size_t pl = strcspn(pattern, "/"), l = strcspn(path, "/");
        if (!(pl == 1 && *pattern == '*') && (pl != l || strncmp(pattern, path, l)))
            return false;
        pattern += pl, path += l;
        if ((*pattern == '/') != (*path == '/')) return false;
        pattern += *pattern == '/', path += *path == '/';
    }
    return !*pattern && !*path;
}

static const s_key_t *s_key_find(const char *path)
{
    for (size_t i = 0; i < S_KEYS; i++)
        if (s_match(s_keys[i].path, path)) return &s_keys[i];
    return NULL;
}

/* Is path a section: a proper prefix (whole segments) of some key's pattern? */
static bool s_is_section(const char *path)
{
    for (size_t i = 0; i < S_KEYS; i++) {
        char prefix[128];
        const char *p = s_keys[i].path;
        for (const char *slash = strchr(p, '/'); slash; slash = strchr(slash + 1, '/')) {
            snprintf(prefix, sizeof prefix, "%.*s", (int)(slash - p), p);
            if (s_match(prefix, path)) return true;
        }
    }
    return false;
}

/* --- values --------------------------------------------------------------------------- */

static bool s_number(const char *text, bool whole, double *out)
{
    char *end;
    errno = 0;
    *out = whole ? (double)strtoll(text, &end, 10) : strtod(text, &end);
    return *text && !*end && !errno && !isspace((unsigned char)*text);
}

static bool s_in_choices(const char *text, const char *choices)
{
    size_t n = strlen(text);
    for (const char *p = choices; *p;) {
        size_t len = strcspn(p, "|");
        if (len == n && strncmp(p, text, n) == 0) return true;
        p += len + (p[len] == '|');
    }
    return false;
}

static bool s_hostport(const char *text)
{
    const char *colon = strrchr(text, ':');
    double port;
    return colon && colon > text && s_number(colon + 1, true, &port) && port >= 1 &&
           port <= 65535;
}

static bool s_endpoints(const char *text)
{
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", text);
    if (!*copy) return false;
    for (char *save = NULL, *ep = strtok_r(copy, ",", &save); ep;
         ep = strtok_r(NULL, ",", &save))
        if (!(strncmp(ep, "tcp://", 6) == 0 && s_hostport(ep + 6)) &&
            !(strncmp(ep, "ipc://", 6) == 0 && ep[6]) &&
            !(strncmp(ep, "inproc://", 9) == 0 && ep[9]))
            return false;
    return true;
}

static bool s_sites(const char *text)
{
    if (streq(text, "*")) return true;
    if (!*text) return false;
    for (const char *p = text; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' ||
              (*p == ',' && p[1] && p[1] != ',' && p != text)))
            return false;
    return true;
}

static bool s_clock(const char *text)
{
    int64_t ms;
    if (streq(text, "system")) return true;
    const char *colon = strchr(text, ':');
    return colon && (strncmp(text, "manual:", 7) == 0 || strncmp(text, "offset:", 7) == 0) &&
           eo_time_parse_ms(colon + 1, &ms) == EO_OK;
}

/* NULL if value suits the key, else what is wrong with it. */
static const char *s_check(const s_key_t *k, const char *value, char *why, size_t size)
{
    double v;
    bool empty_ok = k->min > 0 && *value == 0;
    switch (k->type) {
    case T_STR:
        return NULL;
    case T_INT:
    case T_NUM:
        if (s_number(value, k->type == T_INT, &v) && v >= k->min && v <= k->max) return NULL;
        snprintf(why, size, "'%s' is not a %s from %.15g to %.15g", value,
                 k->type == T_INT ? "whole number" : "number", k->min, k->max);
        return why;
    case T_BOOL01:
        return streq(value, "0") || streq(value, "1") ? NULL : "want 0 or 1";
    case T_BOOLTF:
        return streq(value, "true") || streq(value, "false") ? NULL : "want true or false";
    case T_ENUM:
        if (s_in_choices(value, k->choices)) return NULL;
        snprintf(why, size, "'%s' is not one of %s", value, k->choices);
        return why;
    case T_CLOCK:
        return s_clock(value) ? NULL : "want system, manual:<ISO time> or offset:<ISO time>";
    case T_ENDPOINTS:
        return empty_ok || s_endpoints(value)
                   ? NULL
                   : "want tcp://host:port, ipc://path or inproc://name, comma-separated";
    case T_HOSTPORT:
        return empty_ok || s_hostport(value) ? NULL : "want host:port";
    case T_URL:
        return empty_ok || strncmp(value, "http://", 7) == 0 ||
                       strncmp(value, "https://", 8) == 0
                   ? NULL
                   : "want an http:// or https:// URL";
    case T_PHONE:
        return eo_phone_valid(value) ? NULL : "want an E.164 number (+82...)";
    case T_SITES:
        return s_sites(value) ? NULL : "want * or site slugs, comma-separated";
    }
    return NULL;
}

/* --- origins -------------------------------------------------------------------------- */

static void s_origin_set(zconfig_t *node, const char *origin)
{
    zconfig_set_comment(node, NULL);
    zconfig_set_comment(node, S_ORIGIN "%s", origin);
}

static const char *s_origin(zconfig_t *node)
{
    zlist_t *comments = zconfig_comments(node);
    for (char *c = comments ? zlist_first(comments) : NULL; c; c = zlist_next(comments))
        if (strncmp(c, S_ORIGIN, strlen(S_ORIGIN)) == 0) return c + strlen(S_ORIGIN);
    return "";
}

/* --- the file's lines ------------------------------------------------------------------ */

/* The line each path is on, from the file's text (zconfig keeps no line numbers):
 * indentation by 4 spaces per level, "name = value" or "name". */
static zhash_t *s_lines(const char *path)
{
    zhash_t *lines = zhash_new();
    FILE *f = fopen(path, "r");
    if (!f) return lines;
    zhash_autofree(lines);
    char line[2048], names[16][128];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t indent = strspn(line, " ");
        char *name = line + indent;
        size_t len = strcspn(name, " =\t\r\n#");
        if (len == 0 || *name == '#' || indent % 4 || indent / 4 >= 16 || len >= 128) continue;
        size_t level = indent / 4;
        snprintf(names[level], sizeof names[level], "%.*s", (int)len, name);
        char full[2048] = "";
        for (size_t i = 0; i <= level; i++)
            snprintf(full + strlen(full), sizeof full - strlen(full), "%s%s", i ? "/" : "",
                     names[i]);
        if (!zhash_lookup(lines, full)) {
            char number[16];
            snprintf(number, sizeof number, "%d", lineno);
            zhash_insert(lines, full, number); /* autofree: the hash keeps a copy */
        }
    }
    fclose(f);
    return lines;
}

/* --- checking the tree ----------------------------------------------------------------- */

typedef struct {
    const char *file;
    zhash_t *lines;
    s_problems_t *problems;
} s_walk_t;

/* "FILE:LINE" for a node of the file */
static void s_where(s_walk_t *w, const char *path, char *buf, size_t size)
{
    const char *line = zhash_lookup(w->lines, path);
    snprintf(buf, size, "%s:%s", w->file, line ? line : "?");
}

static void s_walk(s_walk_t *w, zconfig_t *node, const char *parent)
{
    for (zconfig_t *c = zconfig_child(node); c; c = zconfig_next(c)) {
        char path[512], where[1100], why[256];
        snprintf(path, sizeof path, "%s%s%s", parent, *parent ? "/" : "", zconfig_name(c));
        s_where(w, path, where, sizeof where);
        bool retired = false;
        for (size_t i = 0; i < sizeof s_retired / sizeof *s_retired; i++)
            if (streq(path, s_retired[i].path)) {
                s_problem(w->problems, "%s: %s", where, s_retired[i].instead);
                retired = true;
            }
        if (retired) continue;
        const s_key_t *k = zconfig_child(c) ? NULL : s_key_find(path);
        if (zconfig_child(c) || (!k && s_is_section(path))) {
            if (!s_is_section(path))
                s_problem(w->problems, "%s: %s: unknown section", where, path);
            else if (zconfig_value(c) && *zconfig_value(c))
                s_problem(w->problems, "%s: %s: a section has no value", where, path);
            else {
                s_origin_set(c, where); /* a section's line: problems with it name it */
                s_walk(w, c, path);
            }
            continue;
        }
        if (!k) {
            s_problem(w->problems, "%s: %s: unknown key", where, path);
            continue;
        }
        const char *bad = s_check(k, zconfig_value(c) ? zconfig_value(c) : "", why, sizeof why);
        if (bad) s_problem(w->problems, "%s: %s: %s", where, path, bad);
        s_origin_set(c, where);
    }
}

/* --- the environment -------------------------------------------------------------------- */

char *eo_config_env_name(const char *key, char *buf, size_t size)
{
    size_t n = (size_t)snprintf(buf, size, "EONJENA_");
    for (const char *p = key; *p && n + 1 < size; p++)
        buf[n++] = *p == '/' || *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    buf[n < size ? n : size - 1] = 0;
    return buf;
}

/* The concrete paths of a pattern: '*' segments take the names the tree has there. */
static void s_expand(zconfig_t *root, const char *pattern, const char *done, zlistx_t *out)
{
    const char *star = strstr(pattern, "/*");
    if (!star) {
        char full[512];
        snprintf(full, sizeof full, "%s%s", done, pattern);
        zlistx_add_end(out, full);
        return;
    }
    char prefix[512];
    if ((size_t)snprintf(prefix, sizeof prefix, "%s%.*s", done, (int)(star - pattern),
                         pattern) >= sizeof prefix)
        return;
    zconfig_t *section = zconfig_locate(root, prefix);
    for (zconfig_t *c = section ? zconfig_child(section) : NULL; c; c = zconfig_next(c)) {
        char next[512];
        if ((size_t)snprintf(next, sizeof next, "%.255s/%.255s", prefix, zconfig_name(c)) >=
            sizeof next)
            continue;
        s_expand(root, star + 2, next, out);
    }
}

/* Every EONJENA_ variable sets its key; one that names none is a problem. */
static void s_env(zconfig_t *root, s_problems_t *problems)
{
    zlistx_t *paths = zlistx_new();
    zlistx_set_destructor(paths, (czmq_destructor *)zstr_free);
    zlistx_set_duplicator(paths, (czmq_duplicator *)strdup);
    for (size_t i = 0; i < S_KEYS; i++)
        s_expand(root, s_keys[i].path, "", paths);
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, "EONJENA_", 8) != 0 || !strchr(*e, '=')) continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(strchr(*e, '=') - *e), *e);
        const char *value = strchr(*e, '=') + 1, *found = NULL;
        int matches = 0;
        for (const char *p = zlistx_first(paths); p; p = zlistx_next(paths)) {
            char env[256];
            if (streq(eo_config_env_name(p, env, sizeof env), name)) found = p, matches++;
        }
        char why[256];
        const char *bad = NULL;
        if (matches == 1 && !(bad = s_check(s_key_find(found), value, why, sizeof why))) {
            zconfig_put(root, found, value);
            s_origin_set(zconfig_locate(root, found), name);
        } else if (matches == 1)
            s_problem(problems, "%s (%s): %s", name, found, bad);
        else if (matches > 1)
            s_problem(problems, "%s names %d keys: rename a section so that they differ", name,
                      matches);
        else
            s_problem(problems,
                      "%s: no such configuration key (the name of gateway/listen is "
                      "EONJENA_GATEWAY_LISTEN)",
                      name);
    }
    zlistx_destroy(&paths);
}

/* --- defaults ---------------------------------------------------------------------------- */

static void s_defaults(zconfig_t *root)
{
    for (size_t i = 0; i < S_KEYS; i++) {
        const s_key_t *k = &s_keys[i];
        if (!k->def || zconfig_locate(root, k->path)) continue;
        char value[1024];
        if (strncmp(k->def, "@state/", 7) == 0)
            snprintf(value, sizeof value, "%s/%s", eo_paths_state(), k->def + 7);
        else
            snprintf(value, sizeof value, "%s", k->def);
        zconfig_put(root, k->path, value);
        s_origin_set(zconfig_locate(root, k->path), "default");
    }
}

/* What the process itself takes from the configuration. */
static void s_apply(zconfig_t *root)
{
    eo_log_level_t level;
    eo_log_format_t format;
    if (eo_log_level_parse(zconfig_get(root, "log/level", "info"), &level) == EO_OK)
        eo_log_set_level(level);
    if (eo_log_format_parse(zconfig_get(root, "log/format", "text"), &format) == EO_OK)
        eo_log_set_format(format);
    eo_paths_set_data(zconfig_get(root, "server/data", ""));
}

zconfig_t *eo_config_load(const char *path, char *why, size_t whylen)
{
    s_problems_t problems = {why, whylen, 0, 0};
    why[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    fclose(f);
    zconfig_t *root = zconfig_load(path);
    if (!root) {
        snprintf(why, whylen,
                 "%s: not a configuration (zconfig: indent by 4 spaces, "
                 "name = value)",
                 path);
        return NULL;
    }
    s_walk_t w = {path, s_lines(path), &problems};
    s_walk(&w, root, "");
    zhash_destroy(&w.lines);
    s_env(root, &problems);
    if (problems.n) {
        zconfig_destroy(&root);
        return NULL;
    }
    s_defaults(root);
    s_apply(root);
    return root;
}

zconfig_t *eo_config_open(const char *prog, const char *path)
{
    char why[8192];
    zconfig_t *config = eo_config_load(path, why, sizeof why);
    for (char *save = NULL, *line = config ? NULL : strtok_r(why, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        zsys_error("%s: configuration refused: %s", prog, line);
    return config;
}

int eo_config_set(zconfig_t *config, const char *key, const char *value, const char *origin,
                  char *why, size_t whylen)
{
    const s_key_t *k = s_key_find(key);
    char reason[256];
    const char *bad = k ? s_check(k, value, reason, sizeof reason) : "no such key";
    if (bad) {
        snprintf(why, whylen, "%s (%s): %s", origin, key, bad);
        return EO_EINVAL;
    }
    zconfig_put(config, key, value);
    s_origin_set(zconfig_locate(config, key), origin);
    s_apply(config);
    return EO_OK;
}

/* --- what a section says as a whole ------------------------------------------------------ */

int eo_config_pull_problems(zconfig_t *config, char *why, size_t whylen)
{
    s_problems_t problems = {why, whylen, 0, 0};
    why[0] = 0;
    zconfig_t *section = config ? zconfig_locate(config, "providers") : NULL;
    for (zconfig_t *p = section ? zconfig_child(section) : NULL; p; p = zconfig_next(p)) {
        const char *mode = zconfig_get(p, "mode", "pull"); /* the providers' default */
        const char *secret = zconfig_get(p, "secret", ""),
                   *file = zconfig_get(p, "secret_file", "");
        if (!streq(mode, "pull") || *secret || *file) continue;
        const char *where = s_origin(p);
        s_problem(&problems,
                  "%s: providers/%s: a pull provider without secret or secret_file: its "
                  "hand-off lists (names, phones, addresses) would go out unsigned; give it "
                  "one (docs/handoff.md), or run a demo with --insecure-demo",
                  *where ? where : "?", zconfig_name(p));
    }
    return problems.n;
}

int eo_config_pull_check(zconfig_t *config, const char *prog)
{
    char why[8192];
    if (!eo_config_pull_problems(config, why, sizeof why)) return 0;
    bool demo = atoi(zconfig_get(config, "gateway/insecure_demo", "0")) != 0;
    for (char *save = NULL, *line = strtok_r(why, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (demo)
            zsys_warning("%s: INSECURE DEMO: %s", prog, line);
        else
            zsys_error("%s: configuration refused: %s", prog, line);
    }
    if (demo)
        zsys_warning("%s: INSECURE DEMO: pull providers get their hand-off lists UNSIGNED. "
                     "Never run this with real data.",
                     prog);
    return demo ? 0 : -1;
}

/* --- printing ------------------------------------------------------------------------------
 */

static void s_print_node(zconfig_t *node, const char *path, FILE *out)
{
    const s_key_t *k = s_key_find(path);
    const char *value = zconfig_value(node) ? zconfig_value(node) : "";
    bool mask = k && k->secret && *value;
    char line[1200];
    snprintf(line, sizeof line, "%s = \"%s\"", path, mask ? "****" : value);
    fprintf(out, "%-56s # %s\n", line, s_origin(node));
}

void eo_config_print(zconfig_t *config, FILE *out)
{
    for (size_t i = 0; i < S_KEYS; i++) {
        zlistx_t *paths = zlistx_new();
        zlistx_set_destructor(paths, (czmq_destructor *)zstr_free);
        zlistx_set_duplicator(paths, (czmq_duplicator *)strdup);
        s_expand(config, s_keys[i].path, "", paths);
        for (const char *p = zlistx_first(paths); p; p = zlistx_next(paths)) {
            zconfig_t *node = zconfig_locate(config, p);
            if (node) s_print_node(node, p, out);
        }
        zlistx_destroy(&paths);
    }
}

/* --- self-test -------------------------------------------------------------------------------
 */

static char *s_write(const char *dir, const char *name, const char *text)
{
    char *path = zsys_sprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert(f);
    fputs(text, f);
    fclose(f);
    return path;
}

void eo_config_test(bool verbose)
{
    if (verbose) printf(" * eo_config: ");
    /* every default suits its own key, and every pattern is reachable */
    char why[2048];
    for (size_t i = 0; i < S_KEYS; i++)
        if (s_keys[i].def && strncmp(s_keys[i].def, "@state/", 7))
            assert(!s_check(&s_keys[i], s_keys[i].def, why, sizeof why));
    assert(s_match("sms/adapters/*/type", "sms/adapters/kannel/type"));
    assert(!s_match("sms/adapters/*/type", "sms/adapters/type"));
    assert(!s_match("gateway/listen", "gateway/listen/x"));
    assert(s_is_section("sms/adapters/kannel") && s_is_section("matcher/site/suwon"));
    assert(!s_is_section("gateway/listen"));
    char env[64];
    assert(
        streq(eo_config_env_name("gateway/listen", env, sizeof env), "EONJENA_GATEWAY_LISTEN"));
    assert(streq(eo_config_env_name("providers/suwon-provider/url", env, sizeof env),
                 "EONJENA_PROVIDERS_SUWON_PROVIDER_URL"));

    char dir[] = "/tmp/eo-config-XXXXXX";
    assert(mkdtemp(dir));
    /* a good file: defaults filled, the environment wins, secrets masked */
    char *good = s_write(dir, "good.cfg",
                         "gateway\n    listen = \"127.0.0.1:9000\"\n"
                         "sms\n    adapters\n        k\n            type = \"kannel\"\n"
                         "            password = \"hunter2\"\n");
    setenv("EONJENA_GATEWAY_THREADS", "8", 1);
    setenv("EONJENA_SMS_ADAPTERS_K_USERNAME", "me", 1);
    zconfig_t *c = eo_config_load(good, why, sizeof why);
    assert(c);
    assert(streq(zconfig_get(c, "gateway/listen", ""), "127.0.0.1:9000"));
    assert(streq(zconfig_get(c, "gateway/threads", ""), "8"));
    assert(streq(zconfig_get(c, "sms/adapters/k/username", ""), "me"));
    assert(streq(zconfig_get(c, "matcher/wave_k", ""), "10"));
    assert(strstr(s_origin(zconfig_locate(c, "gateway/listen")), "good.cfg:2"));
    assert(streq(s_origin(zconfig_locate(c, "gateway/threads")), "EONJENA_GATEWAY_THREADS"));
    assert(streq(s_origin(zconfig_locate(c, "matcher/wave_k")), "default"));
    assert(eo_config_set(c, "gateway/listen", "nowhere", "--listen", why, sizeof why) ==
           EO_EINVAL);
    assert(strstr(why, "--listen (gateway/listen): want host:port"));
    assert(eo_config_set(c, "gateway/listen", "127.0.0.1:9001", "--listen", why, sizeof why) ==
           EO_OK);
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    eo_config_print(c, mem);
    fclose(mem);
    assert(strstr(text, "sms/adapters/k/password = \"****\""));
    assert(!strstr(text, "hunter2"));
    assert(strstr(text, "gateway/listen = \"127.0.0.1:9001\""));
    free(text);
    zconfig_destroy(&c);
    unsetenv("EONJENA_SMS_ADAPTERS_K_USERNAME");

    /* every problem is named with its line: an unknown key, a bad value, a retired key */
    char *bad = s_write(dir, "bad.cfg",
                        "server\n    var = \"x\"\nmatcher\n    wave_kk = 3\n"
                        "    wave_k = many\ngateway\n    listen = \"nowhere\"\n");
    assert(!eo_config_load(bad, why, sizeof why));
    assert(strstr(why, "bad.cfg:2: server/var is no longer read"));
    assert(strstr(why, "bad.cfg:4: matcher/wave_kk: unknown key"));
    assert(
        strstr(why, "bad.cfg:5: matcher/wave_k: 'many' is not a whole number from 1 to 1000"));
    assert(strstr(why, "bad.cfg:7: gateway/listen: want host:port"));
    assert(strstr(why, "EONJENA_GATEWAY_THREADS") == NULL);
    /* the environment is checked too: a bad value, a name that is no key */
    setenv("EONJENA_GATEWAY_THREADS", "0", 1);
    setenv("EONJENA_GATEWAY_LISTN", "x", 1);
    assert(!eo_config_load(good, why, sizeof why));
    assert(strstr(why, "EONJENA_GATEWAY_THREADS (gateway/threads): '0' is not a whole number"));
    assert(strstr(why, "EONJENA_GATEWAY_LISTN: no such configuration key"));
    unsetenv("EONJENA_GATEWAY_THREADS");
    unsetenv("EONJENA_GATEWAY_LISTN");
    assert(!eo_config_load("/no/such/file.cfg", why, sizeof why));
    assert(strstr(why, "/no/such/file.cfg: No such file"));
    unlink(good);
    unlink(bad);
    zstr_free(&good);
    zstr_free(&bad);
    rmdir(dir);
    if (verbose) printf("OK\n");
}
