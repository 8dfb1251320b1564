/* load.h: what the parts of eonjena-load share (docs/load.md).
 *
 * eonjena-load drives W1 requests at a rate through the HTTP API (driver.c), or straight
 * into the broker as the gateway would send them (broker.c), times what
 * the deployment did with them from the sms role's sim trace (trace.c: offers handed to
 * the simulated gateway, settlements, escalations) and reports the latencies, the
 * throughput and the errors (report.c). main.c ties them together. */
#ifndef EO_LOAD_H
#define EO_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "eonjena/eo_w1.h"
#include "eonjena/eonjena.h"

#define EO_LOAD_ID_MAX 64

/* One request of the run, from the moment it was sent. */
typedef struct {
    uint32_t w1;             /* W1 request index */
    int64_t sent_us;         /* wall clock, microseconds (compared with the trace) */
    int64_t answered_us;     /* wall clock; 0 while waiting */
    int status;              /* HTTP status; 0: no answer (transport error) */
    char code[32];           /* the error's code, "" on success */
    char id[EO_LOAD_ID_MAX]; /* the request id a 201 gave, "" otherwise */
} eo_load_req_t;

/* --- broker.c: requests straight into the broker ------------------------------------ */
typedef struct eo_load_broker_t eo_load_broker_t;

typedef struct {
    const char *endpoint;      /* the broker: tcp://host:port or ipc://path */
    const char *server_public; /* the broker's public cert file, NULL: no CURVE */
    const char *secret;        /* a secret cert file the broker admits, NULL: none */
    const eo_dongs_t *dongs;
    const char *run;         /* the run's tag: the requests' owner is "load-<run>" */
    int64_t clock_offset_ms; /* the deployment's clock minus this machine's */
} eo_load_broker_config_t;

/* An answer: the tag it was sent with, the HTTP status the API would have given (201,
 * an error's 4xx, 503 or 504), the error's code ("" on success) and the request id. */
typedef void(eo_load_answer_fn)(void *arg, const char *tag, int status, const char *code,
                                const char *id);

eo_load_broker_t *eo_load_broker_new(const eo_load_broker_config_t *config);
void eo_load_broker_destroy(eo_load_broker_t **self_p);
/* Read the JSON body with the gateway's intake and send it to (match, its site) under tag.
 * 0; or the intake's first problem (or why it was not sent) in code and an error. */
int eo_load_broker_send(eo_load_broker_t *self, const char *tag, const char *body, char *code,
                        size_t codesize);
/* Wait at most timeout_ms (0: not at all) for answers and hand each to done; how many. */
int eo_load_broker_wait(eo_load_broker_t *self, int timeout_ms, eo_load_answer_fn *done,
                        void *arg);

/* --- driver.c: W1 requests through POST /v1/requests (or the broker) at a rate -------- */
typedef struct eo_load_driver_t eo_load_driver_t;
#define EO_LOAD_TIMEOUT_MS 30000 /* eonjena-load --timeout's default */

typedef struct {
    const char *url; /* http://host:port */
    const char *key; /* API key (Authorization: Bearer), NULL: none */
    int connections; /* requests in flight at most */
    double rate;     /* per second */
    uint32_t max;    /* requests at most */
    int64_t stop_us; /* wall clock: send nothing from then on */
    const eo_dongs_t *dongs;
    eo_w1_t *w1;     /* the requests, drawn in order from index 0 */
    uint64_t sites;  /* bit s: W1 site s is driven */
    const char *run; /* a tag that keeps this run's client keys apart from another's */
    int timeout_ms;  /* an answer later than this is a transport error, client_timeout
                      * (0: EO_LOAD_TIMEOUT_MS) */
    /* set: send straight into this broker instead (url and key are not used) */
    const eo_load_broker_config_t *broker;
} eo_load_driver_config_t;

eo_load_driver_t *eo_load_driver_new(const eo_load_driver_config_t *config);
void eo_load_driver_destroy(eo_load_driver_t **self_p);
/* Send what is due, take the answers in; wait at most timeout_ms for something to do.
 * Returns false once everything was sent and answered. */
bool eo_load_driver_step(eo_load_driver_t *self, int timeout_ms);
/* Send nothing more; the requests in flight are still taken in by the steps. */
void eo_load_driver_stop(eo_load_driver_t *self);
/* The requests sent so far (in sending order) and their count. */
eo_load_req_t *eo_load_driver_requests(eo_load_driver_t *self, size_t *n);
/* How far behind its schedule the sending ran at worst, ms. */
double eo_load_driver_lag_ms(eo_load_driver_t *self);

/* --- trace.c: what the sim gateway was handed ----------------------------------------- */
typedef struct eo_load_trace_t eo_load_trace_t;

typedef struct {
    int64_t first_offer_us; /* the first offer of the request handed over, 0: none */
    int64_t offers_us;      /* the last offer of its first wave (within 1 s of the first) */
    int64_t settled_us;     /* the member told it is settled, 0: not (yet) */
    int64_t escalated_us;   /* the call centre told, 0: not */
    int64_t queued_us;      /* the member told it waits for the provider's hours, 0: not */
    uint32_t offers;        /* offers handed over, every wave */
} eo_load_fate_t;

/* Follow the trace file from its current end (what earlier runs wrote is not ours). */
eo_load_trace_t *eo_load_trace_new(const char *path);
void eo_load_trace_destroy(eo_load_trace_t **self_p);
/* Read what was appended since. */
void eo_load_trace_poll(eo_load_trace_t *self);
/* The request's fate so far, NULL if the trace never named it. */
const eo_load_fate_t *eo_load_trace_fate(eo_load_trace_t *self, const char *request_id);
/* Requests settled, escalated or queued for a provider so far. */
size_t eo_load_trace_closed(eo_load_trace_t *self);
/* Requests whose offers are out and that are neither settled nor escalated yet. */
size_t eo_load_trace_offered_open(eo_load_trace_t *self);
/* The simulated carers' answers to the offers traced so far: silent = offers - both. */
typedef struct {
    size_t offers, accepts, declines;
} eo_load_answers_t;
eo_load_answers_t eo_load_trace_answers(eo_load_trace_t *self);

/* --- report.c ----------------------------------------------------------------------- */
typedef struct {
    size_t n;
    double p50, p99, p999, max; /* ms */
} eo_load_pct_t;

/* Percentiles of n values (ms); sorts them. */
eo_load_pct_t eo_load_pct(double *values, size_t n);
/* A line of a latency table: "<name> n p50 p99 p99.9 max". */
void eo_load_pct_print(FILE *out, const char *name, const eo_load_pct_t *p);
/* `eonjena check --store DIR` with the eonjena command at path; true if it passed. */
bool eo_load_check(const char *eonjena, const char *store);

#endif
