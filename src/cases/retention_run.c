/* retention_run.c: a retention run as small steps (see eo_retention.h), so the role
 * that owns the store does it between its turns: one write transaction per step, the
 * copy in a thread of its own while the role goes on. One run at a time per store
 * folder, across processes too (an `eonjena purge` beside a running server): the
 * checkpoint part holds an exclusive lock on <store>/checkpoint.lock. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cases_priv.h"
#include "eonjena/eo_retention.h"

#define S_TRIM_BATCH 2000 /* inputs deleted per transaction */
#define S_RETRY_MS 600000 /* a failed run is tried again after this (its own clock) */

typedef enum { S_IDLE, S_BATCH, S_COPY, S_RECORD, S_TRIM } s_state_t;

struct eo_retention_t {
    eo_cases_t *cases;
    eo_store_t *store;
    eo_retention_config_t cfg;
    s_state_t state;
    int64_t next_ms; /* the next scheduled run, by the role's clock; 0: not yet known */
    int64_t run_ms;  /* the clock when the run going on began */
    eo_retention_cuts_t cuts;
    uint8_t phase, key[EO_RETENTION_KEY_MAX];
    size_t keylen;
    int lock_fd;      /* checkpoint.lock while the checkpoint part goes on; -1 */
    pthread_t thread; /* the copy */
    atomic_bool copied;
    bool joined; /* the copy's thread was joined */
    int copy_rc;
    eo_checkpoint_t ck;
    eo_retention_counts_t counts, last;
    size_t runs, failed;
};

eo_retention_t *eo_retention_new(eo_cases_t *cases, const eo_retention_config_t *cfg)
{
    eo_retention_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->cases = cases;
    self->store = eo_cases_store(cases);
    if (cfg)
        self->cfg = *cfg;
    else
        eo_retention_config_defaults(&self->cfg);
    self->lock_fd = -1;
    return self;
}

static void s_unlock(eo_retention_t *self)
{
    if (self->lock_fd >= 0) close(self->lock_fd); /* the lock goes with it */
    self->lock_fd = -1;
}

void eo_retention_destroy(eo_retention_t **self_p)
{
    eo_retention_t *self = *self_p;
    if (!self) return;
    if (self->state == S_COPY && !self->joined)
        pthread_join(self->thread, NULL); /* a copy in progress is finished, not cut */
    s_unlock(self);
    free(self);
    *self_p = NULL;
}

/* The run is over: how it went, and the next one. */
static void s_end(eo_retention_t *self, int rc)
{
    s_unlock(self);
    self->state = S_IDLE;
    if (rc == EO_OK) {
        self->last = self->counts;
        self->runs++;
        zsys_info("retention: %zu cases anonymised, %zu deleted, %zu members, %zu seen "
                  "entries, %zu minutes rows and %zu inputs deleted; checkpoint-%llu",
                  self->counts.anonymised, self->counts.retired, self->counts.members,
                  self->counts.seen, self->counts.minutes, self->counts.inputs,
                  (unsigned long long)self->counts.checkpoint);
    } else {
        self->failed++;
        /* tried again later; the work done so far is durable and the next run goes on */
        self->next_ms = self->run_ms + S_RETRY_MS;
        zsys_error("retention: the run failed (%s); tried again in %d min", eo_strerror(rc),
                   S_RETRY_MS / 60000);
    }
}

void eo_retention_start(eo_retention_t *self, int64_t now_ms)
{
    if (self->state != S_IDLE) return;
    self->run_ms = now_ms;
    eo_retention_cuts(&self->cfg, now_ms / 1000, &self->cuts);
    /* the minutes of the weeks the index's lists are keyed by stay; fixed here, at the
     * start, and recorded with each batch: a replay does not re-key */
    MDB_txn *txn = NULL;
    eo_time_t before = 0;
    if (eo_store_begin(self->store, false, &txn) != EO_OK ||
        eo_index_prune_cut(self->cases->index, txn, self->cuts.periods_before, &before))
        zsys_warning("retention: the index's week is unknown: no minutes are deleted");
    eo_store_abort(&txn);
    self->cuts.periods_before = before;
    memset(&self->counts, 0, sizeof self->counts);
    self->phase = 0;
    self->keylen = 0;
    self->state = S_BATCH;
}

/* Inputs older than the recorded checkpoint are still there: a run was cut short. */
static bool s_unfinished(eo_retention_t *self)
{
    size_t n = 0;
    MDB_txn *txn = NULL;
    eo_checkpoint_t ck;
    MDB_cursor *cur = NULL;
    MDB_dbi inputs;
    if (eo_store_dbi(self->store, "m.inputs", 0, &inputs) ||
        eo_store_begin(self->store, false, &txn))
        return false;
    MDB_val k, v;
    if (eo_checkpoint_get(self->store, txn, &ck) == EO_OK &&
        mdb_cursor_open(txn, inputs, &cur) == 0 &&
        mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0 && k.mv_size == 8)
        n = eo_get_be64(k.mv_data) < ck.seq;
    if (cur) mdb_cursor_close(cur);
    eo_store_abort(&txn);
    return n > 0;
}

void eo_retention_schedule(eo_retention_t *self, int64_t now_ms)
{
    if (self->next_ms == 0) {
        self->next_ms = eo_retention_next_ms(&self->cfg, now_ms);
        if (s_unfinished(self)) {
            zsys_info("retention: the last run was cut short: finishing it now");
            eo_retention_start(self, now_ms);
        }
        return;
    }
    if (self->state == S_IDLE && now_ms >= self->next_ms) {
        self->next_ms = eo_retention_next_ms(&self->cfg, now_ms);
        eo_retention_start(self, now_ms);
    }
}

/* --- the steps ------------------------------------------------------------------------ */

static int s_batch_txn(eo_retention_t *self)
{
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(self->store, true, &txn);
    uint8_t phase = self->phase, key[EO_RETENTION_KEY_MAX];
    size_t keylen = self->keylen;
    eo_retention_counts_t counts = self->counts;
    memcpy(key, self->key, keylen);
    if (rc == EO_OK)
        rc = eo_retention_batch(self->cases, txn, self->run_ms, &self->cuts, self->cfg.batch,
                                &phase, key, &keylen, &counts);
    if (rc == EO_OK) rc = eo_store_commit(self->store, &txn);
    eo_store_abort(&txn);
    if (rc == EO_OK) { /* taken only once durable */
        self->phase = phase;
        memcpy(self->key, key, keylen);
        self->keylen = keylen;
        self->counts = counts;
    }
    return rc;
}

static void *s_copy_thread(void *arg)
{
    eo_retention_t *self = arg;
    self->copy_rc = eo_checkpoint_make(self->store, &self->ck);
    atomic_store(&self->copied, true);
    return NULL;
}

/* The checkpoint lock of the store's folder; false while another run holds it. */
static bool s_lock(eo_retention_t *self)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/checkpoint.lock", eo_store_dir(self->store));
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
        if (fd < 0 || errno != EWOULDBLOCK)
            zsys_error("retention: cannot lock %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return false;
    }
    self->lock_fd = fd;
    return true;
}

static int s_start_copy(eo_retention_t *self)
{
    if (!s_lock(self)) {
        zsys_warning("retention: another run holds the checkpoint: this one ends here");
        return EO_EBUSY;
    }
    atomic_store(&self->copied, false);
    self->joined = false;
    if (pthread_create(&self->thread, NULL, s_copy_thread, self)) {
        zsys_error("retention: cannot start the checkpoint thread");
        return EO_ENOMEM;
    }
    self->state = S_COPY;
    return EO_OK;
}

/* The recorded checkpoint stands: older folders go, then inputs before it. */
static int s_trim(eo_retention_t *self, bool *more)
{
    size_t n = 0;
    int rc = eo_checkpoint_trim(self->store, S_TRIM_BATCH, &n);
    if (rc == EO_EFULL && eo_store_grow(self->store) == EO_OK)
        rc = eo_checkpoint_trim(self->store, S_TRIM_BATCH, &n);
    self->counts.inputs += n;
    *more = rc == EO_OK && n > 0;
    return rc;
}

bool eo_retention_step(eo_retention_t *self)
{
    int rc = EO_OK;
    bool more = false;
    switch (self->state) {
    case S_IDLE:
        return false;
    case S_BATCH:
        rc = s_batch_txn(self);
        if (rc == EO_EFULL && eo_store_grow(self->store) == EO_OK) rc = s_batch_txn(self);
        if (rc == EO_OK && self->phase >= EO_RETENTION_DONE) rc = s_start_copy(self);
        more = rc == EO_OK && self->state == S_BATCH;
        break;
    case S_COPY:
        if (!self->joined && !atomic_load(&self->copied))
            return false; /* the copy goes on: nothing to do here meanwhile */
        if (!self->joined) pthread_join(self->thread, NULL);
        self->joined = true;
        rc = self->copy_rc;
        self->state = S_RECORD;
        more = rc == EO_OK;
        break;
    case S_RECORD:
        rc = eo_checkpoint_record(self->store, &self->ck);
        if (rc == EO_OK) {
            self->counts.checkpoint = self->ck.seq;
            rc = eo_checkpoint_tidy(self->store);
            s_unlock(self); /* the folders are as recorded: another run may start */
            self->state = S_TRIM;
            more = rc == EO_OK;
        }
        break;
    case S_TRIM:
        rc = s_trim(self, &more);
        if (rc == EO_OK && !more) s_end(self, EO_OK);
        break;
    }
    if (rc) s_end(self, rc);
    return more;
}

int eo_retention_run(eo_retention_t *self, int64_t now_ms, const eo_retention_cuts_t *cuts,
                     eo_retention_counts_t *counts)
{
    size_t failed = self->failed, runs = self->runs;
    if (self->state != S_IDLE) return EO_EBUSY;
    eo_retention_start(self, now_ms);
    if (cuts) self->cuts = *cuts;
    while (self->state != S_IDLE)
        if (!eo_retention_step(self) && self->state == S_COPY && !self->joined) {
            pthread_join(self->thread, NULL); /* nothing else to do here: wait for it */
            self->joined = true;
        }
    if (counts) *counts = self->counts;
    return self->failed > failed ? EO_ESTORE : self->runs > runs ? EO_OK : EO_EBUSY;
}

void eo_retention_last(eo_retention_t *self, eo_retention_counts_t *counts, size_t *runs,
                       size_t *failed)
{
    if (counts) *counts = self->last;
    if (runs) *runs = self->runs;
    if (failed) *failed = self->failed;
}
