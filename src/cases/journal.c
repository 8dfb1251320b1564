/* journal.c: the append-only, hash-chained event log of each case.
 *
 * Entries of every case share one sequence: entry seq(BE64) holds
 *   prev_seq(BE64) n(BE32) at_ms(BE64) prev[32] hash[32] id \0 who \0 what \0 detail \0
 * where n is the entry's number in its case, prev_seq the key of the case's entry n-1
 * (0 for the first) and
 *   hash = SHA-256(id \0 n(BE32) at_ms prev who \0 what \0 detail \0).
 * Entry 0's prev is all zero; the case record keeps the last hash and key, so editing,
 * dropping or reordering any entry breaks the chain that eo_cases_log_print verifies.
 *
 * Why one sequence and back links rather than keys per case: every key is appended at
 * the end of the tree, so a decision that touches many cases (a settlement withdraws
 * the winner's other offers) dirties one journal page, not one page per case. */
#include <string.h>

#include "cases_priv.h"
#include "eonjena/eo_sha256.h"

#define S_PREV_SEQ 0
#define S_N 8
#define S_AT 12
#define S_PREV 20
#define S_HASH 52
#define S_HEAD 84 /* where the id starts */

static int s_hash(const uint8_t *e, size_t size, uint8_t *out)
{
    /* id \0 n at_ms prev texts: the id leads, then the head fields, then the texts */
    const char *id = (const char *)e + S_HEAD;
    size_t idn = strlen(id) + 1, texts = size - S_HEAD - idn;
    uint8_t stack[1024], *buf = stack;
    size_t n = idn + 4 + 8 + 32 + texts;
    if (n > sizeof stack && !(buf = malloc(n))) return EO_ENOMEM;
    memcpy(buf, id, idn);
    memcpy(buf + idn, e + S_N, 4 + 8 + 32); /* n, at_ms, prev: contiguous */
    memcpy(buf + idn + 44, e + S_HEAD + idn, texts);
    eo_sha256(buf, n, out);
    if (buf != stack) free(buf);
    return EO_OK;
}

int eo_journal_append(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, const char *who,
                      const char *what, const char *detail)
{
    detail = detail ? detail : "";
    size_t ni = strlen(c->id) + 1, nw = strlen(who) + 1, nt = strlen(what) + 1,
           nd = strlen(detail) + 1;
    uint64_t seq;
    int rc = eo_meta_next(self, txn, "journal_seq", &seq);
    if (rc) return rc;
    uint8_t key[8];
    eo_be64(key, seq);
    MDB_val k = {8, key}, v = {S_HEAD + ni + nw + nt + nd, NULL};
    if ((rc = mdb_put(txn, self->journal, &k, &v, MDB_RESERVE | MDB_APPEND)))
        return eo_store_fail("append journal", rc);
    uint8_t *e = v.mv_data;
    eo_be64(e + S_PREV_SEQ, c->log_seq);
    eo_be32(e + S_N, c->log_n);
    eo_be64(e + S_AT, (uint64_t)self->now_ms);
    memcpy(e + S_PREV, c->log_hash, 32);
    uint8_t *p = e + S_HEAD;
    memcpy(p, c->id, ni);
    memcpy(p += ni, who, nw);
    memcpy(p += nw, what, nt);
    memcpy(p + nt, detail, nd);
    if ((rc = s_hash(e, v.mv_size, e + S_HASH)))
        return rc; /* the caller aborts the transaction, reserved entry and all */
    memcpy(c->log_hash, e + S_HASH, 32);
    c->log_seq = seq;
    c->log_n++;
    return EO_OK;
}

static void s_hex(const uint8_t *h, char *out)
{
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", h[i]);
}

/* The entry's texts, or NULL when it is not a well-formed entry of case id. */
static const char *s_texts(const MDB_val *v, const char *id, const char **what,
                           const char **detail)
{
    const char *e = v->mv_data, *end = e + v->mv_size;
    if (v->mv_size < S_HEAD + 4 || end[-1] != 0 || strcmp(e + S_HEAD, id) != 0) return NULL;
    const char *who = e + S_HEAD + strlen(id) + 1;
    *what = who + strlen(who) + 1;
    if (*what >= end) return NULL;
    *detail = *what + strlen(*what) + 1;
    return *detail < end ? who : NULL;
}

/* Read entry i (at key seq) into *e and check it against the previous hash. */
static int s_read_entry(eo_cases_t *self, MDB_txn *txn, const char *id, uint32_t i,
                        uint64_t seq, uint8_t *prev, eo_journal_entry_t *e)
{
    uint8_t key[8];
    eo_be64(key, seq);
    MDB_val k = {8, key}, v;
    memset(e, 0, sizeof *e);
    e->n = i;
    e->seq = seq;
    if (mdb_get(txn, self->journal, &k, &v) ||
        !(e->who = s_texts(&v, id, &e->what, &e->detail))) {
        e->who = e->what = e->detail = "";
        return EO_EINVAL; /* missing or malformed */
    }
    const uint8_t *p = v.mv_data;
    uint8_t h[32];
    if (s_hash(p, v.mv_size, h)) return EO_ENOMEM;
    e->at_ms = (int64_t)eo_get_be64(p + S_AT);
    memcpy(e->hash, p + S_HASH, 32);
    e->ok = eo_get_be32(p + S_N) == i && memcmp(prev, p + S_PREV, 32) == 0 &&
            memcmp(h, p + S_HASH, 32) == 0;
    memcpy(prev, p + S_HASH, 32);
    return e->ok ? EO_OK : EO_EINVAL;
}

/* The keys of the case's entries, oldest first, found through the back links. *broken
 * names what is wrong when a link is missing. */
static int s_chain(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint64_t *seqs,
                   const char **broken)
{
    uint64_t seq = c->log_seq;
    for (uint32_t i = c->log_n; i-- > 0;) {
        uint8_t key[8];
        eo_be64(key, seq);
        MDB_val k = {8, key}, v;
        if (seq == 0 || mdb_get(txn, self->journal, &k, &v) || v.mv_size < S_HEAD) {
            *broken = "an entry is missing";
            return EO_EINVAL;
        }
        seqs[i] = seq;
        seq = eo_get_be64(v.mv_data);
    }
    if (seq != 0) {
        *broken = "the first entry links to an earlier one";
        return EO_EINVAL;
    }
    return EO_OK;
}

int eo_journal_each(eo_cases_t *self, MDB_txn *txn, const char *id, eo_journal_fn *fn,
                    void *arg, const char **broken)
{
    eo_case_rec_t c;
    *broken = NULL;
    int rc = eo_case_get(self, txn, id, &c);
    if (rc) return rc;
    uint64_t *seqs = calloc(c.log_n ? c.log_n : 1, sizeof *seqs);
    if (!seqs) return EO_ENOMEM;
    int result = s_chain(self, txn, &c, seqs, broken);
    uint8_t prev[32] = {0};
    /* then every entry, each checked: the broken ones are reported, not skipped */
    for (uint32_t i = 0; result != EO_ENOMEM && !*broken && i < c.log_n; i++) {
        eo_journal_entry_t e;
        int rc_entry = s_read_entry(self, txn, id, i, seqs[i], prev, &e);
        if (rc_entry == EO_ENOMEM) {
            result = rc_entry;
            break;
        }
        if (rc_entry != EO_OK) result = EO_EINVAL;
        if (fn(arg, &e)) break;
    }
    free(seqs);
    if (result == EO_OK && memcmp(prev, c.log_hash, 32) != 0) {
        *broken = "the case's last hash does not match its last entry";
        result = EO_EINVAL;
    }
    if (result == EO_EINVAL && !*broken)
        *broken = "an entry does not match its hash or its place";
    return result;
}

void eo_journal_hex(const uint8_t *hash, char *out)
{
    s_hex(hash, out);
}

static int s_print(void *arg, const eo_journal_entry_t *e)
{
    FILE *out = arg;
    if (!*e->what && !*e->who) {
        fprintf(out, "BROKEN: entry %u is missing or malformed\n", e->n);
        return 0;
    }
    char when[32], hex[65];
    eo_time_format((eo_time_t)(e->at_ms / 1000), when, sizeof when);
    s_hex(e->hash, hex);
    fprintf(out, "%3u %s %-12s %-28s %s  %.16s%s\n", e->n, when, e->who, e->what, e->detail,
            hex, e->ok ? "" : "  <- BROKEN");
    return 0;
}

int eo_cases_log_print(eo_cases_t *self, MDB_txn *txn, const char *id, FILE *out)
{
    eo_case_rec_t c;
    int rc = eo_case_get(self, txn, id, &c);
    if (rc) return rc;
    const char *broken = NULL;
    int result = eo_journal_each(self, txn, id, s_print, out, &broken);
    if (result == EO_EINVAL && broken && !strstr(broken, "entry does not match"))
        fprintf(out, "BROKEN: %s\n", broken);
    fprintf(out, "%s: %u entries, chain %s\n", id, c.log_n, result ? "BROKEN" : "verified");
    return result;
}
