/* eo_handoff_retention: the hand-off role's daily retention (docs/retention.md). Every
 * day at store/purge_hour (Seoul, the role's clock) it anonymises the hand-off items that
 * were delivered (webhook 2xx or pull acknowledgement) and whose service ended before the
 * privacy cut-off of handoff/retention_years (midnight Seoul, that many years back): the
 * same cut-off and the same queue function as `eonjena purge`. Items still waiting for
 * their provider are never touched. store/purge_batch items are looked at per step, each
 * step one write transaction, so that the delivery thread delivers between steps and the
 * intake is never held up by a long transaction.
 *
 * Time is the caller's (ms on the role's clock), compared in milliseconds, so a running
 * clock that does not sit on whole seconds runs it just as a manual one. Not thread-safe
 * but for eo_handoff_retention_counts (which the metrics may call from another thread). */
#ifndef EO_HANDOFF_RETENTION_H
#define EO_HANDOFF_RETENTION_H

#include <czmq.h>
#include <stdint.h>

#include "eonjena/eo_handoff_queue.h"
#include "eonjena/eo_retention.h"

typedef struct eo_handoff_retention_t eo_handoff_retention_t;

/* cfg: handoff/retention_years, store/purge_hour and store/purge_batch as
 * eo_retention_config_load reads them (copied). The first run is the next purge_hour
 * after now_ms. */
eo_handoff_retention_t *eo_handoff_retention_new(const eo_retention_config_t *cfg,
                                                 int64_t now_ms);
void eo_handoff_retention_destroy(eo_handoff_retention_t **self_p);

/* When (ms) a step is next due: at once while a run goes on, else the next run. */
int64_t eo_handoff_retention_due_ms(eo_handoff_retention_t *self);

/* One step when due: starts the day's run at or after its time, then anonymises one
 * batch; the step that ends the walk logs the run's counts (no personal data) and sets
 * the next run. EO_OK (also when nothing was due) or the store's error (the walk resumes
 * at the same place in the next step). */
int eo_handoff_retention_step(eo_handoff_retention_t *self, eo_handoff_queue_t *queue,
                              int64_t now_ms);

typedef struct {
    uint64_t runs;       /* daily runs finished */
    uint64_t anonymised; /* items anonymised by them, in all */
    uint64_t failures;   /* steps the store refused */
    int64_t next_ms;     /* the next run (or the one going on) */
    int64_t last_ms;     /* when the last run finished; 0: none yet */
    bool running;
} eo_handoff_retention_counts_t;
/* Thread-safe: what the runs did so far. */
void eo_handoff_retention_counts(eo_handoff_retention_t *self,
                                 eo_handoff_retention_counts_t *out);

#endif
