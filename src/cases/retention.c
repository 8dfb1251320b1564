/* retention.c: the case store's retention batches (see eo_retention.h): closed cases
 * past the privacy period are anonymised, past the storage period deleted whole, old
 * m.seen entries dropped, and the carers' minutes rows of periods that are over
 * (index_prune.c), a bounded batch per write transaction. Each batch is
 * recorded as an input (S_INPUT_RETENTION) with its cut-offs and resume point, so a
 * replay makes exactly the same deletions at the same place in the log. */
#include <string.h>

#include "cases_priv.h"
#include "eonjena/eo_retention.h"

#define S_SEEN_PER_CASE 4 /* m.seen entries looked at per case of the batch size */

void eo_retention_config_defaults(eo_retention_config_t *cfg)
{
    *cfg = (eo_retention_config_t){
        .retention_years = 3, .retire_days = 0, .seen_days = 30, .purge_hour = 4, .batch = 256};
}

/* A whole number setting in [lo, hi], or its default when absent. */
static int s_setting(zconfig_t *config, const char *path, int lo, int hi, int *out, char *why,
                     size_t whylen)
{
    const char *text = config ? zconfig_get(config, path, NULL) : NULL;
    if (!text) return EO_OK;
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == 0 || *end || v < lo || v > hi) {
        snprintf(why, whylen, "%s = '%s': a whole number from %d to %d", path, text, lo, hi);
        return EO_EINVAL;
    }
    *out = (int)v;
    return EO_OK;
}

int eo_retention_config_load(eo_retention_config_t *cfg, zconfig_t *config, char *why,
                             size_t whylen)
{
    int batch = (int)cfg->batch;
    int rc = s_setting(config, "handoff/retention_years", 0, 100, &cfg->retention_years, why,
                       whylen);
    if (rc == EO_OK)
        rc = s_setting(config, "store/retire_days", 0, 100000, &cfg->retire_days, why, whylen);
    if (rc == EO_OK)
        rc = s_setting(config, "store/seen_days", 0, 100000, &cfg->seen_days, why, whylen);
    if (rc == EO_OK)
        rc = s_setting(config, "store/purge_hour", 0, 23, &cfg->purge_hour, why, whylen);
    if (rc == EO_OK)
        rc = s_setting(config, "store/purge_batch", 1, 100000, &batch, why, whylen);
    cfg->batch = (uint32_t)batch;
    return rc;
}

void eo_retention_cuts(const eo_retention_config_t *cfg, eo_time_t now,
                       eo_retention_cuts_t *out)
{
    memset(out, 0, sizeof *out);
    if (cfg->retention_years > 0) {
        /* midnight (Seoul) of the day retention_years back: whole days, as the law counts */
        eo_local_t l;
        eo_time_local(now, &l);
        out->privacy_before =
            eo_time_from_local(l.year - cfg->retention_years, l.month, l.day, 0, 0, 0);
    }
    if (cfg->retire_days > 0) out->retire_before = now - (eo_time_t)cfg->retire_days * EO_DAY;
    if (cfg->seen_days > 0)
        out->seen_before_ms = (now - (eo_time_t)cfg->seen_days * EO_DAY) * 1000;
    out->periods_before = now;
}

int64_t eo_retention_next_ms(const eo_retention_config_t *cfg, int64_t now_ms)
{
    eo_local_t l;
    eo_time_local(now_ms / 1000, &l);
    int64_t at = eo_time_from_local(l.year, l.month, l.day, cfg->purge_hour, 0, 0) * 1000;
    return at > now_ms
               ? at
               : eo_time_from_local(l.year, l.month, l.day + 1, cfg->purge_hour, 0, 0) * 1000;
}

/* --- one case --------------------------------------------------------------------------- */

int eo_request_anonymise(MDB_txn *txn, MDB_dbi reqs, MDB_val *key)
{
    MDB_val v;
    int rc = mdb_get(txn, reqs, key, &v);
    if (rc == MDB_NOTFOUND) return EO_OK;
    if (rc) return eo_store_fail("get request", rc);
    Eo__Request *req = eo__request__unpack(NULL, v.mv_size, v.mv_data);
    if (!req) return eo_store_fail("anonymise request", MDB_CORRUPTED);
    Eo__Request anon = *req;
    anon.member_phone = "";
    anon.child_first_name = "";
    anon.address = "";
    MDB_val nv = {eo__request__get_packed_size(&anon), NULL};
    rc = mdb_put(txn, reqs, key, &nv, MDB_RESERVE);
    if (rc == 0) eo__request__pack(&anon, nv.mv_data);
    eo__request__free_unpacked(req, NULL);
    return rc ? eo_store_fail("put anonymised request", rc) : EO_OK;
}

typedef struct {
    eo_offer_t *v;
    size_t n, cap;
} s_offers_t;

static int s_offer_keep(void *arg, const eo_offer_t *o)
{
    s_offers_t *s = arg;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        eo_offer_t *v = realloc(s->v, cap * sizeof *v);
        if (!v) return EO_ENOMEM;
        s->v = v, s->cap = cap;
    }
    s->v[s->n++] = *o;
    return 0;
}

/* The case's offers and the carers' entries for them. */
static int s_retire_offers(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c)
{
    s_offers_t offers = {0};
    int rc = eo_offer_each(self, txn, c->id, s_offer_keep, &offers);
    for (size_t i = 0; rc == EO_OK && i < offers.n; i++) {
        const eo_offer_t *o = &offers.v[i];
        uint8_t key[EO_CASE_ID_MAX + 8];
        MDB_val k = {(size_t)eo_offer_key(c->id, o->carer, key, sizeof key), key};
        int mrc = mdb_del(txn, self->cases, &k, NULL);
        if (mrc && mrc != MDB_NOTFOUND) rc = eo_store_fail("retire offer", mrc);
        /* the entry is found by its whole value, code included (eo_coffer_encode): an
         * entry left behind stays for good (m.coffers grew by 50 a day, retention.soak) */
        eo_coffer_t e = {.start = o->start, .end = o->end};
        snprintf(e.code, sizeof e.code, "%s", o->code);
        snprintf(e.id, sizeof e.id, "%s", c->id);
        if (rc == EO_OK) rc = eo_coffer_del(self, txn, o->carer, &e);
    }
    free(offers.v);
    return rc;
}

/* The case's journal, walked from its last entry through the back links. */
static int s_retire_journal(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c)
{
    uint64_t seq = c->log_seq;
    for (uint32_t i = 0; seq && i < c->log_n; i++) {
        uint8_t key[8];
        eo_be64(key, seq);
        MDB_val k = {8, key}, v;
        int rc = mdb_get(txn, self->journal, &k, &v);
        if (rc == MDB_NOTFOUND) {
            zsys_warning("retention: case %s: journal entry %llu is missing", c->id,
                         (unsigned long long)seq);
            return EO_OK; /* a broken chain: what is left of it cannot be reached */
        }
        if (rc) return eo_store_fail("retire journal get", rc);
        if (v.mv_size < 8) return eo_store_fail("retire journal get", MDB_CORRUPTED);
        uint64_t prev = eo_get_be64(v.mv_data);
        if ((rc = mdb_del(txn, self->journal, &k, NULL)))
            return eo_store_fail("retire journal del", rc);
        seq = prev;
    }
    return EO_OK;
}

/* Delete a case whole: its offers and their open-offer entries, its winners' booking
 * rows (their minutes stay), request, timer, journal, and the record. */
static int s_retire(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c)
{
    int rc = s_retire_offers(self, txn, c);
    for (int i = 0; rc == EO_OK && i < c->n_winners; i++) {
        rc = eo_index_forget(self->index, txn, c->winners[i], c->id);
        if (rc == EO_ENOTFOUND) rc = EO_OK;
    }
    MDB_val k = {strlen(c->id), c->id};
    int mrc = rc ? 0 : mdb_del(txn, self->reqs, &k, NULL);
    if (mrc && mrc != MDB_NOTFOUND) rc = eo_store_fail("retire request", mrc);
    if (rc == EO_OK) rc = eo_timer_clear(self, txn, c);
    if (rc == EO_OK) rc = s_retire_journal(self, txn, c);
    if (rc == EO_OK && (mrc = mdb_del(txn, self->cases, &k, NULL)))
        rc = eo_store_fail("retire case", mrc);
    return rc;
}

static int s_anonymise(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c)
{
    MDB_val k = {strlen(c->id), c->id};
    int rc = eo_request_anonymise(txn, self->reqs, &k);
    if (rc) return rc;
    c->purged = 1;
    MDB_val v = {sizeof *c, c};
    rc = mdb_put(txn, self->cases, &k, &v, 0);
    return rc ? eo_store_fail("put anonymised case", rc) : EO_OK;
}

/* --- the walk --------------------------------------------------------------------------- */

bool eo_case_closed(int state)
{
    return state == EO_CASE_SETTLED || state == EO_CASE_EXPIRED || state == EO_CASE_CANCELLED ||
           state == EO_CASE_ESCALATED || state == EO_CASE_QUEUED || state == EO_CASE_REFUSED ||
           state == EO_CASE_CLOSED;
}

/* When the case's service ended: the later of its window and the carers' 종료 text. */
static eo_time_t s_ended(const eo_case_rec_t *c)
{
    return c->service_end > c->end ? c->service_end : c->end;
}

typedef enum { S_KEEP, S_ANONYMISE, S_RETIRE } s_fate_t;

static s_fate_t s_fate(const eo_case_rec_t *c, const eo_retention_cuts_t *cuts)
{
    if (!eo_case_closed(c->state)) return S_KEEP;
    eo_time_t ended = s_ended(c);
    if (cuts->retire_before && ended < cuts->retire_before) return S_RETIRE;
    if (cuts->privacy_before && ended < cuts->privacy_before && !c->purged) return S_ANONYMISE;
    return S_KEEP;
}

/* Phase 0: up to max case records from key; the cases to act on are copied out first
 * (the cursor is closed before anything is written). */
static int s_walk_cases(eo_cases_t *self, MDB_txn *txn, const eo_retention_cuts_t *cuts,
                        uint32_t max, uint8_t *phase, uint8_t *key, size_t *keylen,
                        eo_retention_counts_t *counts)
{
    eo_case_rec_t *act = calloc(max ? max : 1, sizeof *act);
    if (!act) return EO_ENOMEM;
    uint8_t *fates = calloc(max ? max : 1, 1);
    MDB_cursor *cur = NULL;
    int rc = fates ? mdb_cursor_open(txn, self->cases, &cur) : ENOMEM;
    size_t n = 0, looked = 0;
    MDB_val k = {*keylen, key}, v;
    if (rc == 0) rc = mdb_cursor_get(cur, &k, &v, *keylen ? MDB_SET_RANGE : MDB_FIRST);
    for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (eo_offer_is_key(&k) || v.mv_size != sizeof(eo_case_rec_t)) continue;
        if (looked == max) /* the next batch starts here */
            break;
        looked++;
        memcpy(&act[n], v.mv_data, sizeof act[n]);
        s_fate_t f = s_fate(&act[n], cuts);
        if (f != S_KEEP) fates[n++] = (uint8_t)f;
    }
    if (rc == 0) {
        memcpy(key, k.mv_data, k.mv_size); /* a case id: shorter than EO_CASE_ID_MAX */
        *keylen = k.mv_size;
    } else if (rc == MDB_NOTFOUND) {
        *phase = 1, *keylen = 0;
        rc = 0;
    }
    if (cur) mdb_cursor_close(cur);
    rc = rc == ENOMEM ? EO_ENOMEM : rc ? eo_store_fail("retention cursor", rc) : EO_OK;
    for (size_t i = 0; rc == EO_OK && i < n; i++) {
        if (fates[i] == S_RETIRE) {
            rc = s_retire(self, txn, &act[i]);
            counts->retired++;
        } else {
            rc = s_anonymise(self, txn, &act[i]);
            counts->anonymised++;
        }
    }
    free(act);
    free(fates);
    return rc;
}

/* Whether an entry's value is past the cut (1), kept (0), or unreadable (MDB_CORRUPTED). */
typedef int(s_expired_fn)(const MDB_val *v, int64_t cut);

/* Up to max entries of dbi from key (empty: the first); those expired() says are past
 * cut go, each counted in *deleted. The key to go on from is left in key; at the end
 * *phase becomes next. Phases 1 and 2 are such walks. */
static int s_walk_delete(MDB_txn *txn, MDB_dbi dbi, const char *what, s_expired_fn *expired,
                         int64_t cut, uint32_t max, uint8_t *phase, uint8_t next, uint8_t *key,
                         size_t *keylen, size_t *deleted)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc) return eo_store_fail(what, rc);
    MDB_val k = {*keylen, key}, v;
    uint32_t looked = 0;
    rc = mdb_cursor_get(cur, &k, &v, *keylen ? MDB_SET_RANGE : MDB_FIRST);
    for (; rc == 0 && looked < max; looked++) {
        int old = expired(&v, cut);
        if (old < 0 || old > 1) {
            rc = old;
            break;
        }
        if (old) {
            if ((rc = mdb_cursor_del(cur, 0))) break;
            (*deleted)++;
        }
        /* after a delete the cursor stands on the next entry, and MDB_NEXT gives it */
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rc == 0) {
        if (k.mv_size > EO_RETENTION_KEY_MAX)
            rc = MDB_CORRUPTED;
        else {
            memcpy(key, k.mv_data, k.mv_size);
            *keylen = k.mv_size;
        }
    } else if (rc == MDB_NOTFOUND) {
        *phase = next, *keylen = 0;
        rc = 0;
    }
    mdb_cursor_close(cur);
    return rc ? eo_store_fail(what, rc) : EO_OK;
}

/* Phase 1: an m.seen entry (decided at, BE64 ms) goes once decided before the cut. */
static int s_seen_expired(const MDB_val *v, int64_t before_ms)
{
    return v->mv_size >= 8 && (int64_t)eo_get_be64(v->mv_data) < before_ms;
}

/* A member's last activity (unix s): registered, verified, or the end of its latest
 * case's service, whichever is latest. */
static int64_t s_last_active(const Eo__Member *m)
{
    int64_t t = m->registered_at > m->verified_at ? m->registered_at : m->verified_at;
    return m->last_active_at > t ? m->last_active_at : t;
}

/* Phase 2: a member whose last activity is before the privacy cut-off is deleted whole
 * (phone, name, children). One with a case not yet over was active at that case's end,
 * later than the cut-off, so it stays. */
static int s_member_expired(const MDB_val *v, int64_t before)
{
    Eo__Member *m = eo__member__unpack(NULL, v->mv_size, v->mv_data);
    if (!m) return MDB_CORRUPTED;
    bool old = s_last_active(m) < before;
    eo__member__free_unpacked(m, NULL);
    return old;
}

/* Phase 3: the minutes rows of up to max carers from key (a carer id, BE32; empty: the
 * first carer), of periods that are over and hold no booking of the carer. */
static int s_walk_minutes(eo_cases_t *self, MDB_txn *txn, eo_time_t before, uint32_t max,
                          uint8_t *phase, uint8_t *key, size_t *keylen,
                          eo_retention_counts_t *counts)
{
    if (!before) {
        *phase = EO_RETENTION_DONE, *keylen = 0;
        return EO_OK;
    }
    if (*keylen != 0 && *keylen != 4) return eo_store_fail("retention minutes", MDB_CORRUPTED);
    uint32_t next = *keylen ? eo_get_be32(key) : 0;
    bool done;
    int rc = eo_index_prune(self->index, txn, before, max, &next, &done, &counts->minutes);
    if (rc) return rc;
    if (done)
        *phase = EO_RETENTION_DONE, *keylen = 0;
    else
        eo_be32(key, next), *keylen = 4;
    return EO_OK;
}

/* The recorded batch: privacy_before retire_before seen_before_ms (BE64 each), max
 * (BE32), phase, key length (BE16), key, periods_before (BE64; absent in the batches
 * of stores from before it, which had no phase 2: 0, off). */
#define S_HEAD 31
#define S_TAIL 8

int eo_retention_batch(eo_cases_t *self, MDB_txn *txn, int64_t now_ms,
                       const eo_retention_cuts_t *cuts, uint32_t max, uint8_t *phase,
                       uint8_t *key, size_t *keylen, eo_retention_counts_t *counts)
{
    if (*phase >= EO_RETENTION_DONE || *keylen > EO_RETENTION_KEY_MAX) return EO_EINVAL;
    max = max ? max : 1;
    self->now_ms = now_ms;
    uint8_t rec[S_HEAD + EO_RETENTION_KEY_MAX + S_TAIL];
    eo_be64(rec, (uint64_t)cuts->privacy_before);
    eo_be64(rec + 8, (uint64_t)cuts->retire_before);
    eo_be64(rec + 16, (uint64_t)cuts->seen_before_ms);
    eo_be32(rec + 24, max);
    rec[28] = *phase;
    rec[29] = (uint8_t)(*keylen >> 8), rec[30] = (uint8_t)*keylen;
    memcpy(rec + S_HEAD, key, *keylen);
    eo_be64(rec + S_HEAD + *keylen, (uint64_t)cuts->periods_before);
    int rc = eo_input_record(self, txn, S_INPUT_RETENTION, rec, S_HEAD + *keylen + S_TAIL);
    if (rc) return rc;
    if (*phase == 0) return s_walk_cases(self, txn, cuts, max, phase, key, keylen, counts);
    if (*phase == 1) {
        /* the change feed's old rows go with the m.seen entries: a client that was away
         * longer than store/seen_days starts again from the present */
        size_t trimmed = 0;
        if ((rc = eo_feed_trim(self, txn, cuts->seen_before_ms, max * S_SEEN_PER_CASE,
                               &trimmed)))
            return rc;
        counts->feed += trimmed;
        if (trimmed == max * S_SEEN_PER_CASE) return EO_OK; /* more of them: the next batch */
        if (!cuts->seen_before_ms) {
            *phase = 2, *keylen = 0;
            return EO_OK;
        }
        return s_walk_delete(txn, self->seen, "retention seen", s_seen_expired,
                             cuts->seen_before_ms, max * S_SEEN_PER_CASE, phase, 2, key, keylen,
                             &counts->seen);
    }
    if (*phase == 2) {
        if (!cuts->privacy_before || !self->has_members) {
            *phase = 3, *keylen = 0;
            return EO_OK;
        }
        return s_walk_delete(txn, self->members, "retention members", s_member_expired,
                             cuts->privacy_before, max, phase, 3, key, keylen,
                             &counts->members);
    }
    return s_walk_minutes(self, txn, cuts->periods_before, max * S_SEEN_PER_CASE, phase, key,
                          keylen, counts);
}

int eo_retention_replay(eo_cases_t *self, MDB_txn *txn, const uint8_t *p, size_t size)
{
    size_t keylen = size >= S_HEAD ? (size_t)p[29] << 8 | p[30] : 0;
    bool tail = size == S_HEAD + keylen + S_TAIL;
    if (size < S_HEAD || (size != S_HEAD + keylen && !tail) || keylen > EO_RETENTION_KEY_MAX ||
        p[28] >= EO_RETENTION_DONE)
        return eo_store_fail("replay retention", MDB_CORRUPTED);
    eo_retention_cuts_t cuts = {(eo_time_t)eo_get_be64(p), (eo_time_t)eo_get_be64(p + 8),
                                (int64_t)eo_get_be64(p + 16),
                                tail ? (eo_time_t)eo_get_be64(p + S_HEAD + keylen) : 0};
    uint8_t phase = p[28], key[EO_RETENTION_KEY_MAX];
    memcpy(key, p + S_HEAD, keylen);
    eo_retention_counts_t counts = {0};
    return eo_retention_batch(self, txn, self->now_ms, &cuts, eo_get_be32(p + 24), &phase, key,
                              &keylen, &counts);
}
