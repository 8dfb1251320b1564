/* retention.c: the sms role's daily retention (see retention.h). */
#include <stdlib.h>
#include <string.h>

#include "eonjena/eo_retention.h"
#include "retention.h"

#define S_DAYS_DEFAULT 30

struct eo_sms_retention_t {
    eo_retention_config_t cfg; /* purge_hour and batch, as the matcher reads them */
    int days;                  /* sms/retention_days */
    int64_t next_ms;           /* the next daily run */
    int64_t before_ms;         /* the cut-off of the run going on */
    bool running;
    eo_sms_forget_t walk;
    uint64_t runs, messages, entries;
};

eo_sms_retention_t *eo_sms_retention_new(zconfig_t *config, int64_t now_ms, char *err,
                                         size_t errlen)
{
    eo_sms_retention_t *self = calloc(1, sizeof *self);
    assert(self);
    eo_retention_config_defaults(&self->cfg);
    self->days = S_DAYS_DEFAULT;
    const char *days = config ? zconfig_get(config, "sms/retention_days", NULL) : NULL;
    char *end = NULL;
    long v = days ? strtol(days, &end, 10) : S_DAYS_DEFAULT;
    if (days && (!*days || *end || v < 1 || v > 3650)) {
        snprintf(err, errlen, "sms/retention_days = '%s': a whole number from 1 to 3650", days);
        free(self);
        return NULL;
    }
    self->days = (int)v;
    if (eo_retention_config_load(&self->cfg, config, err, errlen)) {
        free(self);
        return NULL;
    }
    self->next_ms = eo_retention_next_ms(&self->cfg, now_ms);
    return self;
}

void eo_sms_retention_destroy(eo_sms_retention_t **self_p)
{
    if (!self_p || !*self_p) return;
    free(*self_p);
    *self_p = NULL;
}

int eo_sms_retention_step(eo_sms_retention_t *self, eo_sms_book_t *book, int64_t now_ms)
{
    if (!self->running) {
        if (now_ms < self->next_ms) return EO_OK;
        self->running = true;
        self->before_ms = now_ms - (int64_t)self->days * EO_DAY * 1000;
        memset(&self->walk, 0, sizeof self->walk);
    }
    int rc = eo_sms_book_forget(book, self->before_ms, self->cfg.batch, &self->walk);
    if (rc) return rc;
    if (self->walk.phase < 3) return EO_OK;
    self->running = false;
    self->next_ms = eo_retention_next_ms(&self->cfg, now_ms);
    self->runs++;
    self->messages += self->walk.messages;
    self->entries += self->walk.entries;
    zsys_info("sms: retention: %zu messages and %zu offer/win entries older than %d days "
              "deleted",
              self->walk.messages, self->walk.entries, self->days);
    return EO_OK;
}

void eo_sms_retention_counts(eo_sms_retention_t *self, uint64_t *runs, uint64_t *messages,
                             uint64_t *entries)
{
    *runs = self->runs;
    *messages = self->messages;
    *entries = self->entries;
}
