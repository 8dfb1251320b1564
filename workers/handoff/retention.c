/* retention.c: the hand-off role's daily retention (see retention.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "handoff/retention.h"

struct eo_handoff_retention_t {
    eo_retention_config_t cfg; /* retention_years, purge_hour, batch: as `eonjena purge` */
    eo_time_t before;          /* the privacy cut-off of the run going on */
    int steps;                 /* steps of the run going on */
    eo_handoff_purge_walk_t walk;
    pthread_mutex_t lock; /* guards counts: the metrics read them from the intake */
    eo_handoff_retention_counts_t counts;
};

eo_handoff_retention_t *eo_handoff_retention_new(const eo_retention_config_t *cfg,
                                                 int64_t now_ms)
{
    eo_handoff_retention_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->cfg = *cfg;
    if (self->cfg.batch < 1) self->cfg.batch = 1;
    pthread_mutex_init(&self->lock, NULL);
    self->counts.next_ms = eo_retention_next_ms(&self->cfg, now_ms);
    return self;
}

void eo_handoff_retention_destroy(eo_handoff_retention_t **self_p)
{
    if (!self_p || !*self_p) return;
    pthread_mutex_destroy(&(*self_p)->lock);
    free(*self_p);
    *self_p = NULL;
}

int64_t eo_handoff_retention_due_ms(eo_handoff_retention_t *self)
{
    pthread_mutex_lock(&self->lock);
    int64_t due = self->counts.running ? 0 : self->counts.next_ms;
    pthread_mutex_unlock(&self->lock);
    return due;
}

/* The day's run starts: the cut-off is fixed for all its steps. */
static void s_begin(eo_handoff_retention_t *self, int64_t now_ms)
{
    eo_retention_cuts_t cuts;
    eo_retention_cuts(&self->cfg, now_ms / 1000, &cuts);
    self->before = cuts.privacy_before;
    self->steps = 0;
    memset(&self->walk, 0, sizeof self->walk);
    /* retention_years 0 keeps personal data: the run has nothing to walk */
    self->walk.done = self->before == 0;
    pthread_mutex_lock(&self->lock);
    self->counts.running = true;
    pthread_mutex_unlock(&self->lock);
}

static void s_end(eo_handoff_retention_t *self, int64_t now_ms)
{
    char buf[32];
    zsys_info("handoff: retention: %zu delivered items anonymised (service ended before "
              "%.10s), %zu looked at in %d steps",
              self->walk.purged, eo_time_format(self->before, buf, sizeof buf),
              self->walk.looked, self->steps);
    pthread_mutex_lock(&self->lock);
    self->counts.running = false;
    self->counts.runs++;
    self->counts.anonymised += self->walk.purged;
    self->counts.last_ms = now_ms;
    self->counts.next_ms = eo_retention_next_ms(&self->cfg, now_ms);
    pthread_mutex_unlock(&self->lock);
}

int eo_handoff_retention_step(eo_handoff_retention_t *self, eo_handoff_queue_t *queue,
                              int64_t now_ms)
{
    pthread_mutex_lock(&self->lock);
    bool running = self->counts.running;
    int64_t next_ms = self->counts.next_ms;
    pthread_mutex_unlock(&self->lock);
    if (!running && now_ms < next_ms) return EO_OK;
    if (!running) /* the day's run begins */
        s_begin(self, now_ms);
    int rc = eo_handoff_queue_purge_step(queue, self->before, self->cfg.batch, &self->walk);
    self->steps++;
    if (rc) {
        pthread_mutex_lock(&self->lock);
        self->counts.failures++;
        pthread_mutex_unlock(&self->lock);
        return rc;
    }
    if (self->walk.done) s_end(self, now_ms);
    return EO_OK;
}

void eo_handoff_retention_counts(eo_handoff_retention_t *self,
                                 eo_handoff_retention_counts_t *out)
{
    pthread_mutex_lock(&self->lock);
    *out = self->counts;
    pthread_mutex_unlock(&self->lock);
}
