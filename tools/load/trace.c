/* trace.c: what the simulated gateway was handed, read from the sms role's sim trace
 * (see load.h; the sim adapter writes one line "<wall clock us> <message id>" per
 * message). Message ids say what each one is: "<request>:<carer>:offer",
 * "<request>:member:settled:<n>" (the member told their request is settled),
 * "<request>:callcentre:escalated:<n>", "<request>:member:queued:<n>" (the member told
 * the request waits for its provider's business hours: routed to the provider, it gets
 * no offers from the pool); "<offer's id>:accept" or ":decline" is the answer
 * a simulated carer will give to that offer (none: the carer stays silent). */
#include <string.h>

#include "load.h"

#define S_WAVE_US 1000000 /* offers this close to the first are its first wave */

struct eo_load_trace_t {
    FILE *file;
    char line[512];
    size_t len;      /* a partial line carried to the next poll */
    zhashx_t *fates; /* request id -> eo_load_fate_t */
    size_t closed;
    size_t offered_open; /* requests with offers out, neither settled nor escalated */
    eo_load_answers_t answers;
};

static void s_fate_free(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

void eo_load_trace_destroy(eo_load_trace_t **self_p)
{
    eo_load_trace_t *self = *self_p;
    if (!self) return;
    if (self->file) fclose(self->file);
    zhashx_destroy(&self->fates);
    free(self);
    *self_p = NULL;
}

eo_load_trace_t *eo_load_trace_new(const char *path)
{
    eo_load_trace_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->file = fopen(path, "r");
    self->fates = zhashx_new();
    if (!self->file || !self->fates || fseek(self->file, 0, SEEK_END) != 0) {
        eo_load_trace_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->fates, s_fate_free);
    return self;
}

static eo_load_fate_t *s_fate(eo_load_trace_t *self, const char *request)
{
    eo_load_fate_t *f = zhashx_lookup(self->fates, request);
    if (!f) {
        f = calloc(1, sizeof *f);
        assert(f);
        zhashx_insert(self->fates, request, f);
    }
    return f;
}

/* Settled, escalated or queued for a provider: nothing more comes of it in a run. */
static bool s_ended(const eo_load_fate_t *f)
{
    return f->settled_us || f->escalated_us || f->queued_us;
}

/* One line: "<us> <request>:<what>". */
static void s_line(eo_load_trace_t *self, char *line)
{
    char *space = strchr(line, ' ');
    char *colon = space ? strchr(space + 1, ':') : NULL;
    if (!colon) return;
    int64_t at = strtoll(line, NULL, 10);
    *colon = '\0';
    const char *what = colon + 1;
    eo_load_fate_t *f = s_fate(self, space + 1);
    size_t n = strlen(what);
    if (n > 13 && streq(what + n - 13, ":offer:accept"))
        self->answers.accepts++;
    else if (n > 14 && streq(what + n - 14, ":offer:decline"))
        self->answers.declines++;
    else if (n > 6 && streq(what + n - 6, ":offer")) {
        self->answers.offers++;
        if (!f->first_offer_us) {
            f->first_offer_us = at;
            self->offered_open += !f->settled_us && !f->escalated_us;
        }
        if (at - f->first_offer_us < S_WAVE_US && at > f->offers_us) f->offers_us = at;
        f->offers++;
    } else if (strncmp(what, "member:settled:", 15) == 0 && !f->settled_us) {
        self->offered_open -= f->first_offer_us && !f->escalated_us;
        self->closed += !s_ended(f);
        f->settled_us = at;
    } else if (strncmp(what, "callcentre:escalated:", 21) == 0 && !f->escalated_us) {
        self->offered_open -= f->first_offer_us && !f->settled_us;
        self->closed += !s_ended(f);
        f->escalated_us = at;
    } else if (strncmp(what, "member:queued:", 14) == 0 && !f->queued_us) {
        self->closed += !s_ended(f);
        f->queued_us = at;
    }
}

void eo_load_trace_poll(eo_load_trace_t *self)
{
    int c;
    clearerr(self->file);
    while ((c = getc_unlocked(self->file)) != EOF) {
        if (c != '\n') {
            if (self->len < sizeof self->line - 1) self->line[self->len++] = (char)c;
            continue;
        }
        self->line[self->len] = '\0';
        s_line(self, self->line);
        self->len = 0;
    }
}

const eo_load_fate_t *eo_load_trace_fate(eo_load_trace_t *self, const char *request_id)
{
    return zhashx_lookup(self->fates, request_id);
}

size_t eo_load_trace_closed(eo_load_trace_t *self)
{
    return self->closed;
}

eo_load_answers_t eo_load_trace_answers(eo_load_trace_t *self)
{
    return self->answers;
}

size_t eo_load_trace_offered_open(eo_load_trace_t *self)
{
    return self->offered_open;
}
