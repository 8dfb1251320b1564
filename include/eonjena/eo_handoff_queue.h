/* eo_handoff_queue: the durable hand-off queue, one ordered queue per provider, in the
 * node's LMDB store (databases "handoff.items", "handoff.queue", "handoff.meta").
 *
 * An item is stored as the Event that carried it (eo_codec), keyed by its idempotency
 * key HandoffItem.id; putting the same id again changes nothing (EO_EEXIST), so a
 * re-sent item is never queued twice nor delivered twice. Each provider's queue is in
 * arrival order; delivering (webhook 2xx) or acknowledging (pull) an item removes it
 * from the queue and keeps the record, marked delivered, for idempotency, statistics
 * and the retention purge. Every write commits durably (fsync) before it returns, so a
 * caller may acknowledge once a put returned 0.
 *
 * The pull API (eo_handoff_queue_list / _ack) is what the gateway serves as
 *   GET  /v1/providers/{id}/handoffs          -> eo_handoff_queue_list
 *   POST /v1/providers/{id}/handoffs/{item}/ack -> eo_handoff_queue_ack
 * A queue object is cheap (it opens the databases): the gateway may make its own on the
 * shared store. Not thread-safe: one object per thread. */
#ifndef EO_HANDOFF_QUEUE_H
#define EO_HANDOFF_QUEUE_H

#include <jansson.h>
#include <stdbool.h>

#include "core.pb-c.h"
#include "eonjena/eonjena.h"

typedef struct eo_handoff_queue_t eo_handoff_queue_t;

#define EO_HANDOFF_ITEM_ID_MAX 200 /* bytes of an item id (LMDB keys stay well under 511) */
#define EO_HANDOFF_PURGE_BATCH 256 /* items per transaction of eo_handoff_queue_purge */

/* Open the databases in store (borrowed). NULL on failure (logged). */
eo_handoff_queue_t *eo_handoff_queue_new(eo_store_t *store);
void eo_handoff_queue_destroy(eo_handoff_queue_t **self_p);

/* Queue the hand-off carried by event (body handoff, non-empty item id) for provider.
 * Items of one request are generations of one record: the newest (highest generation)
 * is current, and an older one not yet delivered leaves the queue (superseded); an item
 * older than the current one is kept but never queued. EO_OK when stored, EO_EEXIST if
 * that item id is already known (nothing changed), EO_EINVAL for a malformed event or
 * provider id, EO_ESTORE. */
int eo_handoff_queue_put(eo_handoff_queue_t *self, const char *provider, const Eo__Event *event,
                         eo_time_t now);

/* Queue n items (events[i] for providers[i]) in ONE transaction: one commit, two
 * fdatasyncs, for the batch (group commit). When it returns EO_OK the commit is durable
 * and rcs[i] says what eo_handoff_queue_put would have of item i (an item refused or
 * failing wrote nothing); otherwise nothing was stored and rcs is undefined. */
int eo_handoff_queue_put_batch(eo_handoff_queue_t *self, const char *const *providers,
                               const Eo__Event *const *events, size_t n, eo_time_t now,
                               int *rcs);

/* The oldest queued item of provider: *event (free with eo_event_free). EO_ENOTFOUND
 * if the queue is empty. */
int eo_handoff_queue_head(eo_handoff_queue_t *self, const char *provider, Eo__Event **event);

/* Mark item delivered to provider at now and take it out of the queue. EO_OK, also if
 * it was already delivered (acknowledgements repeat); EO_ENOTFOUND if no such item was
 * queued for this provider. */
int eo_handoff_queue_delivered(eo_handoff_queue_t *self, const char *provider,
                               const char *item_id, eo_time_t now);

/* Pull providers: up to limit (0: all) queued items of provider, oldest first, as a
 * JSON array (*out, caller json_decref's) of item objects (eo_handoff_item.h) with "queued_at"
 * added. EO_OK (possibly an empty array), EO_ENOMEM, EO_ESTORE. */
int eo_handoff_queue_list(eo_handoff_queue_t *self, const char *provider, size_t limit,
                          json_t **out);
/* Pull providers: acknowledge one item (any listed one, not only the head).
 * Same results as eo_handoff_queue_delivered. */
int eo_handoff_queue_ack(eo_handoff_queue_t *self, const char *provider, const char *item_id,
                         eo_time_t now);

/* Queue depth of provider and the time since when its oldest item waits (its
 * created_at, else when it was queued; 0 when empty). */
int eo_handoff_queue_depth(eo_handoff_queue_t *self, const char *provider, size_t *depth,
                           eo_time_t *oldest_since);

/* Every non-empty queue: *out a JSON object {"<provider>": {"depth": n,
 * "oldest_since": unix}} (caller json_decref's). EO_OK, EO_ENOMEM or EO_ESTORE. */
int eo_handoff_queue_depths(eo_handoff_queue_t *self, json_t **out);

/* Move every queued item of provider `from` to the end of provider `to`'s queue, in
 * order (items kept for a site that had no provider, once one is configured). *moved
 * gets the count. EO_OK, EO_EINVAL or EO_ESTORE (then nothing moved). */
int eo_handoff_queue_move(eo_handoff_queue_t *self, const char *from, const char *to,
                          size_t *moved);

/* One item as stored, queued or delivered: *event (free with eo_event_free).
 * EO_OK, EO_ENOTFOUND, EO_EINVAL or EO_ESTORE. */
int eo_handoff_queue_get(eo_handoff_queue_t *self, const char *item_id, Eo__Event **event);

/* State of one item: EO_OK with *delivered and *delivered_at, or EO_ENOTFOUND. */
int eo_handoff_queue_state(eo_handoff_queue_t *self, const char *item_id, bool *delivered,
                           eo_time_t *delivered_at);

/* Retention: remove the member's phone, the child's name and the address from every
 * delivered item whose service ended (else whose request ended, else that was created)
 * before `before`, keeping the rest as an anonymised record. *purged counts the items
 * changed now (a second run changes nothing). EO_OK or EO_ESTORE. */
int eo_handoff_queue_purge(eo_handoff_queue_t *self, eo_time_t before, size_t *purged);

/* The same purge in bounded steps, for a role's loop (the hand-off role's daily run):
 * one write transaction looks at up to `limit` items (in id order) after walk->after,
 * anonymises the due ones and commits; walk then holds where to go on and the totals.
 * Start with a zeroed walk; walk->done once the last item was looked at. A failed step
 * changes neither the store nor walk (the same items are looked at again). EO_OK or
 * EO_ESTORE. */
typedef struct {
    char after[EO_HANDOFF_ITEM_ID_MAX + 1]; /* the last item id looked at; "": none yet */
    bool done;                              /* the walk reached the last item */
    size_t looked, purged;                  /* items looked at and anonymised so far */
} eo_handoff_purge_walk_t;
int eo_handoff_queue_purge_step(eo_handoff_queue_t *self, eo_time_t before, size_t limit,
                                eo_handoff_purge_walk_t *walk);

void eo_handoff_queue_test(bool verbose);

#endif
