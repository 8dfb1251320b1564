/* calendar.c: the holiday calendar, a tab-separated data file (see eo_calendar.h).
 *
 * The loaded table is immutable; a refresh builds a new table outside the lock and
 * swaps the pointer under a write lock, so lookups (read lock, a binary search) never
 * see a half-loaded file and an operator's edit applies without a restart. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>

#include "eonjena/eo_calendar.h"
#include "eonjena/eo_dong.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_time.h"

typedef struct {
    eo_holiday_t *days; /* sorted by date, unique */
    size_t n;
} s_table_t;

/* What identifies a version of the file: a rename gives a new inode, an in-place edit a
 * new mtime or size. */
typedef struct {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} s_stamp_t;

struct eo_calendar_t {
    char *path;
    pthread_rwlock_t lock;
    s_table_t *table;
    s_stamp_t stamp;
    _Atomic uint64_t version; /* tables loaded so far */
};

static const char *s_kind_names[] = {"holiday", "substitute", "election", "temporary"};

const char *eo_holiday_kind_name(eo_holiday_kind_t kind)
{
    return (unsigned)kind < 4 ? s_kind_names[kind] : "?";
}

int eo_holiday_kind_parse(const char *text, eo_holiday_kind_t *out)
{
    for (int i = 0; i < 4; i++)
        if (text && streq(text, s_kind_names[i])) {
            *out = (eo_holiday_kind_t)i;
            return EO_OK;
        }
    return EO_EINVAL;
}

static void s_table_destroy(s_table_t **t_p)
{
    if (t_p && *t_p) {
        free((*t_p)->days);
        free(*t_p);
        *t_p = NULL;
    }
}

static void s_chomp(char *line)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
}

static bool s_is_blank_or_comment(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return *line == '\0' || *line == '#';
}

/* Parse one data line "date kind facility name" (tabs) into *out; a message in err. */
static int s_parse_line(const char *line, eo_holiday_t *out, char *err, size_t errlen)
{
    char buf[512];
    if (strlen(line) >= sizeof buf) {
        snprintf(err, errlen, "line too long");
        return EO_EINVAL;
    }
    strcpy(buf, line);
    char *f[4] = {buf, NULL, NULL, NULL};
    for (int i = 1; i < 4; i++) {
        char *tab = strchr(f[i - 1], '\t');
        if (!tab) {
            snprintf(err, errlen, "want 4 tab-separated fields: date kind facility name");
            return EO_EINVAL;
        }
        *tab = '\0';
        f[i] = tab + 1;
    }
    memset(out, 0, sizeof *out);
    if (eo_date_parse(f[0], &out->date)) {
        snprintf(err, errlen, "bad date '%s' (want YYYY-MM-DD)", f[0]);
        return EO_EINVAL;
    }
    if (eo_holiday_kind_parse(f[1], &out->kind)) {
        snprintf(err, errlen, "bad kind '%s' (holiday, substitute, election, temporary)", f[1]);
        return EO_EINVAL;
    }
    if (!streq(f[2], "open") && !streq(f[2], "closed")) {
        snprintf(err, errlen, "bad facility '%s' (open or closed)", f[2]);
        return EO_EINVAL;
    }
    out->facility_closed = streq(f[2], "closed");
    if (out->facility_closed && out->kind == EO_HOLIDAY_SUBSTITUTE) {
        snprintf(err, errlen, "a substitute holiday is never a facility closed day");
        return EO_EINVAL;
    }
    if (!*f[3] || strpbrk(f[3], "\t\r\n") || strlen(f[3]) >= EO_HOLIDAY_NAME) {
        snprintf(err, errlen, "name missing, with a tab or line break, or longer than %d bytes",
                 EO_HOLIDAY_NAME - 1);
        return EO_EINVAL;
    }
    strcpy(out->name, f[3]);
    return EO_OK;
}

static int s_cmp_day(const void *a, const void *b)
{
    int32_t x = ((const eo_holiday_t *)a)->date, y = ((const eo_holiday_t *)b)->date;
    return (x > y) - (x < y);
}

/* Read and validate the whole file; NULL with "path:line: why" in err. */
static s_table_t *s_table_load(const char *path, s_stamp_t *stamp, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    s_table_t *t = calloc(1, sizeof *t);
    size_t cap = 0;
    char line[1024], why[160];
    int lineno = 0;
    if (!t) goto fail_mem;
    struct stat st;
    if (stamp && fstat(fileno(f), &st) == 0)
        *stamp = (s_stamp_t){st.st_dev, st.st_ino, st.st_size, st.st_mtim};
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line too long", path, lineno);
            goto fail;
        }
        s_chomp(line);
        if (s_is_blank_or_comment(line)) continue;
        if (t->n == cap) {
            cap = cap ? cap * 2 : 128;
            eo_holiday_t *grown = realloc(t->days, cap * sizeof *grown);
            if (!grown) goto fail_mem;
            t->days = grown;
        }
        if (s_parse_line(line, &t->days[t->n], why, sizeof why)) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            goto fail;
        }
        t->n++;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        goto fail;
    }
    if (t->n > 1) /* an empty file leaves days NULL: qsort(NULL, 0) is undefined */
        qsort(t->days, t->n, sizeof *t->days, s_cmp_day);
    for (size_t i = 1; i < t->n; i++)
        if (t->days[i].date == t->days[i - 1].date) {
            snprintf(err, errlen, "%s: date %d listed twice", path, t->days[i].date);
            goto fail;
        }
    fclose(f);
    return t;
fail_mem:
    snprintf(err, errlen, "%s: out of memory", path);
fail:
    fclose(f);
    s_table_destroy(&t);
    return NULL;
}

eo_calendar_t *eo_calendar_load(const char *path, char *err, size_t errlen)
{
    eo_calendar_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->path = strdup(path);
    if (!self->path || pthread_rwlock_init(&self->lock, NULL)) {
        snprintf(err, errlen, "out of memory");
        free(self->path);
        free(self);
        return NULL;
    }
    self->table = s_table_load(path, &self->stamp, err, errlen);
    if (!self->table) {
        eo_calendar_destroy(&self);
        return NULL;
    }
    return self;
}

eo_calendar_t *eo_calendar_load_default(char *err, size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/holidays.tsv", eo_data_dir());
    return eo_calendar_load(path, err, errlen);
}

void eo_calendar_destroy(eo_calendar_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_calendar_t *self = *self_p;
    s_table_destroy(&self->table);
    pthread_rwlock_destroy(&self->lock);
    free(self->path);
    free(self);
    *self_p = NULL;
}

const char *eo_calendar_path(eo_calendar_t *self)
{
    return self->path;
}

/* Under the read lock. */
static const eo_holiday_t *s_find(const s_table_t *t, int32_t date)
{
    eo_holiday_t key = {.date = date};
    return t && t->n ? bsearch(&key, t->days, t->n, sizeof *t->days, s_cmp_day) : NULL;
}

bool eo_calendar_get(eo_calendar_t *self, int32_t date_key, eo_holiday_t *out)
{
    pthread_rwlock_rdlock(&self->lock);
    const eo_holiday_t *h = s_find(self->table, date_key);
    if (h && out) *out = *h;
    pthread_rwlock_unlock(&self->lock);
    return h != NULL;
}

bool eo_calendar_is_holiday(eo_calendar_t *self, int32_t date_key)
{
    return eo_calendar_get(self, date_key, NULL);
}

bool eo_calendar_is_substitute(eo_calendar_t *self, int32_t date_key)
{
    eo_holiday_t h;
    return eo_calendar_get(self, date_key, &h) && h.kind == EO_HOLIDAY_SUBSTITUTE;
}

bool eo_calendar_is_facility_closed(eo_calendar_t *self, int32_t date_key)
{
    eo_holiday_t h;
    return eo_calendar_get(self, date_key, &h) && h.facility_closed;
}

bool eo_calendar_is_day_off(eo_calendar_t *self, int32_t date_key)
{
    int wday = eo_date_wday(date_key);
    return wday >= 5 || eo_calendar_is_holiday(self, date_key);
}

size_t eo_calendar_list(eo_calendar_t *self, int32_t from, int32_t to, eo_holiday_t *out,
                        size_t max)
{
    size_t n = 0;
    pthread_rwlock_rdlock(&self->lock);
    for (size_t i = 0; self->table && i < self->table->n; i++) {
        const eo_holiday_t *h = &self->table->days[i];
        if ((from && h->date < from) || (to && h->date > to)) continue;
        if (out && n < max) out[n] = *h;
        n++;
    }
    pthread_rwlock_unlock(&self->lock);
    return n;
}

int32_t eo_calendar_end(eo_calendar_t *self)
{
    pthread_rwlock_rdlock(&self->lock);
    int32_t last =
        self->table && self->table->n ? self->table->days[self->table->n - 1].date : 0;
    pthread_rwlock_unlock(&self->lock);
    return last ? last / 10000 * 10000 + 1231 : 0;
}

/* Noon of a date key, Seoul: days between two are a division away. */
static eo_time_t s_noon(int32_t key)
{
    return eo_time_from_local(key / 10000, key / 100 % 100, key % 100, 12, 0, 0);
}

bool eo_calendar_ends_soon(eo_calendar_t *self, eo_time_t now, int warn_days, int *days_left,
                           char *msg, size_t size)
{
    int32_t end = eo_calendar_end(self);
    *days_left = end ? (int)((s_noon(end) - s_noon(eo_date_key(now))) / 86400) : -1;
    if (!end)
        snprintf(msg, size,
                 "the holiday calendar lists no holidays: add them "
                 "(eonjena holiday add)");
    else if (*days_left < 0)
        snprintf(msg, size,
                 "the holiday calendar ended on %04d-%02d-%02d: holidays "
                 "after it are treated as working days; add the next year's (eonjena "
                 "holiday add)",
                 end / 10000, end / 100 % 100, end % 100);
    else
        snprintf(msg, size,
                 "the holiday calendar ends on %04d-%02d-%02d, in %d day%s: "
                 "add the next year's holidays before then (eonjena holiday add)",
                 end / 10000, end / 100 % 100, end % 100, *days_left,
                 *days_left == 1 ? "" : "s");
    return *days_left <= warn_days;
}

eo_time_t eo_calendar_next_workday_at(eo_calendar_t *self, eo_time_t t, int minute_of_day)
{
    int32_t day = eo_date_key(t);
    /* A long holiday run is at most ~10 days; 60 keeps a corrupt file from looping. */
    for (int i = 0; i < 60; i++, day = eo_date_add(day, 1)) {
        eo_time_t at =
            eo_time_from_local(day / 10000, day / 100 % 100, day % 100, 0, minute_of_day, 0);
        if (at >= t && !eo_calendar_is_day_off(self, day)) return at;
    }
    return t;
}

int eo_calendar_refresh(eo_calendar_t *self)
{
    struct stat st;
    if (stat(self->path, &st)) {
        zsys_error("calendar: %s: %s (keeping the loaded table)", self->path, strerror(errno));
        return EO_EIO;
    }
    s_stamp_t now = {st.st_dev, st.st_ino, st.st_size, st.st_mtim};
    pthread_rwlock_rdlock(&self->lock);
    bool same = now.dev == self->stamp.dev && now.ino == self->stamp.ino &&
                now.size == self->stamp.size && now.mtime.tv_sec == self->stamp.mtime.tv_sec &&
                now.mtime.tv_nsec == self->stamp.mtime.tv_nsec;
    pthread_rwlock_unlock(&self->lock);
    if (same) return EO_OK;
    char err[256];
    s_stamp_t stamp;
    s_table_t *fresh = s_table_load(self->path, &stamp, err, sizeof err);
    if (!fresh) {
        zsys_error("calendar: %s (keeping the loaded table)", err);
        return EO_EINVAL;
    }
    pthread_rwlock_wrlock(&self->lock);
    s_table_t *old = self->table;
    self->table = fresh;
    self->stamp = stamp;
    pthread_rwlock_unlock(&self->lock);
    s_table_destroy(&old);
    self->version++;
    zsys_info("calendar: reloaded %s (%zu holidays)", self->path, fresh->n);
    return EO_OK;
}

uint64_t eo_calendar_version(eo_calendar_t *self)
{
    return self->version;
}

/* --- editing the file ------------------------------------------------------------- */

/* The file as lines (comments kept), validated as a whole. */
typedef struct {
    char **lines;
    size_t n, cap;
} s_lines_t;

static void s_lines_free(s_lines_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->lines[i]);
    free(l->lines);
    memset(l, 0, sizeof *l);
}

static int s_lines_insert(s_lines_t *l, size_t at, const char *text)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 128;
        char **grown = realloc(l->lines, cap * sizeof *grown);
        if (!grown) return EO_ENOMEM;
        l->lines = grown;
        l->cap = cap;
    }
    char *copy = strdup(text);
    if (!copy) return EO_ENOMEM;
    memmove(l->lines + at + 1, l->lines + at, (l->n - at) * sizeof *l->lines);
    l->lines[at] = copy;
    l->n++;
    return EO_OK;
}

static int s_lines_read(const char *path, s_lines_t *l, char *err, size_t errlen)
{
    char why[160];
    struct stat st;
    if (stat(path, &st)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return EO_EIO;
    }
    s_table_t *check = s_table_load(path, NULL, why, sizeof why);
    if (!check) {
        snprintf(err, errlen, "%s", why);
        return EO_EINVAL;
    }
    s_table_destroy(&check);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return EO_EIO;
    }
    char line[1024];
    int rc = EO_OK;
    while (rc == EO_OK && fgets(line, sizeof line, f)) {
        s_chomp(line);
        rc = s_lines_insert(l, l->n, line);
    }
    fclose(f);
    if (rc) snprintf(err, errlen, "out of memory");
    return rc;
}

/* Write to a temporary file next to path, fsync, rename over path, fsync the folder. */
static int s_lines_write(const char *path, const s_lines_t *l, char *err, size_t errlen)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return EO_EIO;
    }
    struct stat st;
    if (stat(path, &st) == 0) fchmod(fd, st.st_mode & 0777);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        goto fail;
    }
    for (size_t i = 0; i < l->n; i++)
        fprintf(f, "%s\n", l->lines[i]);
    if (fflush(f) || fsync(fileno(f))) {
        fclose(f);
        goto fail;
    }
    if (fclose(f) || rename(tmp, path)) goto fail;
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return EO_OK;
fail:
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    unlink(tmp);
    return EO_EIO;
}

/* The date of a data line, 0 for comments and blanks. */
static int32_t s_line_date(const char *line)
{
    eo_holiday_t h;
    char why[160];
    if (s_is_blank_or_comment(line) || s_parse_line(line, &h, why, sizeof why)) return 0;
    return h.date;
}

int eo_calendar_file_add(const char *path, const eo_holiday_t *entry, char *err, size_t errlen)
{
    char line[512], why[160];
    char date[16];
    snprintf(date, sizeof date, "%04d-%02d-%02d", entry->date / 10000, entry->date / 100 % 100,
             entry->date % 100);
    snprintf(line, sizeof line, "%s\t%s\t%s\t%s", date, eo_holiday_kind_name(entry->kind),
             entry->facility_closed ? "closed" : "open", entry->name);
    eo_holiday_t check;
    if (s_parse_line(line, &check, why, sizeof why)) {
        snprintf(err, errlen, "%s", why);
        return EO_EINVAL;
    }
    s_lines_t l = {0};
    int rc = s_lines_read(path, &l, err, errlen);
    if (rc) goto done;
    /* Insert after the last data line with an earlier date, so the file stays sorted and
     * a year's comment header stays above its dates; with no earlier date, before the
     * first later one; in an empty file, at the end. */
    size_t after = 0, before = l.n;
    bool any_earlier = false;
    for (size_t i = 0; i < l.n; i++) {
        int32_t d = s_line_date(l.lines[i]);
        if (d == check.date) {
            snprintf(err, errlen, "%s is already listed", date);
            rc = EO_EEXIST;
            goto done;
        }
        if (d && d < check.date) {
            after = i + 1;
            any_earlier = true;
        }
        if (d > check.date && before == l.n) before = i;
    }
    size_t at = any_earlier ? after : before;
    rc = s_lines_insert(&l, at, line);
    if (rc)
        snprintf(err, errlen, "out of memory");
    else
        rc = s_lines_write(path, &l, err, errlen);
done:
    s_lines_free(&l);
    return rc;
}

int eo_calendar_file_remove(const char *path, int32_t date_key, char *err, size_t errlen)
{
    s_lines_t l = {0};
    int rc = s_lines_read(path, &l, err, errlen);
    if (rc) goto done;
    rc = EO_ENOTFOUND;
    for (size_t i = 0; i < l.n; i++)
        if (s_line_date(l.lines[i]) == date_key) {
            free(l.lines[i]);
            memmove(l.lines + i, l.lines + i + 1, (l.n - i - 1) * sizeof *l.lines);
            l.n--;
            rc = EO_OK;
            break;
        }
    if (rc)
        snprintf(err, errlen, "%04d-%02d-%02d is not listed", date_key / 10000,
                 date_key / 100 % 100, date_key % 100);
    else
        rc = s_lines_write(path, &l, err, errlen);
done:
    s_lines_free(&l);
    return rc;
}

/* --- self-test -------------------------------------------------------------------- */
void eo_calendar_test(bool verbose)
{
    if (verbose) printf(" * eo_calendar: ");
    char err[256];
    eo_calendar_t *cal = eo_calendar_load_default(err, sizeof err);
    assert(cal);
    assert(eo_calendar_is_holiday(cal, 20260101) && !eo_calendar_is_substitute(cal, 20260101));
    assert(eo_calendar_is_substitute(cal, 20261005) && eo_calendar_is_day_off(cal, 20261005));
    assert(eo_calendar_is_facility_closed(cal, 20260925) &&
           !eo_calendar_is_facility_closed(cal, 20260924));
    assert(eo_calendar_is_day_off(cal, 20261128) && !eo_calendar_is_day_off(cal, 20261127));
    /* Wednesday 2026-09-23 18:00 -> 추석 Thu-Sat, then Sunday: business hours begin
     * Monday the 28th. */
    eo_time_t wed = eo_time_from_local(2026, 9, 23, 18, 0, 0);
    assert(eo_calendar_next_workday_at(cal, wed, 540) ==
           eo_time_from_local(2026, 9, 28, 9, 0, 0));
    char *json = eo_calendar_list_json(cal, 20261001, 20261009);
    assert(json &&
           streq(json,
                 "[{\"date\":\"2026-10-03\",\"kind\":\"holiday\",\"facility_closed\":false,"
                 "\"name\":\"개천절\"},{\"date\":\"2026-10-05\",\"kind\":\"substitute\","
                 "\"facility_closed\":false,\"name\":\"대체공휴일(개천절)\"},{\"date\":"
                 "\"2026-10-09\",\"kind\":\"holiday\",\"facility_closed\":false,\"name\":"
                 "\"한글날\"}]"));
    free(json);
    eo_calendar_destroy(&cal);
    assert(cal == NULL);
    eo_calendar_destroy(&cal);
    assert(eo_calendar_load("/nonexistent/holidays.tsv", err, sizeof err) == NULL);
    if (verbose) printf("OK\n");
}
