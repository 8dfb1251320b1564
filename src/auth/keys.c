/* keys.c: the credentials registry (see eo_keys.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_keys.h"
#include "eonjena/eo_sha256.h"

#define S_PBKDF2_ITER 100000
#define S_SECRET_BYTES 32
#define S_HASH_HEX 64

static const char *s_role_names[EO_ROLE_COUNT] = {
    "none", "member_app", "carer_app", "operator", "provider", "sms_gateway", "admin",
};

const char *eo_role_name(eo_role_t role)
{
    return (unsigned)role < EO_ROLE_COUNT ? s_role_names[role] : "none";
}

eo_role_t eo_role_parse(const char *name)
{
    for (int r = 1; name && r < EO_ROLE_COUNT; r++)
        if (streq(name, s_role_names[r])) return (eo_role_t)r;
    return EO_ROLE_NONE;
}

bool eo_identity_serves(const eo_identity_t *who, const char *site)
{
    if (!who || !site || !*site) return false;
    if (streq(who->sites, "*")) return true;
    size_t n = strlen(site);
    for (const char *p = who->sites; (p = strstr(p, site)); p += n)
        if ((p == who->sites || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) return true;
    return false;
}

/* --- rows ------------------------------------------------------------------------ */

typedef struct {
    char id[EO_KEY_ID_MAX];
    eo_role_t role;
    char sites[EO_KEY_SITES_MAX];
    char provider[EO_KEY_PROVIDER_MAX];
    char created[32], revoked[32];
    char secret[160]; /* "sha256:<hex>" or "pbkdf2:<iter>:<salt>:<hex>" */
} s_row_t;

typedef struct {
    s_row_t *v;
    size_t n;
} s_rows_t;

static void s_rows_free(s_rows_t *rows)
{
    if (rows->v) OPENSSL_cleanse(rows->v, rows->n * sizeof *rows->v);
    free(rows->v);
    rows->v = NULL;
    rows->n = 0;
}

static bool s_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n >= EO_KEY_ID_MAX) return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
            return false;
    return true;
}

/* One line into a row; a reason in why when it is not one. */
static bool s_parse_row(char *line, s_row_t *row, char *why, size_t whylen)
{
    char *f[8];
    int n = 0;
    for (char *save = NULL, *t = strtok_r(line, "\t\r\n", &save); t && n < 8;
         t = strtok_r(NULL, "\t\r\n", &save))
        f[n++] = t;
    if (n != 7) {
        snprintf(why, whylen, "want 7 tab-separated fields, found %d", n);
        return false;
    }
    memset(row, 0, sizeof *row);
    row->role = eo_role_parse(f[1]);
    if (!s_id_ok(f[0]) || !row->role) {
        snprintf(why, whylen, "bad id or role");
        return false;
    }
    snprintf(row->id, sizeof row->id, "%s", f[0]);
    snprintf(row->sites, sizeof row->sites, "%s", f[2]);
    snprintf(row->provider, sizeof row->provider, "%s", streq(f[3], "-") ? "" : f[3]);
    snprintf(row->created, sizeof row->created, "%s", f[4]);
    snprintf(row->revoked, sizeof row->revoked, "%s", f[5]);
    snprintf(row->secret, sizeof row->secret, "%s", f[6]);
    if (strncmp(row->secret, "sha256:", 7) != 0 && strncmp(row->secret, "pbkdf2:", 7) != 0) {
        snprintf(why, whylen, "the secret is neither sha256: nor pbkdf2:");
        return false;
    }
    return true;
}

/* Read every row of path (missing file: none). */
static int s_read(const char *path, s_rows_t *rows, char *err, size_t errlen)
{
    rows->v = NULL;
    rows->n = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT
                   ? EO_OK
                   : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), EO_EIO);
    char line[1024], why[128];
    int lineno = 0, rc = EO_OK;
    size_t cap = 0;
    while (rc == EO_OK && fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == 0) continue;
        if (rows->n == cap) {
            cap = cap ? 2 * cap : 16;
            s_row_t *v = realloc(rows->v, cap * sizeof *v);
            if (!v) {
                rc = EO_ENOMEM;
                break;
            }
            rows->v = v;
        }
        if (!s_parse_row(line, &rows->v[rows->n], why, sizeof why)) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            rc = EO_EINVAL;
        } else
            rows->n++;
    }
    fclose(f);
    if (rc) s_rows_free(rows);
    return rc;
}

/* Write every row to path atomically (a temporary file renamed over it), 0600. */
static int s_write(const char *path, const s_rows_t *rows, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        if (fd >= 0) close(fd);
        return EO_EIO;
    }
    fprintf(f, "# eonjena credentials (eonjena key add|list|revoke|passwd). Secrets are\n"
               "# hashed: the clear keys were shown once, when they were made.\n"
               "# id\trole\tsites\tprovider\tcreated\trevoked\tsecret\n");
    for (size_t i = 0; i < rows->n; i++) {
        const s_row_t *r = &rows->v[i];
        fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r->id, eo_role_name(r->role), r->sites,
                *r->provider ? r->provider : "-", r->created, r->revoked, r->secret);
    }
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) || !ok || rename(tmp, path)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return EO_EIO;
    }
    return EO_OK;
}

static void s_hex(const uint8_t *b, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = 0;
}

static void s_sha256_hex(const char *text, char *out)
{
    uint8_t h[EO_SHA256_LEN];
    eo_sha256(text, strlen(text), h);
    s_hex(h, sizeof h, out);
}

/* PBKDF2-HMAC-SHA256 of password with salt (hex), as hex. */
static bool s_pbkdf2_hex(const char *password, const char *salt, int iter, char *out)
{
    uint8_t h[32];
    if (!PKCS5_PBKDF2_HMAC(password, (int)strlen(password), (const uint8_t *)salt,
                           (int)strlen(salt), iter, EVP_sha256(), sizeof h, h))
        return false;
    s_hex(h, sizeof h, out);
    return true;
}

/* Equal, in a time that does not depend on where they differ. */
static bool s_same(const char *a, const char *b)
{
    size_t n = strlen(a);
    return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

/* --- the registry ------------------------------------------------------------------ */

struct eo_keys_t {
    char *path;
    pthread_rwlock_t lock;
    s_rows_t rows;
    struct timespec mtime;
    off_t size;
    ino_t ino;
};

static void s_stat(const char *path, struct timespec *mtime, off_t *size, ino_t *ino)
{
    struct stat st;
    memset(mtime, 0, sizeof *mtime);
    *size = -1;
    *ino = 0;
    if (stat(path, &st) == 0) *mtime = st.st_mtim, *size = st.st_size, *ino = st.st_ino;
}

eo_keys_t *eo_keys_load(const char *path, char *err, size_t errlen)
{
    eo_keys_t *self = calloc(1, sizeof *self);
    if (!self || !(self->path = strdup(path))) {
        free(self);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_rwlock_init(&self->lock, NULL);
    s_stat(path, &self->mtime, &self->size, &self->ino);
    if (s_read(path, &self->rows, err, errlen)) {
        eo_keys_destroy(&self);
        return NULL;
    }
    return self;
}

void eo_keys_destroy(eo_keys_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_keys_t *self = *self_p;
    s_rows_free(&self->rows);
    pthread_rwlock_destroy(&self->lock);
    free(self->path);
    free(self);
    *self_p = NULL;
}

int eo_keys_refresh(eo_keys_t *self)
{
    struct timespec mtime;
    off_t size;
    ino_t ino;
    s_stat(self->path, &mtime, &size, &ino);
    pthread_rwlock_rdlock(&self->lock);
    bool same = size == self->size && ino == self->ino && mtime.tv_sec == self->mtime.tv_sec &&
                mtime.tv_nsec == self->mtime.tv_nsec;
    pthread_rwlock_unlock(&self->lock);
    if (same) return EO_OK;
    s_rows_t fresh;
    char err[256];
    int rc = s_read(self->path, &fresh, err, sizeof err);
    if (rc) {
        zsys_error("keys: %s (keeping the loaded credentials)", err);
        return rc;
    }
    pthread_rwlock_wrlock(&self->lock);
    s_rows_t old = self->rows;
    self->rows = fresh;
    self->mtime = mtime, self->size = size, self->ino = ino;
    pthread_rwlock_unlock(&self->lock);
    s_rows_free(&old);
    zsys_info("keys: reloaded %s (%zu credentials)", self->path, fresh.n);
    return EO_OK;
}

size_t eo_keys_active(eo_keys_t *self)
{
    size_t n = 0;
    pthread_rwlock_rdlock(&self->lock);
    for (size_t i = 0; i < self->rows.n; i++)
        n += streq(self->rows.v[i].revoked, "-");
    pthread_rwlock_unlock(&self->lock);
    return n;
}

static void s_identity(const s_row_t *r, eo_identity_t *who)
{
    memset(who, 0, sizeof *who);
    who->role = r->role;
    snprintf(who->id, sizeof who->id, "%s", r->id);
    snprintf(who->sites, sizeof who->sites, "%s", r->sites);
    snprintf(who->provider, sizeof who->provider, "%s", r->provider);
}

/* The live row of id (read lock held by the caller). */
static const s_row_t *s_find(eo_keys_t *self, const char *id)
{
    for (size_t i = 0; i < self->rows.n; i++)
        if (streq(self->rows.v[i].id, id) && streq(self->rows.v[i].revoked, "-"))
            return &self->rows.v[i];
    return NULL;
}

int eo_keys_verify(eo_keys_t *self, const char *key, eo_identity_t *who)
{
    /* eok_<id>_<secret>: the id has no '_' */
    if (!key || strncmp(key, "eok_", 4) != 0 || strlen(key) > 200) return EO_ENOTFOUND;
    const char *id = key + 4, *us = strchr(id, '_');
    if (!us || us == id || (size_t)(us - id) >= EO_KEY_ID_MAX) return EO_ENOTFOUND;
    char idbuf[EO_KEY_ID_MAX], want[8 + S_HASH_HEX];
    snprintf(idbuf, sizeof idbuf, "%.*s", (int)(us - id), id);
    memcpy(want, "sha256:", 7);
    s_sha256_hex(us + 1, want + 7);
    int rc = EO_ENOTFOUND;
    pthread_rwlock_rdlock(&self->lock);
    const s_row_t *r = s_find(self, idbuf);
    if (r && s_same(r->secret, want)) {
        s_identity(r, who);
        rc = EO_OK;
    }
    pthread_rwlock_unlock(&self->lock);
    return rc;
}

int eo_keys_identity(eo_keys_t *self, const char *id, eo_identity_t *who)
{
    int rc = EO_ENOTFOUND;
    pthread_rwlock_rdlock(&self->lock);
    const s_row_t *r = id ? s_find(self, id) : NULL;
    if (r) {
        s_identity(r, who);
        rc = EO_OK;
    }
    pthread_rwlock_unlock(&self->lock);
    return rc;
}

int eo_keys_login(eo_keys_t *self, const char *id, const char *password, eo_identity_t *who)
{
    if (!id || !password || !*password || strlen(password) > 256) return EO_ENOTFOUND;
    char secret[sizeof((s_row_t *)0)->secret] = "";
    eo_identity_t found;
    pthread_rwlock_rdlock(&self->lock);
    const s_row_t *r = s_find(self, id);
    if (r && strncmp(r->secret, "pbkdf2:", 7) == 0) {
        snprintf(secret, sizeof secret, "%s", r->secret);
        s_identity(r, &found);
    }
    pthread_rwlock_unlock(&self->lock);
    /* pbkdf2:<iter>:<salt>:<hex>; an unknown id costs the same work as a known one */
    int iter = S_PBKDF2_ITER;
    char salt[65] = "0000000000000000", hash[65] = "", mine[65];
    if (*secret && sscanf(secret, "pbkdf2:%d:%64[0-9a-f]:%64[0-9a-f]", &iter, salt, hash) != 3)
        *secret = 0;
    bool ok = s_pbkdf2_hex(password, salt, iter > 0 ? iter : S_PBKDF2_ITER, mine) && *secret &&
              s_same(mine, hash);
    OPENSSL_cleanse(secret, sizeof secret);
    if (!ok) return EO_ENOTFOUND;
    *who = found;
    return EO_OK;
}

/* --- editing ------------------------------------------------------------------------- */

static void s_random_hex(size_t bytes, char *out)
{
    uint8_t b[64];
    assert(bytes <= sizeof b);
    if (RAND_bytes(b, (int)bytes) != 1)
        abort(); /* no randomness: no credentials can be made safely */
    s_hex(b, bytes, out);
}

static int s_add_row(const char *path, const s_row_t *row, char *err, size_t errlen)
{
    s_rows_t rows;
    int rc = s_read(path, &rows, err, errlen);
    if (rc) return rc;
    for (size_t i = 0; i < rows.n; i++)
        if (streq(rows.v[i].id, row->id)) {
            rows.v[i] = *row; /* a new password for an account */
            rc = s_write(path, &rows, err, errlen);
            s_rows_free(&rows);
            return rc;
        }
    s_row_t *v = realloc(rows.v, (rows.n + 1) * sizeof *v);
    if (!v) {
        s_rows_free(&rows);
        return EO_ENOMEM;
    }
    rows.v = v;
    rows.v[rows.n++] = *row;
    rc = s_write(path, &rows, err, errlen);
    s_rows_free(&rows);
    return rc;
}

static int s_new_row(s_row_t *row, eo_role_t role, const char *sites, const char *provider,
                     eo_time_t now, char *err, size_t errlen)
{
    memset(row, 0, sizeof *row);
    if (!role) {
        snprintf(err, errlen,
                 "unknown role (member_app, carer_app, operator, provider, "
                 "sms_gateway, admin)");
        return EO_EINVAL;
    }
    if (role == EO_ROLE_PROVIDER && (!provider || !*provider)) {
        snprintf(err, errlen, "a provider key names its provider (--provider ID)");
        return EO_EINVAL;
    }
    if (!sites || !*sites || strlen(sites) >= sizeof row->sites || strchr(sites, '\t')) {
        snprintf(err, errlen, "sites: * or a comma-separated list of site slugs");
        return EO_EINVAL;
    }
    row->role = role;
    snprintf(row->sites, sizeof row->sites, "%s", sites);
    snprintf(row->provider, sizeof row->provider, "%s", provider ? provider : "");
    eo_time_format(now, row->created, sizeof row->created);
    snprintf(row->revoked, sizeof row->revoked, "-");
    return EO_OK;
}

int eo_keys_file_add(const char *path, eo_role_t role, const char *sites, const char *provider,
                     eo_time_t now, char **key, char *err, size_t errlen)
{
    s_row_t row;
    int rc = s_new_row(&row, role, sites, provider, now, err, errlen);
    if (rc) return rc;
    char id[17], secret[2 * S_SECRET_BYTES + 1];
    s_random_hex(8, id);
    s_random_hex(S_SECRET_BYTES, secret);
    snprintf(row.id, sizeof row.id, "%s", id);
    memcpy(row.secret, "sha256:", 7);
    s_sha256_hex(secret, row.secret + 7);
    if ((rc = s_add_row(path, &row, err, errlen)) == EO_OK)
        *key = zsys_sprintf("eok_%s_%s", id, secret);
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}

int eo_keys_file_passwd(const char *path, const char *id, eo_role_t role, const char *sites,
                        const char *password, eo_time_t now, char *err, size_t errlen)
{
    if (role != EO_ROLE_OPERATOR && role != EO_ROLE_ADMIN) {
        snprintf(err, errlen, "only operator and admin accounts log in with a password");
        return EO_EINVAL;
    }
    if (!id || !s_id_ok(id)) {
        snprintf(err, errlen, "an account id is 1-23 of a-z 0-9 - .");
        return EO_EINVAL;
    }
    if (!password || strlen(password) < 10) {
        snprintf(err, errlen, "a password has at least 10 characters");
        return EO_EINVAL;
    }
    s_row_t row;
    int rc = s_new_row(&row, role, sites, "", now, err, errlen);
    if (rc) return rc;
    snprintf(row.id, sizeof row.id, "%s", id);
    char salt[33], hash[65];
    s_random_hex(16, salt);
    if (!s_pbkdf2_hex(password, salt, S_PBKDF2_ITER, hash)) {
        snprintf(err, errlen, "PBKDF2 failed");
        return EO_EIO;
    }
    snprintf(row.secret, sizeof row.secret, "pbkdf2:%d:%s:%s", S_PBKDF2_ITER, salt, hash);
    return s_add_row(path, &row, err, errlen);
}

int eo_keys_file_revoke(const char *path, const char *id, eo_time_t now, char *err,
                        size_t errlen)
{
    s_rows_t rows;
    int rc = s_read(path, &rows, err, errlen);
    if (rc) return rc;
    rc = EO_ENOTFOUND;
    for (size_t i = 0; i < rows.n; i++)
        if (streq(rows.v[i].id, id) && streq(rows.v[i].revoked, "-")) {
            eo_time_format(now, rows.v[i].revoked, sizeof rows.v[i].revoked);
            rc = EO_OK;
        }
    if (rc == EO_OK)
        rc = s_write(path, &rows, err, errlen);
    else
        snprintf(err, errlen, "no live key or account '%s'", id);
    s_rows_free(&rows);
    return rc;
}

int eo_keys_file_list(const char *path, FILE *out, char *err, size_t errlen)
{
    s_rows_t rows;
    int rc = s_read(path, &rows, err, errlen);
    if (rc) return rc;
    fprintf(out, "%-18s %-12s %-20s %-16s %-26s %s\n", "id", "role", "sites", "provider",
            "created", "revoked");
    for (size_t i = 0; i < rows.n; i++) {
        const s_row_t *r = &rows.v[i];
        fprintf(out, "%-18s %-12s %-20s %-16s %-26s %s\n", r->id, eo_role_name(r->role),
                r->sites, *r->provider ? r->provider : "-", r->created, r->revoked);
    }
    s_rows_free(&rows);
    return EO_OK;
}

/* --- self-test ----------------------------------------------------------------------- */

void eo_keys_test(bool verbose)
{
    if (verbose) printf(" * eo_keys: ");
    char dir[] = "/tmp/eo_keys_XXXXXX", path[64], err[256];
    assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/keys", dir);
    eo_keys_t *keys = eo_keys_load(path, err, sizeof err);
    assert(keys && eo_keys_active(keys) == 0); /* no file yet: no credentials */
    char *key = NULL;
    assert(eo_keys_file_add(path, EO_ROLE_MEMBER_APP, "suwon,guri", "", 0, &key, err,
                            sizeof err) == EO_OK);
    struct stat st;
    assert(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    /* the clear key is nowhere in the file */
    FILE *f = fopen(path, "r");
    char text[4096] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    assert(!strstr(text, key + 21));
    assert(eo_keys_refresh(keys) == EO_OK && eo_keys_active(keys) == 1);
    eo_identity_t who;
    assert(eo_keys_verify(keys, key, &who) == EO_OK && who.role == EO_ROLE_MEMBER_APP);
    assert(eo_identity_serves(&who, "guri") && !eo_identity_serves(&who, "gur"));
    key[strlen(key) - 1] ^= 1;
    assert(eo_keys_verify(keys, key, &who) == EO_ENOTFOUND);
    assert(eo_keys_verify(keys, "eok_x", &who) == EO_ENOTFOUND);
    assert(eo_keys_verify(keys, NULL, &who) == EO_ENOTFOUND);
    key[strlen(key) - 1] ^= 1;
    char id[EO_KEY_ID_MAX];
    snprintf(id, sizeof id, "%.16s", key + 4);
    assert(eo_keys_file_revoke(path, id, 0, err, sizeof err) == EO_OK);
    assert(eo_keys_refresh(keys) == EO_OK && eo_keys_verify(keys, key, &who) == EO_ENOTFOUND);
    free(key);
    /* an operator account */
    assert(eo_keys_file_passwd(path, "kim", EO_ROLE_OPERATOR, "suwon", "short", 0, err,
                               sizeof err) == EO_EINVAL);
    assert(eo_keys_file_passwd(path, "kim", EO_ROLE_OPERATOR, "suwon", "correct horse", 0, err,
                               sizeof err) == EO_OK);
    assert(eo_keys_refresh(keys) == EO_OK);
    assert(eo_keys_login(keys, "kim", "correct horse", &who) == EO_OK &&
           who.role == EO_ROLE_OPERATOR && streq(who.id, "kim"));
    assert(eo_keys_login(keys, "kim", "wrong horse", &who) == EO_ENOTFOUND);
    assert(eo_keys_login(keys, "lee", "correct horse", &who) == EO_ENOTFOUND);
    eo_keys_destroy(&keys);
    assert(keys == NULL);
    unlink(path);
    rmdir(dir);
    if (verbose) printf("OK\n");
}
