/* rules_glue: the matcher's calls into eo_rules, kept in one file because eo_rules.h
 * and eo_index.h both define eo_carer_kind_t and cannot be included together yet. */
#ifndef EO_MATCHER_RULES_GLUE_H
#define EO_MATCHER_RULES_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eonjena/eo_dong.h"

typedef struct eo_rules_t eo_rules_t;
typedef struct eo_calendar_t eo_calendar_t;

enum { EO_GLUE_POOL = 0, EO_GLUE_PROVIDER = 1, EO_GLUE_REFUSE = -1 };

/* Load the calendar and rules from the data dir; NULL with err set. */
eo_rules_t *eo_glue_rules_load(eo_calendar_t **calendar, char *err, size_t errlen);
void eo_glue_rules_destroy(eo_rules_t **rules, eo_calendar_t **calendar);
/* Route a 방문형 request made at now: EO_GLUE_*; a refusal names its code. */
int eo_glue_route(eo_rules_t *rules, int64_t now, int64_t start, bool app, const char **code,
                  const char **en);
/* Whether pool offers may go out at t (consent windows: weekdays 18-22, days off 08-20). */
bool eo_glue_in_pool_window(eo_rules_t *rules, int64_t t);
/* The member's cancellation fee at now for a linked service, or -1 if the rules cannot
 * price it (the caller falls back). */
int64_t eo_glue_cancel_fee(eo_rules_t *rules, const eo_dongs_t *dongs, const char *site,
                           int64_t start, int64_t end, int64_t requested, int64_t now);

#endif
