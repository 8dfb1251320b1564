/* feed.c: the change feed of a caller (see feed.h). */
#include <string.h>

#include "ask.h"
#include "feed.h"

/* How long a poll waits for the matchers: a stream's poll holds one of the gateway's
 * HTTP threads, so a matcher that is down must not hold it for the whole timeout_ms (its
 * site is asked again at the next poll). */
#define S_POLL_MS 1000

static int s_wait_ms(eo_http_request_t *req)
{
    int ms = eo_gateway_timeout_ms(req->gateway);
    return ms < S_POLL_MS ? ms : S_POLL_MS;
}

void eo_feed_cursor_format(const eo_feed_cursor_t *cur, char *out, size_t size)
{
    size_t at = 0;
    out[0] = 0;
    for (size_t i = 0; i < cur->n && at < size; i++)
        at += (size_t)snprintf(out + at, size - at, "%s%s:%llu", i ? "," : "", cur->site[i],
                               (unsigned long long)cur->seq[i]);
}

/* Where from names site: true with *seq; false when it does not name it. */
static bool s_named(const char *from, const char *site, uint64_t *seq)
{
    size_t n = strlen(site);
    for (const char *p = from; p && *p; p += strcspn(p, ","), p += *p == ',') {
        if (strncmp(p, site, n) == 0 && p[n] == ':') {
            *seq = strtoull(p + n + 1, NULL, 10);
            return true;
        }
    }
    return false;
}

/* A cursor's text: site:digits pairs, comma-separated. */
static bool s_well_formed(const char *from)
{
    if (strlen(from) >= EO_FEED_CURSOR_MAX) return false;
    for (const char *p = from; *p;) {
        size_t slug = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-_");
        if (!slug || slug >= EO_SITE_SLUG || p[slug] != ':') return false;
        p += slug + 1;
        size_t digits = strspn(p, "0123456789");
        if (!digits || digits > 19) return false;
        p += digits;
        if (*p == ',' && p[1])
            p++;
        else if (*p)
            return false;
    }
    return true;
}

/* The query's arguments for the caller on site: its role decides what it sees. */
static json_t *s_args(const eo_http_request_t *req, const char *site, const uint64_t *since,
                      int limit)
{
    json_t *args = json_pack("{s:s,s:i}", "site", site, "limit", limit);
    if (since) json_object_set_new(args, "since", json_integer((json_int_t)*since));
    if (req->who.role == EO_ROLE_MEMBER_APP)
        json_object_set_new(args, "owner", json_string(req->who.id));
    else if (req->who.role == EO_ROLE_CARER_APP)
        json_object_set_new(args, "carers", json_true());
    return args;
}

int eo_feed_start(eo_http_request_t *req, eo_http_reply_t *reply, const char *from,
                  eo_feed_cursor_t *cur)
{
    if (from && *from && !s_well_formed(from)) {
        eo_http_error_field(reply, 400, "bad_event_id", "잘못된 Last-Event-ID 입니다",
                            "Last-Event-ID is not an id this feed gave (site:seq,...)",
                            "Last-Event-ID");
        return EO_EINVAL;
    }
    const char *served[EO_SITE_MAX], *ask[EO_SITE_MAX];
    size_t all = eo_gateway_sites(req->gateway, served, EO_SITE_MAX), n_ask = 0;
    size_t slot[EO_SITE_MAX];
    json_t *args[EO_SITE_MAX];
    memset(cur, 0, sizeof *cur);
    for (size_t i = 0; i < all; i++) {
        if (!eo_identity_serves(&req->who, served[i])) continue;
        size_t k = cur->n++;
        snprintf(cur->site[k], EO_SITE_SLUG, "%s", served[i]);
        if (s_named(from, served[i], &cur->seq[k])) continue;
        slot[n_ask] = k; /* no position there yet: from the site's newest row */
        args[n_ask] = s_args(req, served[i], NULL, 1);
        ask[n_ask++] = served[i];
    }
    json_t *heads[EO_SITE_MAX];
    eo_ask_each(req, "feed", ask, args, n_ask, s_wait_ms(req), heads);
    int rc = EO_OK;
    for (size_t i = 0; i < n_ask; i++) {
        json_t *next = json_object_get(heads[i], "next");
        if (json_is_integer(next))
            cur->seq[slot[i]] = (uint64_t)json_integer_value(next);
        else
            rc = EO_EIO;
        json_decref(heads[i]);
    }
    if (rc)
        eo_http_error(reply, 503, "no_worker", "응답하지 않는 지역 서버가 있습니다",
                      "a matcher of the caller's sites did not answer: retry later");
    return rc;
}

json_t *eo_feed_poll(eo_http_request_t *req, eo_feed_cursor_t *cur, int limit)
{
    const char *sites[EO_SITE_MAX];
    json_t *args[EO_SITE_MAX], *answers[EO_SITE_MAX];
    for (size_t i = 0; i < cur->n; i++) {
        sites[i] = cur->site[i];
        args[i] = s_args(req, cur->site[i], &cur->seq[i], limit);
    }
    eo_ask_each(req, "feed", sites, args, cur->n, s_wait_ms(req), answers);
    json_t *out = json_array();
    for (size_t i = 0; i < cur->n; i++) {
        size_t k;
        json_t *item;
        json_array_foreach(json_object_get(answers[i], "items"), k, item)
        {
            json_t *seq = json_object_get(item, "seq");
            if (!json_is_integer(seq)) continue;
            cur->seq[i] = (uint64_t)json_integer_value(seq);
            char text[EO_FEED_CURSOR_MAX];
            eo_feed_cursor_format(cur, text, sizeof text);
            json_array_append_new(out, json_pack("{s:s,s:O}", "cursor", text, "event", item));
        }
        json_t *next = json_object_get(answers[i], "next");
        if (json_is_integer(next) && (uint64_t)json_integer_value(next) > cur->seq[i])
            cur->seq[i] = (uint64_t)json_integer_value(next);
        json_decref(answers[i]);
    }
    return out;
}
