/* view_priv.h: the case store as JSON for the HTTP API (view.c, query.c; docs/api.md).
 * Reads only: every function takes the caller's transaction and writes nothing. */
#ifndef EO_VIEW_PRIV_H
#define EO_VIEW_PRIV_H

#include <jansson.h>

#include "cases_priv.h"

/* "2026-11-27T22:00:00+09:00", or null for 0. */
json_t *eo_view_time(int64_t t);
/* {"code":"4111156000","name":"파장동"} */
json_t *eo_view_dong(const eo_dongs_t *dongs, uint32_t code);
/* What an offer stands at, as a client sees it: sent, delivered, accepted, declined,
 * unreachable, filled, withdrawn, cancelled, or expired (its wave passed). */
const char *eo_view_offer_state(const eo_case_rec_t *c, const eo_offer_t *o);

/* A case in full: place, times, route and why, waves of offers, winners, fee, the
 * cancellation, the member and child. operator_view adds the offered carers' names,
 * masked phones and codes and the winners' phones. EO_ENOTFOUND for an unknown case. */
int eo_view_case(eo_cases_t *self, MDB_txn *txn, const char *id, bool operator_view,
                 json_t **out);
/* The line of a case in a list. req may be NULL. */
json_t *eo_view_summary(eo_cases_t *self, const eo_case_rec_t *c, const Eo__Request *req);
/* The case's journal, verified: {"id","verified","broken","entries":[...]}. */
int eo_view_journal(eo_cases_t *self, MDB_txn *txn, const char *id, json_t **out);

/* A carer's weekly availability as windows: [{"day":"mon","from":"18:00","to":"22:00"}]. */
json_t *eo_view_availability(const uint8_t *avail);
/* Queries of query_carers.c: a carer {id}; a page of a site's carers {site, dong?,
 * cursor?, limit?}; a carer's open offers and bookings {id}. */
int eo_query_carer(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out,
                   const char **why);
int eo_query_carers(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out,
                    const char **why);
int eo_query_carer_offers(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out,
                          const char **why);

/* Queries of members.c: a member {id}; a site's members with a phone {site, phone}. */
int eo_query_member(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out,
                    const char **why);
int eo_query_members(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out,
                     const char **why);

/* feed.c: the change feed's rows of a site after a seq (docs/api.md). */
int eo_query_feed(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out, const char **why);
/* metrics.c: {"cases":{state:n},"waves":n,"offers":n} of the cases of {site}. */
int eo_query_metrics(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out,
                     const char **why);

/* The answer to a Query (what, args): *out a JSON object. EO_ENOTFOUND (nothing by
 * that id), EO_EINVAL (bad arguments: *why says which), or a store error. */
int eo_query(eo_cases_t *self, MDB_txn *txn, const char *what, json_t *args, json_t **out,
             const char **why);

#endif
