/* rules_priv.h: the eo_rules_t struct, shared by the files that implement eo_rules.h
 * (rules.c, fee.c, eligibility.c, facility.c, intake.c, quote.c). */
#ifndef EO_RULES_PRIV_H
#define EO_RULES_PRIV_H

#include <pthread.h>
#include <sys/stat.h>

#include "eonjena/eo_rules.h"
#include "rules_conf_priv.h"

/* A version of a file: a rename gives a new inode, an edit a new size or mtime. */
typedef struct {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} eo_file_stamp_t;

struct eo_rules_t {
    eo_calendar_t *cal; /* borrowed, unless own_cal (eo_rules_new) */
    bool own_cal;
    char *cfg_path, *fees_path;
    pthread_rwlock_t lock; /* guards conf and the stamps */
    eo_rconf_t conf;
    eo_file_stamp_t cfg_stamp, fees_stamp; /* at the last load */
    _Atomic uint64_t version;              /* reloads of rules.cfg / fees.tsv so far */
};

/* Take the read lock and get the numbers; release with eo_rules_unlock. */
const eo_rconf_t *eo_rules_rdlock(eo_rules_t *self);
void eo_rules_unlock(eo_rules_t *self);

/* The decisions, for callers that already hold the read lock. */
void eo_rules_route_locked(eo_rules_t *self, const eo_rconf_t *c, eo_time_t requested,
                           eo_time_t start, eo_channel_t channel, eo_route_decision_t *out);
void eo_rules_check_facility_locked(eo_rules_t *self, const eo_rconf_t *c,
                                    const eo_facility_request_t *req,
                                    eo_facility_decision_t *out);
eo_reason_t eo_rules_eligibility_locked(eo_rules_t *self, const eo_rconf_t *c,
                                        const eo_eligibility_t *in, char *arg, size_t arglen);
/* intake.c: every rule of a request (eo_rules_check), and the 방문형 durations. */
void eo_rules_check_locked(eo_rules_t *self, const eo_rconf_t *c, const eo_quote_params_t *p,
                           eo_verdict_t *v);
eo_reason_t eo_rules_visit_times(const eo_rconf_t *c, eo_time_t start, eo_time_t end, char *arg,
                                 size_t arglen);

#endif
