/* book: what the sms role keeps in LMDB (databases "sms.*" of the node's store).
 *
 *   sms.msgs    message id -> state byte + Event{message}: every Message taken, so a
 *               re-sent Message is recognised (idempotency) and a DLR finds its message
 *   sms.queue   message id -> "": taken and not yet accepted by a gateway (resent after
 *               a restart)
 *   sms.offers  phone \0 message id -> Event{message} without text: the open offers
 *   sms.won     phone \0 request id -> Event{message} without text: WINNER messages, for
 *               the carer's 시작/종료 texts
 *   sms.phones  phone -> "site\0carer_id": who a number belongs to (for STOP)
 *   sms.replies reply id -> "": MO texts already handled (idempotency)
 *   sms.outbox  sequence (8 bytes, big-endian) -> site \0 Event: events for (match, site)
 *               not yet acknowledged, relayed again after a restart
 *
 * Every message row carries the time it was booked (Event.at_ms, the role's clock), which
 * the daily retention compares with sms/retention_days (eo_sms_book_forget).
 *
 * All writes go into one write transaction that the role opens lazily and commits once
 * per turn of its loop (group commit): what it acknowledges is durable, and a burst of
 * messages costs one fsync. */
#ifndef EO_SMS_BOOK_H
#define EO_SMS_BOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "eonjena/eo_codec.h"
#include "eonjena/eonjena.h"

typedef struct eo_sms_book_t eo_sms_book_t;

enum { EO_SMS_QUEUED = 1, EO_SMS_SENT, EO_SMS_DELIVERED, EO_SMS_FAILED };

eo_sms_book_t *eo_sms_book_new(eo_store_t *store);
void eo_sms_book_destroy(eo_sms_book_t **self_p);

/* The batch transaction: write calls open it when needed. */
bool eo_sms_book_dirty(eo_sms_book_t *self);
int eo_sms_book_commit(eo_sms_book_t *self);
void eo_sms_book_abort(eo_sms_book_t *self);

/* Messages. put records a new message (state QUEUED, queued) and its effects on offers,
 * wins and phones; *dup is set (and nothing written) if the id is known. */
int eo_sms_book_put(eo_sms_book_t *self, const Eo__Message *msg, int64_t now, bool *dup);
/* The message with that id (caller frees with eo_event_free) or NULL; *state its state. */
Eo__Event *eo_sms_book_get(eo_sms_book_t *self, const char *id, int *state);
int eo_sms_book_set_state(eo_sms_book_t *self, const char *id, int state);
int eo_sms_book_unqueue(eo_sms_book_t *self, const char *id);
/* Every queued message, oldest id order (for the restart). Caller destroys the list. */
zlistx_t *eo_sms_book_queued(eo_sms_book_t *self);

/* Open offers and wins of a phone: lists of Eo__Event* (destructor set). */
zlistx_t *eo_sms_book_offers(eo_sms_book_t *self, const char *phone);
zlistx_t *eo_sms_book_wins(eo_sms_book_t *self, const char *phone);
int eo_sms_book_offer_close(eo_sms_book_t *self, const char *phone, const char *msg_id);
/* Close the phone's open offers of that request (a KIND_CLOSE message). */
int eo_sms_book_request_close(eo_sms_book_t *self, const char *phone, const char *request_id);
/* Who a phone belongs to: site (EO_SITE_SLUG bytes) and carer; EO_ENOTFOUND if unknown. */
int eo_sms_book_phone(eo_sms_book_t *self, const char *phone, char *site, uint32_t *carer_id);

/* Mark a reply handled; *seen if it was already. */
int eo_sms_book_reply_seen(eo_sms_book_t *self, const char *reply_id, bool *seen);

/* Retention (sms/retention_days): a walk over sms.msgs, sms.offers and sms.won that
 * deletes what was booked before a cut-off (the Event's at_ms, the role's clock when it
 * took the message), a message's queue entry with it. Texts (a WINNER text holds the
 * address) and phone numbers do not outlive the period. */
typedef struct {
    int phase;     /* 0 sms.msgs, 1 sms.offers, 2 sms.won, 3: the walk is over */
    char key[512]; /* resume after this key of the phase's table */
    size_t keylen;
    size_t messages; /* messages deleted */
    size_t entries;  /* offer and win entries deleted */
} eo_sms_forget_t;
/* Look at up to max rows from where walk stands (in the batch), deleting those booked
 * before before_ms; walk moves on (phase 3 at the end). */
int eo_sms_book_forget(eo_sms_book_t *self, int64_t before_ms, size_t max,
                       eo_sms_forget_t *walk);

/* Outbox: add an event for (match, site); *seq its key. */
int eo_sms_book_outbox_add(eo_sms_book_t *self, const char *site, const Eo__Event *ev,
                           uint64_t *seq);
int eo_sms_book_outbox_del(eo_sms_book_t *self, uint64_t seq);
/* Every row, in order: calls fn(arg, seq, site, body, size) for each. */
int eo_sms_book_outbox_each(eo_sms_book_t *self,
                            void (*fn)(void *arg, uint64_t seq, const char *site,
                                       const void *body, size_t size),
                            void *arg);

#endif
