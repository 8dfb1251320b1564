/* eo_retention: what the case store keeps, for how long, and the checkpoint that lets
 * `eonjena log` and `eonjena replay` verify what remains (docs/retention.md).
 *
 * Two periods, both counted from the end of a closed case's service:
 *   privacy (handoff/retention_years, 3): the member's phone, the child's name and the
 *     address are removed (the case is anonymised), and the inputs that carried them
 *     leave the input log once a checkpoint stands for them; a registered member whose
 *     last activity (registered, verified, or its latest case's service end) is older
 *     is deleted (m.members: phone, name, children);
 *   storage (store/retire_days, 0 = never): the case is deleted whole (record, offers,
 *     request, carers' open-offer entries, timer, journal, its winners' booking rows;
 *     the minutes they added stay), and m.seen entries older than store/seen_days (30)
 *     go.
 * And, whatever the periods: a carer's booked-minute counter of a week or month that is
 * over goes once the carer holds no booking row in it (the caps read only periods to
 * come; `eonjena check` compares the periods that still have booking rows).
 * Each batch of that work is itself an input of the log (kind 'X'), so a replay deletes
 * and anonymises exactly what the live store did, when it did.
 *
 * The checkpoint: a compacted copy of the store's case store and index (no input log,
 * no other role's data) in <store>/checkpoint-<M>/, where M is the first input it does
 * NOT hold; its data file's SHA-256 is recorded in the store's m.meta ("checkpoint").
 * Inputs with seq < M are then deleted. A replay starts from the checkpoint (digest
 * verified) and feeds the inputs from M on.
 *
 * A run (eo_retention_run, or step by step from a role's loop with eo_retention_step):
 *   1. batches of anonymise / retire / seen (each one write transaction, one input);
 *   2. the copy, from a read transaction (writers go on), into checkpoint-<M>.tmp,
 *      cleaned and compacted, digested, renamed to checkpoint-<M>;
 *   3. the checkpoint recorded in m.meta;
 *   4. older checkpoint folders and leftover .tmp folders removed, inputs < M deleted in
 *      batches.
 * Every step is durable before the next starts; a run killed anywhere leaves a store
 * whose recorded checkpoint matches its folder, and the next run completes the work. */
#ifndef EO_RETENTION_H
#define EO_RETENTION_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#include "eo_cases.h"

typedef struct {
    int retention_years; /* privacy: anonymise after this many years (3); 0: never */
    int retire_days;     /* storage: delete closed cases after this many days; 0: never */
    int seen_days;       /* m.seen entries older than this many days go (30); 0: never */
    int purge_hour;      /* the daily run, local (Seoul) hour 0..23 (4) */
    uint32_t batch;      /* cases per write transaction (256) */
} eo_retention_config_t;

void eo_retention_config_defaults(eo_retention_config_t *cfg);
/* handoff/retention_years, store/retire_days, store/seen_days, store/purge_hour,
 * store/purge_batch. EO_OK, or EO_EINVAL with why. */
int eo_retention_config_load(eo_retention_config_t *cfg, zconfig_t *config, char *why,
                             size_t whylen);

/* The cut-offs of a run at `now`: cases whose service ended before privacy_before are
 * anonymised (midnight Seoul of the day retention_years back), before retire_before
 * deleted (now - retire_days), m.seen entries decided before seen_before_ms deleted. 0:
 * that part is off. */
typedef struct {
    eo_time_t privacy_before;
    eo_time_t retire_before;
    int64_t seen_before_ms;
    /* the carers' booked-minute rows of weeks and months before those of this time that
     * hold none of the carer's booking rows are deleted (the run's now) */
    eo_time_t periods_before;
} eo_retention_cuts_t;
void eo_retention_cuts(const eo_retention_config_t *cfg, eo_time_t now,
                       eo_retention_cuts_t *out);

/* The next daily run after now_ms: purge_hour:00 Seoul of today if that is still
 * ahead, else of tomorrow (ms). */
int64_t eo_retention_next_ms(const eo_retention_config_t *cfg, int64_t now_ms);

/* --- the case store's part ------------------------------------------------------------ */

typedef struct {
    size_t anonymised, retired, seen; /* cases anonymised and deleted, m.seen entries */
    size_t members;                   /* members deleted (no activity in the privacy period) */
    size_t minutes;                   /* carers' minutes rows of periods that are over */
    size_t inputs;                    /* input log entries deleted (covered by a checkpoint) */
    uint64_t checkpoint;              /* M of the checkpoint made, 0 if none */
} eo_retention_counts_t;

/* One batch in the caller's write transaction: from the resume point (*phase, key),
 * look at up to cfg->batch cases (phase 0; then 4 x batch m.seen entries, phase 1; then
 * batch members, phase 2; then the minutes rows of 4 x batch carers, phase 3), anonymise
 * and delete what the cuts say, record the batch in the input log, and move the resume
 * point on. *phase becomes EO_RETENTION_DONE when the walk is over. key holds at least
 * EO_RETENTION_KEY_MAX bytes. */
#define EO_RETENTION_DONE 4
#define EO_RETENTION_KEY_MAX 512
int eo_retention_batch(eo_cases_t *cases, MDB_txn *txn, int64_t now_ms,
                       const eo_retention_cuts_t *cuts, uint32_t max, uint8_t *phase,
                       uint8_t *key, size_t *keylen, eo_retention_counts_t *counts);

/* --- the checkpoint ------------------------------------------------------------------- */

typedef struct {
    uint64_t seq;    /* M: the first input the checkpoint does not hold */
    char digest[65]; /* SHA-256 of its data.mdb, hex */
    char name[64];   /* "checkpoint-<M>", a folder of the store's folder */
} eo_checkpoint_t;

/* The checkpoint recorded in the store: EO_OK, or EO_ENOTFOUND when none. */
int eo_checkpoint_get(eo_store_t *store, MDB_txn *txn, eo_checkpoint_t *out);
/* Make a checkpoint of the store now (from a read transaction: writers go on); the
 * folder is complete and synced when this returns, not yet recorded. Thread-safe: a
 * role runs it in a thread of its own. */
int eo_checkpoint_make(eo_store_t *store, eo_checkpoint_t *out);
/* Record ck in the store's m.meta (its own write transaction). */
int eo_checkpoint_record(eo_store_t *store, const eo_checkpoint_t *ck);
/* Remove every checkpoint folder and .tmp folder of the store's folder but the
 * recorded one. */
int eo_checkpoint_tidy(eo_store_t *store);
/* Delete up to max inputs with seq < the recorded checkpoint's M (one write
 * transaction); *deleted gets the count, 0 when none is left. */
int eo_checkpoint_trim(eo_store_t *store, size_t max, size_t *deleted);
/* Verify the store's recorded checkpoint against its folder (the digest of its data
 * file): EO_OK, EO_ENOTFOUND when there is no checkpoint, else EO_EINVAL with why. */
int eo_checkpoint_verify(eo_store_t *store, eo_checkpoint_t *ck, char *why, size_t whylen);
/* Replay: make into_dir (no store yet) a copy of the store's recorded checkpoint, its
 * digest checked on the bytes copied. *first_seq: the first input to replay (0 when
 * there is no checkpoint: nothing copied). EO_OK, or EO_EINVAL / EO_EIO with why. */
int eo_checkpoint_restore(eo_store_t *store, const char *into_dir, uint64_t *first_seq,
                          char *why, size_t whylen);

/* --- a whole run ------------------------------------------------------------------------ */

typedef struct eo_retention_t eo_retention_t;

/* A runner over the case store (borrowed). */
eo_retention_t *eo_retention_new(eo_cases_t *cases, const eo_retention_config_t *cfg);
void eo_retention_destroy(eo_retention_t **self_p);
/* Start a run at now_ms unless one is going on. */
void eo_retention_start(eo_retention_t *self, int64_t now_ms);
/* Start a run when the daily time has come (first call: schedule only, unless a run
 * was left unfinished: then at once). */
void eo_retention_schedule(eo_retention_t *self, int64_t now_ms);
/* Do a little of the run going on (one transaction, or look whether the copy is done):
 * a role calls it every turn. Returns true while the run goes on. */
bool eo_retention_step(eo_retention_t *self);
/* A whole run now, to its end (eonjena purge), with these cut-offs (NULL: the
 * configuration's at now_ms). */
int eo_retention_run(eo_retention_t *self, int64_t now_ms, const eo_retention_cuts_t *cuts,
                     eo_retention_counts_t *counts);
/* The counts of the last run finished, and how many runs finished or failed. */
void eo_retention_last(eo_retention_t *self, eo_retention_counts_t *counts, size_t *runs,
                       size_t *failed);

#endif
