/* check.c: the invariants of docs/architecture.md over a store (`eonjena check`), the
 * decision digest that replay compares. */
#include <openssl/evp.h>
#include <stdarg.h>
#include <string.h>

#include "cases_priv.h"
#include "eonjena/eo_codec.h"

typedef struct {
    eo_cases_t *self;
    MDB_txn *txn;
    char *why;
    size_t whylen;
    uint32_t *carers; /* distinct winners seen */
    size_t n, cap;
} s_check_t;

static int s_fail(s_check_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Name the first violation in why; EO_EINVAL. */
static int s_fail(s_check_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why, s->whylen, fmt, ap);
    va_end(ap);
    return EO_EINVAL;
}

typedef struct {
    uint32_t won;
    uint32_t carers[8];
} s_won_t;

static int s_count_won(void *arg, const eo_offer_t *o)
{
    s_won_t *w = arg;
    if (o->state == EO_OFFER_WON && w->won < 8) w->carers[w->won++] = o->carer;
    return 0;
}

/* Every winner, once per case; made distinct after the walk (s_distinct). */
static int s_add_carer(s_check_t *s, uint32_t carer)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        uint32_t *p = realloc(s->carers, s->cap * sizeof *p);
        if (!p) return EO_ENOMEM;
        s->carers = p;
    }
    s->carers[s->n++] = carer;
    return EO_OK;
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void s_distinct(s_check_t *s)
{
    if (!s->n) return;
    qsort(s->carers, s->n, sizeof *s->carers, s_cmp_u32);
    size_t k = 1;
    for (size_t i = 1; i < s->n; i++)
        if (s->carers[i] != s->carers[k - 1]) s->carers[k++] = s->carers[i];
    s->n = k;
}

static int s_check_case(s_check_t *s, const eo_case_rec_t *c)
{
    if (c->n_winners > c->needed)
        return s_fail(s, "request %s has %d winners but needs %d", c->id, c->n_winners,
                      c->needed);
    s_won_t w = {0};
    int rc = eo_offer_each(s->self, s->txn, c->id, s_count_won, &w);
    if (rc) return rc;
    if (w.won != c->n_winners)
        return s_fail(s, "request %s has %u won offers but %d winners", c->id, w.won,
                      c->n_winners);
    bool live = c->state == EO_CASE_OFFERING || c->state == EO_CASE_ESCALATED;
    if (live) {
        uint8_t key[16];
        eo_be64(key, (uint64_t)c->timer_due_ms);
        eo_be64(key + 8, c->timer_seq);
        MDB_val k = {16, key}, v;
        if (!c->timer_seq || mdb_get(s->txn, s->self->timers, &k, &v) ||
            v.mv_size != strlen(c->id) || memcmp(v.mv_data, c->id, v.mv_size)) {
            snprintf(s->why, s->whylen, "live request %s (%s) has no timer", c->id,
                     eo_case_state_name(c->state));
            return EO_EINVAL;
        }
    }
    /* a case a carer took must be one the rules allow: the request as it was made, the
     * member's restriction when it was made (a purged request has nothing left to ask).
     * A version 2 record was decided before the matcher asked the rules at all (store
     * layout 2, migrated): today's rules say nothing about how it was decided. */
    if (c->n_winners && !c->purged && c->version >= 3) {
        eo_verdict_t v;
        if ((rc = eo_case_recheck(s->self, s->txn, c, &v)))
            return rc == EO_ENOTFOUND
                       ? s_fail(s, "request %s has winners but no request", c->id)
                       : rc;
        if (v.reason)
            return s_fail(s, "request %s (%s) was linked against the rules: %s", c->id,
                          eo_case_state_name(c->state), eo_reason_code(v.reason));
    }
    for (int i = 0; i < c->n_winners; i++)
        if ((rc = s_add_carer(s, c->winners[i])))
            return rc == EO_ENOMEM ? s_fail(s, "out of memory listing the winners") : rc;
    return EO_OK;
}

/* A carer's bookings, as many as there are. */
typedef struct {
    struct s_book {
        int64_t start, end;
        char id[EO_CASE_ID_MAX];
    } * v;
    size_t n, cap;
    bool nomem;
} s_books_t;

static int s_book(void *arg, const char *booking, eo_time_t start, eo_time_t end)
{
    s_books_t *b = arg;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        void *v = realloc(b->v, cap * sizeof *b->v);
        if (!v) {
            b->nomem = true;
            return 1;
        }
        b->v = v, b->cap = cap;
    }
    b->v[b->n] = (struct s_book){.start = start, .end = end};
    snprintf(b->v[b->n].id, EO_CASE_ID_MAX, "%s", booking);
    b->n++;
    return 0;
}

/* The week ('W') or month ('M') of a carer that holds t: its counter at least its
 * booking rows' minutes, at most the cap of the carer's kind. */
static int s_check_period(s_check_t *s, uint32_t carer, uint8_t kind, char type, eo_time_t t)
{
    uint32_t week = 0, month = 0, rows = 0;
    eo_index_t *index = s->self->index;
    int32_t period = type == 'W' ? eo_iso_week(t) : eo_month_key(t);
    int rc = eo_index_booked(index, s->txn, carer, t, &week, &month);
    if (rc || (rc = eo_index_booked_rows(index, s->txn, carer, type, period, &rows))) return rc;
    uint32_t counter = type == 'W' ? week : month;
    const eo_caps_t *caps = eo_index_caps(index);
    uint32_t cap = kind >= EO_CARER_KINDS ? 0
                   : type == 'W'          ? caps->week_min[kind]
                                          : caps->month_min[kind];
    if (counter < rows)
        return s_fail(s, "carer %u: %u booked minutes in %c%d, but bookings of %u", carer,
                      counter, type, period, rows);
    if ((type == 'W' || cap) && counter > cap)
        return s_fail(s, "carer %u is over the cap: %u min in %c%d (cap %u)", carer, counter,
                      type, period, cap);
    return EO_OK;
}

static int s_check_carer(s_check_t *s, uint32_t carer, s_books_t *b)
{
    eo_carer_t cr;
    b->n = 0;
    int rc = eo_index_get(s->self->index, s->txn, carer, &cr);
    if (rc == EO_ENOTFOUND) return EO_OK;
    if (rc || (rc = eo_index_bookings(s->self->index, s->txn, carer, s_book, b)) < 0) return rc;
    if (b->nomem) return s_fail(s, "out of memory reading the bookings of carer %u", carer);
    for (size_t i = 0; i < b->n; i++) {
        for (size_t j = i + 1; j < b->n; j++)
            if (b->v[i].start < b->v[j].end && b->v[j].start < b->v[i].end)
                return s_fail(s, "carer %u is booked into overlapping %s and %s", carer,
                              b->v[i].id, b->v[j].id);
        /* the periods a booking falls in: its first and last half hour decide */
        eo_time_t ends = b->v[i].end - 30 * EO_MINUTE;
        if ((rc = s_check_period(s, carer, cr.kind, 'W', b->v[i].start)) ||
            (rc = s_check_period(s, carer, cr.kind, 'W', ends)) ||
            (rc = s_check_period(s, carer, cr.kind, 'M', b->v[i].start)) ||
            (rc = s_check_period(s, carer, cr.kind, 'M', ends)))
            return rc;
    }
    return EO_OK;
}

/* Offers waiting in the outbox must not carry the child's name or the address. */
static int s_check_outbox_row(void *arg, const eo_outbox_row_t *row)
{
    s_check_t *s = arg;
    char err[64];
    Eo__Event *ev = eo_event_decode(row->body, row->size, err, sizeof err);
    if (!ev) {
        snprintf(s->why, s->whylen, "outbox row %llu is malformed",
                 (unsigned long long)row->seq);
        return EO_EINVAL;
    }
    int rc = EO_OK;
    if (ev->body_case == EO__EVENT__BODY_MESSAGE &&
        ev->message->kind == EO__MESSAGE__KIND__KIND_OFFER) {
        Eo__Request *req = NULL;
        if (eo_cases_request(s->self, s->txn, ev->message->request_id, &req) == EO_OK) {
            const char *secret[2] = {req->child_first_name, req->address};
            for (int i = 0; i < 2; i++)
                if (secret[i] && strlen(secret[i]) >= 2 &&
                    strstr(ev->message->text, secret[i])) {
                    snprintf(s->why, s->whylen, "offer %s carries the child's name or address",
                             ev->message->id);
                    rc = EO_EINVAL;
                }
            eo__request__free_unpacked(req, NULL);
        }
    }
    eo_event_free(&ev);
    return rc;
}

int eo_cases_check(eo_cases_t *self, MDB_txn *txn, char *why, size_t whylen)
{
    s_check_t s = {self, txn, why, whylen, NULL, 0, 0};
    snprintf(why, whylen, "ok");
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->cases, &cur);
    if (rc) return eo_store_fail("case cursor", rc);
    MDB_val k, v;
    int result = EO_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && result == EO_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        eo_case_rec_t c;
        if (eo_offer_is_key(&k)) continue; /* the case's offers, read through it */
        if (eo_case_decode(&v, &c) != EO_OK) {
            snprintf(why, whylen, "a case record has an unknown version or size");
            result = EO_EINVAL;
            break;
        }
        result = s_check_case(&s, &c);
    }
    mdb_cursor_close(cur);
    s_books_t b = {0};
    s_distinct(&s);
    for (size_t i = 0; result == EO_OK && i < s.n; i++)
        result = s_check_carer(&s, s.carers[i], &b);
    free(b.v);
    free(s.carers);
    if (result == EO_OK) result = eo_cases_outbox_each(self, txn, 0, s_check_outbox_row, &s);
    return result;
}

/* --- the decision digest ----------------------------------------------------------- */

int eo_cases_digest(eo_cases_t *self, MDB_txn *txn, char *hex)
{
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    if (!sha || !EVP_DigestInit_ex(sha, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(sha);
        return EO_ENOMEM;
    }
    /* cases and their offers, in key order */
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->cases, &cur);
    if (rc) {
        EVP_MD_CTX_free(sha);
        return eo_store_fail("digest cursor", rc);
    }
    MDB_val k, v;
    while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
        EVP_DigestUpdate(sha, k.mv_data, k.mv_size);
        bool offer = eo_offer_is_key(&k);
        if (!offer && v.mv_size == sizeof(eo_case_rec_t)) {
            eo_case_rec_t c;
            memcpy(&c, v.mv_data, sizeof c);
            uint8_t buf[64];
            buf[0] = c.state, buf[1] = c.n_winners;
            eo_be32(buf + 2, c.wave);
            eo_be32(buf + 6, c.winners[0]);
            eo_be32(buf + 10, c.winners[1]);
            eo_be32(buf + 14, c.n_offered);
            EVP_DigestUpdate(sha, buf, 18);
            EVP_DigestUpdate(sha, c.log_hash, 32);
        } else if (offer && v.mv_size == sizeof(eo_offer_t)) {
            eo_offer_t o;
            memcpy(&o, v.mv_data, sizeof o);
            uint8_t buf[8] = {o.state, o.delivered, o.replied};
            eo_be32(buf + 3, o.wave);
            EVP_DigestUpdate(sha, buf, 7);
            EVP_DigestUpdate(sha, o.code, 4);
        }
    }
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND) {
        EVP_MD_CTX_free(sha);
        return eo_store_fail("digest next", rc);
    }
    uint8_t h[32];
    EVP_DigestFinal_ex(sha, h, NULL);
    EVP_MD_CTX_free(sha);
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", h[i]);
    return EO_OK;
}
