/* restrict.c: use restrictions (이용제한) in LMDB (see eo_restrict.h).
 *
 * restrict.count: "member\0cause\0period" -> uint32 occurrences (period "yyyymm" for
 *                 per-month causes, "ever" otherwise; reset when the restriction applies)
 * restrict.list:  "member\0" + big-endian start + cause -> eo_restriction_t
 * A record and the restriction it triggers are written in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_restrict.h"
#include "rules_conf_priv.h"
#include "rules_priv.h"

struct eo_restrict_t {
    eo_store_t *store; /* borrowed */
    eo_rules_t *rules; /* borrowed */
    MDB_dbi counts, list;
};

eo_restrict_t *eo_restrict_new(eo_store_t *store, eo_rules_t *rules)
{
    if (!store || !rules) return NULL;
    eo_restrict_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->store = store;
    self->rules = rules;
    if (eo_store_dbi(store, "restrict.count", 0, &self->counts) ||
        eo_store_dbi(store, "restrict.list", 0, &self->list)) {
        free(self);
        return NULL;
    }
    return self;
}

void eo_restrict_destroy(eo_restrict_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

static bool s_member_ok(const char *member)
{
    return member && *member && strlen(member) < EO_MEMBER_ID_MAX;
}

eo_time_t eo_restrict_end(eo_time_t at, int months)
{
    if (months < 0) return EO_RESTRICT_PERMANENT;
    eo_local_t l;
    eo_time_local(at, &l);
    int m0 = l.month - 1 + months;
    int y = l.year + m0 / 12, m = m0 % 12 + 1;
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = dm[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return eo_time_from_local(y, m, l.day < last ? l.day : last, 0, 0, 0);
}

/* "member\0" prefix, and the full list key with the start and cause. */
static size_t s_list_key(char *buf, const char *member, eo_time_t start, const char *cause)
{
    size_t n = strlen(member) + 1;
    memcpy(buf, member, n);
    uint64_t s = (uint64_t)start;
    for (int i = 0; i < 8; i++)
        buf[n + i] = (char)(s >> (56 - 8 * i));
    n += 8;
    size_t c = strlen(cause);
    memcpy(buf + n, cause, c);
    return n + c;
}

static int s_put_restriction(eo_restrict_t *self, MDB_txn *txn, const eo_restriction_t *r)
{
    char key[EO_MEMBER_ID_MAX + 8 + 32];
    MDB_val k = {s_list_key(key, r->member, r->start, r->cause), key};
    MDB_val v = {sizeof *r, (void *)r};
    int rc = mdb_put(txn, self->list, &k, &v, 0);
    return rc ? eo_store_fail("restrict: put", rc) : EO_OK;
}

/* Call fn for each restriction of member (oldest first) inside txn. */
typedef void(s_each_fn)(const eo_restriction_t *r, void *arg);

static int s_each(eo_restrict_t *self, MDB_txn *txn, const char *member, s_each_fn *fn,
                  void *arg)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->list, &cur);
    if (rc) return eo_store_fail("restrict: cursor", rc);
    size_t plen = strlen(member) + 1;
    MDB_val k = {plen, (void *)member}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= plen && memcmp(k.mv_data, member, plen) == 0) {
        eo_restriction_t r;
        if (v.mv_size == sizeof r) {
            memcpy(&r, v.mv_data, sizeof r);
            fn(&r, arg);
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND ? EO_OK : eo_store_fail("restrict: scan", rc);
}

static void s_count_one_month(const eo_restriction_t *r, void *arg)
{
    if (r->months == 1) (*(int *)arg)++;
}

/* Write a restriction and, when it is the escalate_count-th of 1 month, the longer one. */
static int s_apply(eo_restrict_t *self, MDB_txn *txn, const eo_rconf_t *c, eo_restriction_t *r)
{
    int rc = s_put_restriction(self, txn, r);
    if (rc || r->months != 1) return rc;
    int ones = 0;
    if ((rc = s_each(self, txn, r->member, s_count_one_month, &ones))) return rc;
    if (ones % c->escalate_count) return EO_OK;
    eo_restriction_t esc = *r;
    snprintf(esc.cause, sizeof esc.cause, "escalation");
    snprintf(esc.note, sizeof esc.note, "%d restrictions of 1 month", ones);
    esc.months = c->escalate_months;
    esc.end = eo_restrict_end(r->start, esc.months);
    if ((rc = s_put_restriction(self, txn, &esc))) return rc;
    *r = esc; /* the caller reports the one that decides the end */
    return EO_OK;
}

static void s_fill(eo_restriction_t *r, const char *member, const char *cause, eo_time_t at,
                   int months, bool by_operator, const char *note)
{
    memset(r, 0, sizeof *r);
    snprintf(r->member, sizeof r->member, "%s", member);
    snprintf(r->cause, sizeof r->cause, "%s", cause);
    snprintf(r->note, sizeof r->note, "%s", note ? note : "");
    r->start = at;
    r->months = months;
    r->end = eo_restrict_end(at, months);
    r->by_operator = by_operator;
}

/* Count one occurrence in txn under the rules' read lock; *apply and *r say what it
 * applied. */
static int s_record(eo_restrict_t *self, MDB_txn *txn, const eo_rconf_t *c,
                    const eo_cause_t *cs, const char *member, eo_time_t at, eo_restriction_t *r,
                    bool *apply)
{
    char key[EO_MEMBER_ID_MAX + 48];
    int klen = snprintf(key, sizeof key, "%s%c%s%c", member, 0, cs->name, 0);
    if (cs->per_month)
        klen += snprintf(key + klen, sizeof key - (size_t)klen, "%06d", eo_month_key(at));
    else
        klen += snprintf(key + klen, sizeof key - (size_t)klen, "ever");
    MDB_val k = {(size_t)klen, key}, v;
    uint32_t count = 0;
    int mrc = mdb_get(txn, self->counts, &k, &v);
    if (mrc == 0 && v.mv_size == sizeof count)
        memcpy(&count, v.mv_data, sizeof count);
    else if (mrc && mrc != MDB_NOTFOUND)
        return eo_store_fail("restrict: get count", mrc);
    count++;
    *apply = count >= (uint32_t)cs->count && cs->months != 0;
    if (*apply) count = 0; /* the next restriction for this cause needs a fresh run */
    v = (MDB_val){sizeof count, &count};
    if ((mrc = mdb_put(txn, self->counts, &k, &v, 0)))
        return eo_store_fail("restrict: put count", mrc);
    if (!*apply) return EO_OK;
    char note[48];
    snprintf(note, sizeof note, "%d occurrence%s", cs->count, cs->count > 1 ? "s" : "");
    s_fill(r, member, cs->name, at, cs->months, false, note);
    return s_apply(self, txn, c, r);
}

int eo_restrict_record_txn(eo_restrict_t *self, MDB_txn *txn, const char *member,
                           const char *cause, eo_time_t at, eo_restriction_t *applied,
                           bool *did_apply)
{
    if (did_apply) *did_apply = false;
    if (!self || !txn || !s_member_ok(member)) return EO_EINVAL;
    const eo_rconf_t *c = eo_rules_rdlock(self->rules);
    const eo_cause_t *cs = eo_rconf_cause(c, cause);
    eo_restriction_t r;
    bool apply = false;
    int rc = cs ? s_record(self, txn, c, cs, member, at, &r, &apply) : EO_EINVAL;
    eo_rules_unlock(self->rules);
    if (rc == EO_OK && apply) {
        if (applied) *applied = r;
        if (did_apply) *did_apply = true;
    }
    return rc;
}

int eo_restrict_record(eo_restrict_t *self, const char *member, const char *cause, eo_time_t at,
                       eo_restriction_t *applied, bool *did_apply)
{
    if (did_apply) *did_apply = false;
    if (!self || !s_member_ok(member)) return EO_EINVAL;
    MDB_txn *txn = NULL;
    eo_restriction_t r;
    bool apply = false;
    int rc = eo_store_begin(self->store, true, &txn);
    if (rc == EO_OK) rc = eo_restrict_record_txn(self, txn, member, cause, at, &r, &apply);
    if (rc == EO_OK) rc = eo_store_commit(self->store, &txn);
    eo_store_abort(&txn);
    if (rc == EO_OK && apply) {
        if (applied) *applied = r;
        if (did_apply) *did_apply = true;
    }
    return rc;
}

static void s_count_cause(const eo_restriction_t *r, void *arg)
{
    struct {
        const char *cause;
        int n;
    } *c = arg;
    if (streq(r->cause, c->cause)) c->n++;
}

int eo_restrict_impose_txn(eo_restrict_t *self, MDB_txn *txn, const char *member,
                           const char *cause, eo_time_t at, int months, const char *note,
                           eo_restriction_t *out)
{
    if (!self || !txn || !s_member_ok(member)) return EO_EINVAL;
    const eo_rconf_t *c = eo_rules_rdlock(self->rules);
    const eo_cause_t *cs = eo_rconf_cause(c, cause);
    int rc = EO_EINVAL;
    if (!cs) goto done;
    if (months == 0) months = cs->months;
    if (months == 0 || months < -1 || months > c->max_months) goto done;
    if (*cs->after) {
        /* e.g. repeated_conflict: only once the member had after_count conflicts */
        struct {
            const char *cause;
            int n;
        } count = {cs->after, 0};
        if ((rc = s_each(self, txn, member, s_count_cause, &count))) goto done;
        rc = EO_EINVAL;
        if (count.n < cs->after_count) goto done;
    }
    eo_restriction_t r;
    s_fill(&r, member, cs->name, at, months, true, note);
    if ((rc = s_apply(self, txn, c, &r))) goto done;
    if (out) *out = r;
done:
    eo_rules_unlock(self->rules);
    return rc;
}

int eo_restrict_impose(eo_restrict_t *self, const char *member, const char *cause, eo_time_t at,
                       int months, const char *note, eo_restriction_t *out)
{
    if (!self || !s_member_ok(member)) return EO_EINVAL;
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(self->store, true, &txn);
    if (rc == EO_OK)
        rc = eo_restrict_impose_txn(self, txn, member, cause, at, months, note, out);
    if (rc == EO_OK) rc = eo_store_commit(self->store, &txn);
    eo_store_abort(&txn);
    return rc;
}

typedef struct {
    eo_time_t at;
    eo_restriction_t *best;
    bool found;
} s_check_t;

static void s_in_force(const eo_restriction_t *r, void *arg)
{
    s_check_t *ck = arg;
    if (r->start <= ck->at && ck->at < r->end && (!ck->found || r->end > ck->best->end)) {
        *ck->best = *r;
        ck->found = true;
    }
}

int eo_restrict_check_txn(eo_restrict_t *self, MDB_txn *txn, const char *member, eo_time_t at,
                          eo_restriction_t *out)
{
    if (!self || !txn || !s_member_ok(member)) return EO_EINVAL;
    eo_restriction_t scratch;
    s_check_t ck = {at, out ? out : &scratch, false};
    int rc = s_each(self, txn, member, s_in_force, &ck);
    return rc ? rc : ck.found ? EO_OK : EO_ENOTFOUND;
}

int eo_restrict_check(eo_restrict_t *self, const char *member, eo_time_t at,
                      eo_restriction_t *out)
{
    if (!self || !s_member_ok(member)) return EO_EINVAL;
    MDB_txn *txn;
    int rc = eo_store_begin(self->store, false, &txn);
    if (rc == EO_OK) rc = eo_restrict_check_txn(self, txn, member, at, out);
    eo_store_abort(&txn);
    return rc;
}

void eo_restrict_set_rules(eo_restrict_t *self, eo_rules_t *rules)
{
    if (self && rules) self->rules = rules;
}

typedef struct {
    eo_restriction_t *out;
    size_t max, n;
} s_list_t;

static void s_collect(const eo_restriction_t *r, void *arg)
{
    s_list_t *l = arg;
    if (l->out && l->n < l->max) l->out[l->n] = *r;
    l->n++;
}

int eo_restrict_list_txn(eo_restrict_t *self, MDB_txn *txn, const char *member,
                         eo_restriction_t *out, size_t max, size_t *n)
{
    if (!self || !s_member_ok(member) || !n) return EO_EINVAL;
    s_list_t l = {out, max, 0};
    int rc = s_each(self, txn, member, s_collect, &l);
    *n = l.n;
    return rc;
}

int eo_restrict_list(eo_restrict_t *self, const char *member, eo_restriction_t *out, size_t max,
                     size_t *n)
{
    if (!self || !s_member_ok(member) || !n) return EO_EINVAL;
    MDB_txn *txn;
    int rc = eo_store_begin(self->store, false, &txn);
    if (rc == EO_OK) rc = eo_restrict_list_txn(self, txn, member, out, max, n);
    eo_store_abort(&txn);
    return rc;
}

void eo_restrict_test(bool verbose)
{
    if (verbose) printf(" * eo_restrict: ");
    char dir[] = "/tmp/eo_restrict_test.XXXXXX", err[512];
    assert(mkdtemp(dir));
    eo_store_t *store = eo_store_new(dir, 16, EO_STORE_NOSYNC);
    eo_calendar_t *cal = eo_calendar_load_default(err, sizeof err);
    eo_rules_t *rules = eo_rules_load_default(cal, err, sizeof err);
    assert(store && cal && rules);
    eo_restrict_t *rs = eo_restrict_new(store, rules);
    assert(rs);
    eo_time_t at = eo_time_from_local(2026, 11, 23, 15, 0, 0);
    eo_restriction_t r;
    bool applied;
    assert(eo_restrict_record(rs, "m1", "unpaid", at, &r, &applied) == EO_OK && applied);
    assert(r.end == eo_time_from_local(2026, 12, 23, 0, 0, 0));
    assert(eo_restrict_check(rs, "m1", at + EO_DAY, &r) == EO_OK);
    assert(eo_restrict_check(rs, "m2", at, &r) == EO_ENOTFOUND);
    assert(eo_restrict_record(rs, "m1", "no_such_cause", at, &r, &applied) == EO_EINVAL);
    eo_restrict_destroy(&rs);
    assert(!rs);
    eo_rules_destroy(&rules);
    eo_calendar_destroy(&cal);
    eo_store_destroy(&store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert(system(cmd) == 0);
    if (verbose) printf("OK\n");
}
