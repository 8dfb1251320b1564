/* eo_restrict: use restrictions (이용제한) of members, kept in LMDB (issue 7).
 *
 * Causes, their thresholds and durations are data (rules.cfg, restrictions/). The server
 * records what it sees (no-show, unpaid fee, cancellation without notice, overrun) with
 * eo_restrict_record(), which counts occurrences per cause (per calendar month or since
 * the last restriction, as configured) and applies the restriction when the count is
 * reached; every escalate_count-th 1-month restriction adds escalate_months (three
 * 1-month restrictions: 6 months). Operators impose the others with eo_restrict_impose()
 * (up to max_months, or permanent). eo_restrict_check() gives the restriction in force,
 * whose end date the refusal names (EO_REASON_RESTRICTED).
 *
 * A restriction runs from the instant it is applied to 00:00 (Seoul) of the same day
 * `months` calendar months later (day clamped to the month's end), when the member may
 * use the service again. Databases: "restrict.count" and "restrict.list". */
#ifndef EO_RESTRICT_H
#define EO_RESTRICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eo_rules.h"
#include "eo_store.h"
#include "eo_time.h"

#define EO_RESTRICT_PERMANENT INT64_MAX
#define EO_MEMBER_ID_MAX 64 /* bytes, with the NUL */

typedef struct eo_restrict_t eo_restrict_t;

typedef struct {
    char member[EO_MEMBER_ID_MAX];
    char cause[32]; /* a cause of rules.cfg, or "escalation" */
    eo_time_t start;
    eo_time_t end; /* EO_RESTRICT_PERMANENT for a permanent one */
    int months;    /* -1: permanent */
    bool by_operator;
    char note[96];
} eo_restriction_t;

/* Opens its databases in the store; both are borrowed. NULL if LMDB fails (logged). */
eo_restrict_t *eo_restrict_new(eo_store_t *store, eo_rules_t *rules);
void eo_restrict_destroy(eo_restrict_t **self_p);

/* Count one occurrence of `cause` for `member` at `at`; if that reaches the cause's
 * count, apply its restriction (into *applied when given; *did_apply says whether).
 * Causes whose length the operator sets (months 0 in rules.cfg) are counted, never
 * applied here. EO_EINVAL for an unknown cause or a bad member id; EO_ESTORE. */
int eo_restrict_record(eo_restrict_t *self, const char *member, const char *cause, eo_time_t at,
                       eo_restriction_t *applied, bool *did_apply);
/* An operator's restriction: months 1..max_months, -1 for permanent, or 0 to use the
 * cause's configured length (EO_EINVAL if it has none, or if the cause needs `after`
 * restrictions first: repeated_conflict after 3 conflicts). */
int eo_restrict_impose(eo_restrict_t *self, const char *member, const char *cause, eo_time_t at,
                       int months, const char *note, eo_restriction_t *out);
/* The restriction in force at `at` that ends last: EO_OK with *out, or EO_ENOTFOUND. */
int eo_restrict_check(eo_restrict_t *self, const char *member, eo_time_t at,
                      eo_restriction_t *out);
/* All restrictions of a member, oldest first: copies up to max, *n gets the total. */
int eo_restrict_list(eo_restrict_t *self, const char *member, eo_restriction_t *out, size_t max,
                     size_t *n);
/* The same in the caller's transaction (never committed or aborted here), so that a
 * decision and the restriction it records commit together (the matcher; the case store
 * imposes, checks and lists inside the decision that records the input). */
int eo_restrict_record_txn(eo_restrict_t *self, MDB_txn *txn, const char *member,
                           const char *cause, eo_time_t at, eo_restriction_t *applied,
                           bool *did_apply);
int eo_restrict_impose_txn(eo_restrict_t *self, MDB_txn *txn, const char *member,
                           const char *cause, eo_time_t at, int months, const char *note,
                           eo_restriction_t *out);
int eo_restrict_check_txn(eo_restrict_t *self, MDB_txn *txn, const char *member, eo_time_t at,
                          eo_restriction_t *out);
int eo_restrict_list_txn(eo_restrict_t *self, MDB_txn *txn, const char *member,
                         eo_restriction_t *out, size_t max, size_t *n);
/* Decide with other rules from now on (a replay's, made from a recorded snapshot). */
void eo_restrict_set_rules(eo_restrict_t *self, eo_rules_t *rules);
/* The end instant of a restriction of `months` starting at `at`. */
eo_time_t eo_restrict_end(eo_time_t at, int months);

void eo_restrict_test(bool verbose);

#endif
