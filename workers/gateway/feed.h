/* feed: the change feed as a caller may see it (docs/api.md, "The change feed"), read
 * from the matchers' stores by the query "feed" (src/cases/feed.c); one piece serves
 * the Server-Sent Events of GET /v1/events (events.c) and the webhooks (webhooks.c).
 *
 * Each store numbers its rows with one increasing sequence; a caller's position is a
 * cursor per site of its scope, written "suwon:17,guri:5" (the SSE event id, and what
 * Last-Event-ID gives back). A caller sees the rows of its sites that its role allows:
 * a member app those of the requests it made, a carers' app those that name a carer
 * (offers and answers), an operator or admin every row of its sites. */
#ifndef EO_GATEWAY_FEED_H
#define EO_GATEWAY_FEED_H

#include "eonjena/eo_dong.h"
#include "gateway.h"

#define EO_FEED_CURSOR_MAX (EO_SITE_MAX * (EO_SITE_SLUG + 21))

typedef struct {
    size_t n;
    char site[EO_SITE_MAX][EO_SITE_SLUG];
    uint64_t seq[EO_SITE_MAX];
} eo_feed_cursor_t;

/* "suwon:17,guri:5" */
void eo_feed_cursor_format(const eo_feed_cursor_t *cur, char *out, size_t size);
/* The caller's cursor: every site of its scope that the gateway serves, each from
 * where `from` (a formatted cursor, NULL or "") names it, else from the site's newest
 * row (what happens from now on). EO_OK; EO_EINVAL when from is not a cursor; EO_EIO
 * when a site's matcher did not answer (reply filled: 400 or 503). */
int eo_feed_start(eo_http_request_t *req, eo_http_reply_t *reply, const char *from,
                  eo_feed_cursor_t *cur);
/* The caller's next events, site by site, each site's in the order they were decided
 * (at most limit per site), moving cur on: a JSON array of {"cursor": the cursor just
 * after the event, "event": {...}}. A site that does not answer is asked again next
 * time from where it was. NULL out of memory. */
json_t *eo_feed_poll(eo_http_request_t *req, eo_feed_cursor_t *cur, int limit);

#endif
