/* eo_sms_retention: the sms role's daily retention (docs/retention.md). Every day at
 * store/purge_hour (Seoul, the role's clock) it walks the book and deletes the messages,
 * open-offer and win entries booked more than sms/retention_days (30) ago, so that no
 * text (a WINNER text holds the home address) or phone number is kept past the period.
 * store/purge_batch rows per turn of the role's loop, in the turn's write transaction, so
 * messages go on being taken between batches. */
#ifndef EO_SMS_RETENTION_H
#define EO_SMS_RETENTION_H

#include <czmq.h>

#include "book.h"

typedef struct eo_sms_retention_t eo_sms_retention_t;

/* From config (sms/retention_days, store/purge_hour, store/purge_batch); the first run
 * is the next purge_hour after now_ms. NULL with err on a bad setting. */
eo_sms_retention_t *eo_sms_retention_new(zconfig_t *config, int64_t now_ms, char *err,
                                         size_t errlen);
void eo_sms_retention_destroy(eo_sms_retention_t **self_p);
/* A little of the daily run when it is due (one batch in the book's transaction); the
 * role calls it every turn. EO_OK or the store's error (the walk goes on; what a failed
 * transaction did not delete is found by the next day's run). */
int eo_sms_retention_step(eo_sms_retention_t *self, eo_sms_book_t *book, int64_t now_ms);
/* Runs finished, messages and entries deleted so far. */
void eo_sms_retention_counts(eo_sms_retention_t *self, uint64_t *runs, uint64_t *messages,
                             uint64_t *entries);

#endif
