/* checkpoint.c: the retention's checkpoint (see eo_retention.h): a compacted copy of
 * the case store and index in <store>/checkpoint-<M>/, its digest recorded in m.meta,
 * so the inputs before M may go and a replay still starts from a verified state.
 *
 * Made in two copies, both from read transactions: the store is copied (compacted)
 * into checkpoint-new.tmp; there the input log is emptied but for the rules and the
 * configuration in force (a replay decides with them), the other roles' databases
 * (sms.*, handoff.*) and the record of the previous checkpoint are dropped; that is
 * copied (compacted again, so nothing dropped lingers in free pages) into
 * checkpoint-<M>.tmp, digested, synced and renamed checkpoint-<M>. Only then is it
 * recorded (eo_checkpoint_record); a folder that is not the recorded one is a leftover
 * that eo_checkpoint_tidy removes. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cases_priv.h"
#include "eonjena/eo_retention.h"

#define S_KEY "checkpoint"
#define S_PREFIX "checkpoint-"
#define S_RAW "checkpoint-new.tmp"

static const char *s_dropped[] = {"sms.", "handoff."}; /* other roles' data */

static int s_unlink(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* rm -rf of one of our own folders; a missing one is fine. */
static int s_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) && errno == ENOENT) return EO_OK;
    if (nftw(path, s_unlink, 8, FTW_DEPTH | FTW_PHYS)) {
        zsys_error("checkpoint: cannot remove %s: %s", path, strerror(errno));
        return EO_EIO;
    }
    return EO_OK;
}

/* A fresh, empty folder (what was there is removed). */
static int s_fresh_dir(const char *path)
{
    int rc = s_remove_tree(path);
    if (rc == EO_OK && mkdir(path, 0700)) {
        zsys_error("checkpoint: cannot create %s: %s", path, strerror(errno));
        rc = EO_EIO;
    }
    return rc;
}

static int s_fsync_path(const char *path, bool dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    int rc = fd >= 0 && fsync(fd) == 0 ? EO_OK : EO_EIO;
    if (rc) zsys_error("checkpoint: cannot sync %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    return rc;
}

/* SHA-256 of a file, in hex; its bytes also written to out_fd unless it is -1. */
static int s_digest_file(const char *path, int out_fd, char *hex)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        zsys_error("checkpoint: cannot read %s: %s", path, strerror(errno));
        return EO_EIO;
    }
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    size_t size = 1 << 20;
    uint8_t *buf = malloc(size);
    int rc = sha && buf && EVP_DigestInit_ex(sha, EVP_sha256(), NULL) ? EO_OK : EO_ENOMEM;
    ssize_t n;
    while (rc == EO_OK && (n = read(fd, buf, size)) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || (out_fd >= 0 && write(out_fd, buf, (size_t)n) != n)) {
            zsys_error("checkpoint: copying %s: %s", path, strerror(errno));
            rc = EO_EIO;
        } else
            EVP_DigestUpdate(sha, buf, (size_t)n);
    }
    uint8_t h[32];
    if (rc == EO_OK) {
        EVP_DigestFinal_ex(sha, h, NULL);
        for (int i = 0; i < 32; i++)
            sprintf(hex + 2 * i, "%02x", h[i]);
    }
    EVP_MD_CTX_free(sha);
    free(buf);
    close(fd);
    return rc;
}

/* --- the record in m.meta: "<M> <digest> <folder>" ---------------------------------- */

int eo_checkpoint_get(eo_store_t *store, MDB_txn *txn, eo_checkpoint_t *out)
{
    (void)store;
    /* opened in the caller's transaction (eo_store_dbi would begin one of its own: a
     * writer here would wait for itself); the case store has it open already */
    MDB_dbi meta;
    int rc = mdb_dbi_open(txn, "m.meta", 0, &meta);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("open m.meta", rc);
    MDB_val k = {strlen(S_KEY), S_KEY}, v;
    rc = mdb_get(txn, meta, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("get checkpoint", rc);
    char text[160];
    unsigned long long seq;
    memset(out, 0, sizeof *out);
    if (v.mv_size >= sizeof text) return eo_store_fail("get checkpoint", MDB_CORRUPTED);
    memcpy(text, v.mv_data, v.mv_size);
    text[v.mv_size] = 0;
    if (sscanf(text, "%llu %64s %63s", &seq, out->digest, out->name) != 3 ||
        strlen(out->digest) != 64 || strncmp(out->name, S_PREFIX, strlen(S_PREFIX)) ||
        strchr(out->name, '/'))
        return eo_store_fail("get checkpoint", MDB_CORRUPTED);
    out->seq = seq;
    return EO_OK;
}

int eo_checkpoint_record(eo_store_t *store, const eo_checkpoint_t *ck)
{
    MDB_dbi meta;
    MDB_txn *txn = NULL;
    int rc = eo_store_dbi(store, "m.meta", 0, &meta);
    if (rc || (rc = eo_store_begin(store, true, &txn))) return rc;
    char text[160];
    int n = snprintf(text, sizeof text, "%llu %s %s", (unsigned long long)ck->seq, ck->digest,
                     ck->name);
    MDB_val k = {strlen(S_KEY), S_KEY}, v = {(size_t)n, text};
    if ((rc = mdb_put(txn, meta, &k, &v, 0))) {
        eo_store_abort(&txn);
        return eo_store_fail("put checkpoint", rc);
    }
    return eo_store_commit(store, &txn);
}

/* --- making one ---------------------------------------------------------------------- */

/* The last input of `kind` in the raw copy, copied out (NULL when none). */
static int s_last_of(MDB_txn *txn, MDB_dbi inputs, int kind, zchunk_t **out, uint64_t *seq)
{
    MDB_cursor *cur;
    *out = NULL;
    int rc = mdb_cursor_open(txn, inputs, &cur);
    if (rc) return eo_store_fail("checkpoint inputs", rc);
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_LAST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_PREV))
        if (v.mv_size && *(uint8_t *)v.mv_data == kind && k.mv_size == 8) {
            *out = zchunk_new(v.mv_data, v.mv_size);
            *seq = eo_get_be64(k.mv_data);
            break;
        }
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? eo_store_fail("checkpoint inputs", rc) : EO_OK;
}

/* Empty the input log but for the last rules and configuration inputs. */
static int s_keep_rules_only(MDB_txn *txn, MDB_dbi inputs)
{
    zchunk_t *keep[2] = {NULL, NULL};
    uint64_t seq[2] = {0, 0};
    int rc = s_last_of(txn, inputs, S_INPUT_RULES, &keep[0], &seq[0]);
    if (rc == EO_OK) rc = s_last_of(txn, inputs, S_INPUT_CONFIG, &keep[1], &seq[1]);
    int mrc = rc ? 0 : mdb_drop(txn, inputs, 0);
    if (mrc) rc = eo_store_fail("checkpoint drop inputs", mrc);
    for (int i = 0; i < 2; i++) {
        uint8_t key[8];
        eo_be64(key, seq[i]);
        MDB_val k = {8, key},
                v = {keep[i] ? zchunk_size(keep[i]) : 0, keep[i] ? zchunk_data(keep[i]) : NULL};
        if (rc == EO_OK && keep[i] && (mrc = mdb_put(txn, inputs, &k, &v, 0)))
            rc = eo_store_fail("checkpoint keep input", mrc);
        zchunk_destroy(&keep[i]);
    }
    return rc;
}

/* Drop the other roles' databases (their names are the main database's keys). */
static int s_drop_others(MDB_txn *txn)
{
    MDB_dbi main_dbi, dbi;
    MDB_cursor *cur;
    int rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
    if (rc || (rc = mdb_cursor_open(txn, main_dbi, &cur)))
        return eo_store_fail("checkpoint databases", rc);
    zlistx_t *names = zlistx_new();
    zlistx_set_destructor(names, (zlistx_destructor_fn *)zstr_free);
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        for (size_t i = 0; i < sizeof s_dropped / sizeof *s_dropped; i++)
            if (k.mv_size > strlen(s_dropped[i]) &&
                memcmp(k.mv_data, s_dropped[i], strlen(s_dropped[i])) == 0)
                zlistx_add_end(names, zsys_sprintf("%.*s", (int)k.mv_size, (char *)k.mv_data));
    mdb_cursor_close(cur);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    for (char *name = zlistx_first(names); rc == 0 && name; name = zlistx_next(names))
        if ((rc = mdb_dbi_open(txn, name, 0, &dbi)) == 0) rc = mdb_drop(txn, dbi, 1);
    zlistx_destroy(&names);
    return rc ? eo_store_fail("checkpoint drop", rc) : EO_OK;
}

/* In the raw copy: M (the next input), then what the checkpoint must not hold goes. */
static int s_clean(eo_store_t *raw, uint64_t *seq)
{
    MDB_dbi meta, inputs;
    MDB_txn *txn = NULL;
    int rc = eo_store_dbi(raw, "m.meta", 0, &meta);
    if (rc || (rc = eo_store_dbi(raw, "m.inputs", 0, &inputs)) ||
        (rc = eo_store_begin(raw, true, &txn)))
        return rc;
    MDB_val k = {9, "input_seq"}, v;
    int mrc = mdb_get(txn, meta, &k, &v);
    *seq = mrc == 0 && v.mv_size == 8 ? eo_get_be64(v.mv_data) + 1 : 1;
    if (mrc && mrc != MDB_NOTFOUND) rc = eo_store_fail("checkpoint input_seq", mrc);
    k = (MDB_val){strlen(S_KEY), S_KEY};
    if (rc == EO_OK && (mrc = mdb_del(txn, meta, &k, NULL)) && mrc != MDB_NOTFOUND)
        rc = eo_store_fail("checkpoint meta", mrc);
    if (rc == EO_OK) rc = s_keep_rules_only(txn, inputs);
    if (rc == EO_OK) rc = s_drop_others(txn);
    if (rc == EO_OK) rc = eo_store_commit(raw, &txn);
    eo_store_abort(&txn);
    return rc;
}

/* The raw copy of the store, cleaned, copied compacted into `into`; *seq its M. */
static int s_copy_clean(eo_store_t *store, const char *raw_dir, const char *dir, uint64_t *seq,
                        char *into, size_t intosize)
{
    int rc = s_fresh_dir(raw_dir);
    if (rc == EO_OK) rc = eo_store_copy(store, raw_dir);
    eo_store_t *raw = rc ? NULL : eo_store_new(raw_dir, 0, EO_STORE_NOSYNC | EO_STORE_EXISTING);
    if (rc == EO_OK && !raw) rc = EO_ESTORE;
    if (rc == EO_OK) rc = s_clean(raw, seq);
    if (rc == EO_OK) {
        snprintf(into, intosize, "%s/" S_PREFIX "%llu.tmp", dir, (unsigned long long)*seq);
        rc = s_fresh_dir(into);
    }
    if (rc == EO_OK) rc = eo_store_copy(raw, into);
    eo_store_destroy(&raw);
    int rm = s_remove_tree(raw_dir);
    return rc ? rc : rm;
}

int eo_checkpoint_make(eo_store_t *store, eo_checkpoint_t *out)
{
    const char *dir = eo_store_dir(store);
    char raw[4096], tmp[4096], final[4096], file[4200];
    snprintf(raw, sizeof raw, "%s/" S_RAW, dir);
    memset(out, 0, sizeof *out);
    int rc = s_copy_clean(store, raw, dir, &out->seq, tmp, sizeof tmp);
    snprintf(file, sizeof file, "%s/data.mdb", tmp);
    if (rc == EO_OK) rc = s_digest_file(file, -1, out->digest);
    if (rc == EO_OK) rc = s_fsync_path(file, false);
    snprintf(out->name, sizeof out->name, S_PREFIX "%llu", (unsigned long long)out->seq);
    snprintf(final, sizeof final, "%s/%s", dir, out->name);
    /* a folder of that name that is not recorded is a leftover of a run killed
     * between the rename and the record: this one replaces it */
    MDB_txn *txn = NULL;
    eo_checkpoint_t now;
    if (rc == EO_OK && (rc = eo_store_begin(store, false, &txn)) == EO_OK) {
        rc = eo_checkpoint_get(store, txn, &now);
        eo_store_abort(&txn);
        if (rc == EO_OK && streq(now.name, out->name)) {
            zsys_info("checkpoint: %s stands already (no input since)", now.name);
            *out = now;
            return s_remove_tree(tmp);
        }
        rc = rc == EO_ENOTFOUND ? EO_OK : rc;
    }
    if (rc == EO_OK) rc = s_remove_tree(final);
    if (rc == EO_OK && rename(tmp, final)) {
        zsys_error("checkpoint: cannot rename %s: %s", tmp, strerror(errno));
        rc = EO_EIO;
    }
    if (rc == EO_OK) rc = s_fsync_path(dir, true);
    if (rc) s_remove_tree(tmp);
    return rc;
}

int eo_checkpoint_tidy(eo_store_t *store)
{
    const char *dir = eo_store_dir(store);
    eo_checkpoint_t ck = {0};
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(store, false, &txn);
    if (rc == EO_OK) rc = eo_checkpoint_get(store, txn, &ck);
    eo_store_abort(&txn);
    if (rc && rc != EO_ENOTFOUND) return rc;
    DIR *d = opendir(dir);
    if (!d) {
        zsys_error("checkpoint: cannot list %s: %s", dir, strerror(errno));
        return EO_EIO;
    }
    zlistx_t *gone = zlistx_new();
    zlistx_set_destructor(gone, (zlistx_destructor_fn *)zstr_free);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, S_PREFIX, strlen(S_PREFIX)) == 0 && !streq(e->d_name, ck.name))
            zlistx_add_end(gone, zsys_sprintf("%s/%s", dir, e->d_name));
    closedir(d);
    rc = EO_OK;
    for (char *path = zlistx_first(gone); path; path = zlistx_next(gone))
        if (s_remove_tree(path)) rc = EO_EIO;
    zlistx_destroy(&gone);
    return rc;
}

int eo_checkpoint_trim(eo_store_t *store, size_t max, size_t *deleted)
{
    *deleted = 0;
    MDB_dbi inputs;
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    eo_checkpoint_t ck;
    int rc = eo_store_dbi(store, "m.inputs", 0, &inputs);
    if (rc || (rc = eo_store_begin(store, true, &txn))) return rc;
    rc = eo_checkpoint_get(store, txn, &ck);
    int mrc = rc ? 0 : mdb_cursor_open(txn, inputs, &cur);
    MDB_val k, v;
    for (mrc = mrc || rc ? mrc : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
         mrc == 0 && rc == EO_OK && *deleted < max;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 8 || eo_get_be64(k.mv_data) >= ck.seq) break;
        if ((mrc = mdb_cursor_del(cur, 0))) break;
        (*deleted)++;
    }
    if (cur) mdb_cursor_close(cur);
    if (rc == EO_OK && mrc && mrc != MDB_NOTFOUND) rc = eo_store_fail("trim inputs", mrc);
    if (rc == EO_ENOTFOUND) /* no checkpoint: nothing may go */
        rc = EO_OK;
    if (rc == EO_OK && *deleted) rc = eo_store_commit(store, &txn);
    eo_store_abort(&txn);
    if (rc) *deleted = 0;
    return rc;
}

/* --- using one --------------------------------------------------------------------- */

/* The recorded checkpoint and the path of its data file. */
static int s_recorded(eo_store_t *store, eo_checkpoint_t *ck, char *file, size_t size)
{
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(store, false, &txn);
    if (rc == EO_OK) rc = eo_checkpoint_get(store, txn, ck);
    eo_store_abort(&txn);
    snprintf(file, size, "%s/%s/data.mdb", eo_store_dir(store), ck->name);
    return rc;
}

int eo_checkpoint_verify(eo_store_t *store, eo_checkpoint_t *ck, char *why, size_t whylen)
{
    char file[4200], hex[65];
    int rc = s_recorded(store, ck, file, sizeof file);
    if (rc) return rc;
    if (s_digest_file(file, -1, hex)) {
        snprintf(why, whylen, "checkpoint %s: its data file %s cannot be read", ck->name, file);
        return EO_EINVAL;
    }
    if (!streq(hex, ck->digest)) {
        snprintf(why, whylen,
                 "checkpoint %s: its data file does not match the recorded digest "
                 "(%.16s..., recorded %.16s...)",
                 ck->name, hex, ck->digest);
        return EO_EINVAL;
    }
    snprintf(why, whylen, "checkpoint %s verified (inputs from %llu on)", ck->name,
             (unsigned long long)ck->seq);
    return EO_OK;
}

int eo_checkpoint_restore(eo_store_t *store, const char *into_dir, uint64_t *first_seq,
                          char *why, size_t whylen)
{
    eo_checkpoint_t ck;
    char file[4200], out[4200], hex[65];
    *first_seq = 0;
    int rc = s_recorded(store, &ck, file, sizeof file);
    if (rc == EO_ENOTFOUND) return EO_OK;
    if (rc) {
        snprintf(why, whylen, "the store's checkpoint record cannot be read");
        return rc;
    }
    if (mkdir(into_dir, 0700) && errno != EEXIST) {
        snprintf(why, whylen, "cannot create %s: %s", into_dir, strerror(errno));
        return EO_EIO;
    }
    snprintf(out, sizeof out, "%s/data.mdb", into_dir);
    int fd = open(out, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        snprintf(why, whylen, "cannot create %s: %s", out, strerror(errno));
        return EO_EIO;
    }
    rc = s_digest_file(file, fd, hex);
    if (close(fd) && rc == EO_OK) rc = EO_EIO;
    if (rc)
        snprintf(why, whylen, "checkpoint %s cannot be copied from %s", ck.name, file);
    else if (!streq(hex, ck.digest)) {
        snprintf(why, whylen,
                 "checkpoint %s does not match its recorded digest: it was changed "
                 "or damaged, so nothing before input %llu can be verified",
                 ck.name, (unsigned long long)ck.seq);
        rc = EO_EINVAL;
    }
    if (rc)
        unlink(out);
    else
        *first_seq = ck.seq;
    return rc;
}
