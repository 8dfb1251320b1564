/* model.h: a brute-force model of the carer index for the index tests (index.reference,
 * index.rekey): carers, their bookings and minutes in plain arrays, and the query as a
 * scan of every carer. Written from docs/workload.md alone: it walks every half-hour
 * slot of a window, counts minutes per ISO week and month slot by slot, and shares
 * nothing with the index but the W1 generator, eo_time and the dong table. */
#ifndef EO_TEST_INDEX_MODEL_H
#define EO_TEST_INDEX_MODEL_H

#include "eonjena/eo_index.h"
#include "eonjena/eo_w1.h"

/* Room for carers with ids 1 .. capacity; every test of a process shares one model. */
void m_init(const eo_dongs_t *dongs, const eo_caps_t *caps, uint32_t capacity);
void m_destroy(void);

/* W1 carers 0 .. n-1 (ids 1 .. n) with some made inactive, out of the pool or lapsed,
 * so that every filter has something to reject, and their minutes in the clock's week
 * (week, month: what to give the index). The model is reset to exactly these. */
void m_generate(eo_w1_t *w1, eo_time_t clock, uint32_t n, eo_carer_t *carers, uint32_t *week,
                uint32_t *month);

/* A carer put (new or replaced: bookings and minutes kept), as eo_index_put. */
void m_put(const eo_carer_t *carer);
const eo_carer_t *m_carer(uint32_t id);
/* Carers 1 .. m_count() exist. */
uint32_t m_count(void);
/* Minutes set from outside, as eo_index_set_booked: never below the bookings. */
void m_set_booked(uint32_t id, eo_time_t t, uint32_t week_min, uint32_t month_min);
/* Minutes of the ISO week ('W') or month ('M') that contains t. */
uint32_t m_minutes(uint32_t id, char type, eo_time_t t);

void m_book(uint32_t id, const char *name, eo_time_t start, eo_time_t end);
void m_unbook(uint32_t id, const char *name);

/* The answer: up to q->k candidates into out, their number returned. */
uint32_t m_query(const eo_query_t *q, eo_candidate_t *out);

/* Query the index in txn and compare with the model, order included; abort with both
 * answers printed if they differ. The index's answer goes to got (q->k entries). */
uint32_t m_compare(eo_index_t *index, MDB_txn *txn, const eo_query_t *q, eo_candidate_t *got,
                   const char *tag, uint32_t i);

#endif
