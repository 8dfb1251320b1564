/* carer_io.c: carers as TSV text, and the availability notation (see eo_carer_io.h). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_tsv.h"
#include "eonjena/eo_carer_io.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_phone.h"

static const char *s_days[7] = {"mo", "tu", "we", "th", "fr", "sa", "su"};

static int s_why(char *why, size_t whylen, const char *fmt, const char *arg)
{
    if (why && whylen) snprintf(why, whylen, fmt, arg ? arg : "");
    return EO_EINVAL;
}

/* "HH:MM" on a half hour, 00:00 .. 24:00; minutes of the day or -1. */
static int s_hhmm(const char *p)
{
    if (strlen(p) < 5 || p[2] != ':') return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (p[i] < '0' || p[i] > '9')) return -1;
    int h = (p[0] - '0') * 10 + (p[1] - '0'), m = (p[3] - '0') * 10 + (p[4] - '0');
    if ((m != 0 && m != 30) || h > 24 || (h == 24 && m)) return -1;
    return h * 60 + m;
}

/* One "dd HH:MM-HH:MM" token (without spaces: "mo18:00-22:00"). */
static int s_range(const char *tok, uint8_t *avail, char *why, size_t whylen)
{
    int day = -1;
    for (int d = 0; d < 7; d++)
        if (strncmp(tok, s_days[d], 2) == 0) day = d;
    if (day < 0 || strlen(tok) != 13 || tok[7] != '-')
        return s_why(why, whylen, "availability: '%s' is not like mo18:00-22:00", tok);
    int from = s_hhmm(tok + 2), to = s_hhmm(tok + 8);
    if (from < 0 || to < 0 || from == 1440 || to == 0 || from == to)
        return s_why(why, whylen, "availability: bad times in '%s' (half hours, 00:00-24:00)",
                     tok);
    /* An end before the start runs past midnight into the next day. */
    int len = (to > from ? to - from : 1440 - from + to) / 30;
    int s0 = day * 48 + from / 30;
    for (int i = 0; i < len; i++)
        eo_avail_set(avail, (s0 + i) % EO_WEEK_SLOTS, true);
    return EO_OK;
}

int eo_avail_parse(const char *text, uint8_t avail[EO_WEEK_SLOTS / 8], char *why, size_t whylen)
{
    memset(avail, 0, EO_WEEK_SLOTS / 8);
    if (!text) return s_why(why, whylen, "availability missing%s", NULL);
    if (streq(text, "-")) return EO_OK;
    if (!*text) return s_why(why, whylen, "availability empty (write - for none)%s", NULL);
    char tok[32];
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n == 0) break;
        if (n >= sizeof tok) return s_why(why, whylen, "availability: token too long%s", NULL);
        memcpy(tok, p, n);
        tok[n] = '\0';
        int rc = s_range(tok, avail, why, whylen);
        if (rc) return rc;
        p += n;
    }
    return EO_OK;
}

char *eo_avail_format(const uint8_t avail[EO_WEEK_SLOTS / 8], char *buf, size_t size)
{
    assert(size >= 2);
    size_t len = 0;
    buf[0] = '\0';
    for (int d = 0; d < 7; d++) {
        for (int s = 0; s < 48;) {
            if (!eo_avail_get(avail, d * 48 + s)) {
                s++;
                continue;
            }
            int e = s;
            while (e < 48 && eo_avail_get(avail, d * 48 + e))
                e++;
            int n = snprintf(buf + len, size - len, "%s%s%02d:%02d-%02d:%02d", len ? " " : "",
                             s_days[d], s / 2, s % 2 * 30, e / 2, e % 2 * 30);
            if (n < 0 || (size_t)n >= size - len) {
                buf[len] = '\0'; /* truncated: callers give room for the worst case */
                return buf;
            }
            len += (size_t)n;
            s = e;
        }
    }
    if (!len) snprintf(buf, size, "-");
    return buf;
}

/* --- TSV ----------------------------------------------------------------------------- */

enum {
    C_ID,
    C_SITE,
    C_KIND,
    C_POOL,
    C_ACTIVE,
    C_NIGHT,
    C_HOME,
    C_DONGS,
    C_PHONE,
    C_NAME,
    C_AVAIL,
    C_CHECK,
    C_TRAINING,
    C_PROVIDERS,
    C_WEEK,
    C_MONTH,
    C_COUNT
};
static const char *s_cols[C_COUNT] = {
    "id",           "site",        "kind",           "pool",      "active",
    "night_ok",     "home_dong",   "dongs",          "phone",     "name",
    "availability", "check_until", "training_until", "providers", "week_min",
    "month_min"};
static const bool s_required[C_COUNT] = {
    [C_ID] = true,    [C_SITE] = true,  [C_KIND] = true,  [C_HOME] = true,    [C_DONGS] = true,
    [C_PHONE] = true, [C_AVAIL] = true, [C_CHECK] = true, [C_TRAINING] = true};

#define S_MAX_COLS 32

struct eo_carer_tsv_t {
    int field_of[C_COUNT]; /* column index of each field, -1 if absent */
    int n_cols;
};

eo_carer_tsv_t *eo_carer_tsv_new(const char *header, char *why, size_t whylen)
{
    eo_carer_tsv_t *self = calloc(1, sizeof *self);
    char *copy = header ? strdup(header) : NULL;
    if (!self || !copy) {
        s_why(why, whylen, "out of memory or no header%s", NULL);
        goto fail;
    }
    eo_tsv_chomp(copy);
    for (int f = 0; f < C_COUNT; f++)
        self->field_of[f] = -1;
    char *cols[S_MAX_COLS + 1];
    self->n_cols = eo_tsv_split(copy, cols, S_MAX_COLS);
    if (self->n_cols > S_MAX_COLS) {
        s_why(why, whylen, "header: too many columns%s", NULL);
        goto fail;
    }
    for (int c = 0; c < self->n_cols; c++) {
        int f = 0;
        while (f < C_COUNT && !streq(cols[c], s_cols[f]))
            f++;
        if (f == C_COUNT) {
            s_why(why, whylen, "header: unknown column '%s'", cols[c]);
            goto fail;
        }
        if (self->field_of[f] >= 0) {
            s_why(why, whylen, "header: column '%s' twice", cols[c]);
            goto fail;
        }
        self->field_of[f] = c;
    }
    for (int f = 0; f < C_COUNT; f++)
        if (s_required[f] && self->field_of[f] < 0) {
            s_why(why, whylen, "header: required column '%s' missing", s_cols[f]);
            goto fail;
        }
    free(copy);
    return self;
fail:
    free(copy);
    eo_carer_tsv_destroy(&self);
    return NULL;
}

void eo_carer_tsv_destroy(eo_carer_tsv_t **self_p)
{
    if (!self_p || !*self_p) return;
    free(*self_p);
    *self_p = NULL;
}

/* Decimal without sign, within max. */
static bool s_uint(const char *text, uint64_t max, uint64_t *out)
{
    if (!*text || strlen(text) > 19) return false;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return v <= max;
}

static bool s_bool(const char *text, bool *out)
{
    if (streq(text, "1") || streq(text, "0")) {
        *out = text[0] == '1';
        return true;
    }
    return false;
}

/* Comma-separated unsigned numbers, at most max of them. */
static int s_uint_list(char *text, uint64_t vmax, uint32_t *out, int max)
{
    int n = 0;
    if (!*text) return 0;
    for (char *tok = text;; n++) {
        char *comma = strchr(tok, ',');
        if (comma) *comma = '\0';
        uint64_t v;
        if (n == max || !s_uint(tok, vmax, &v)) return -1;
        out[n] = (uint32_t)v;
        if (!comma) return n + 1;
        tok = comma + 1;
    }
}

static bool s_date(const char *text, int32_t *out)
{
    *out = 0;
    return !*text || eo_date_parse(text, out) == EO_OK;
}

static int s_kind(const char *text)
{
    if (streq(text, "1") || streq(text, "visit")) return EO_CARER_VISIT;
    if (streq(text, "2") || streq(text, "facility")) return EO_CARER_FACILITY;
    if (streq(text, "3") || streq(text, "invited")) return EO_CARER_INVITED;
    return 0;
}

int eo_carer_tsv_parse(eo_carer_tsv_t *self, char *line, const eo_dongs_t *dongs, eo_carer_t *c,
                       uint32_t *week_min, uint32_t *month_min, char *why, size_t whylen)
{
    eo_tsv_chomp(line);
    char *cols[S_MAX_COLS + 1];
    int n = eo_tsv_split(line, cols, S_MAX_COLS);
    if (n != self->n_cols) {
        char text[64];
        snprintf(text, sizeof text, "%d fields, the header has %d", n > S_MAX_COLS ? n - 1 : n,
                 self->n_cols);
        return s_why(why, whylen, "%s", text);
    }
    const char *v[C_COUNT];
    for (int f = 0; f < C_COUNT; f++)
        v[f] = self->field_of[f] >= 0 ? cols[self->field_of[f]] : NULL;
    memset(c, 0, sizeof *c);
    *week_min = *month_min = 0;
    c->active = true;
    uint64_t x;
    if (!s_uint(v[C_ID], UINT32_MAX, &x) || x == 0)
        return s_why(why, whylen, "id '%s' is not a number > 0", v[C_ID]);
    c->id = (uint32_t)x;
    if (strlen(v[C_SITE]) >= sizeof c->site || eo_dongs_site_find(dongs, v[C_SITE]) < 0)
        return s_why(why, whylen, "unknown site '%s'", v[C_SITE]);
    strcpy(c->site, v[C_SITE]);
    if (!(c->kind = (uint8_t)s_kind(v[C_KIND])))
        return s_why(why, whylen, "kind '%s' is not 1, 2, 3 (visit, facility, invited)",
                     v[C_KIND]);
    const int bools[3] = {C_POOL, C_ACTIVE, C_NIGHT};
    bool *dest[3] = {&c->pool, &c->active, &c->night_ok};
    for (int i = 0; i < 3; i++)
        if (v[bools[i]] && !s_bool(v[bools[i]], dest[i]))
            return s_why(why, whylen, "%s must be 0 or 1", s_cols[bools[i]]);
    c->home_dong = eo_dong_code_parse(v[C_HOME]);
    if (!c->home_dong)
        return s_why(why, whylen, "home_dong '%s' is not a 10-digit code", v[C_HOME]);
    char list[256];
    snprintf(list, sizeof list, "%s", v[C_DONGS]);
    int nd = s_uint_list(list, 9999999999ull, c->dongs, EO_CARER_MAX_DONGS);
    if (nd < 0 || strlen(v[C_DONGS]) >= sizeof list)
        return s_why(why, whylen, "dongs '%s': up to 8 comma-separated codes", v[C_DONGS]);
    for (int i = 0; i < nd; i++) {
        char code[16];
        snprintf(code, sizeof code, "%u", c->dongs[i]);
        if (!eo_dong_code_parse(code))
            return s_why(why, whylen, "dongs '%s': up to 8 comma-separated codes", v[C_DONGS]);
    }
    c->n_dongs = (uint8_t)nd;
    /* Any way of writing a mobile number, stored as E.164. */
    if (eo_phone_normalise(v[C_PHONE], c->phone, sizeof c->phone))
        return s_why(why, whylen, "phone is not a Korean mobile number (010-1234-5678)%s",
                     NULL);
    if (v[C_NAME]) {
        if (strlen(v[C_NAME]) >= sizeof c->name)
            return s_why(why, whylen, "name longer than 63 bytes%s", NULL);
        strcpy(c->name, v[C_NAME]);
    }
    int rc = eo_avail_parse(v[C_AVAIL], c->avail, why, whylen);
    if (rc) return rc;
    if (!s_date(v[C_CHECK], &c->check_until))
        return s_why(why, whylen, "check_until '%s' is not YYYY-MM-DD", v[C_CHECK]);
    if (!s_date(v[C_TRAINING], &c->training_until))
        return s_why(why, whylen, "training_until '%s' is not YYYY-MM-DD", v[C_TRAINING]);
    if (v[C_PROVIDERS]) {
        uint32_t prov[EO_CARER_MAX_PROVIDERS];
        snprintf(list, sizeof list, "%s", v[C_PROVIDERS]);
        int np = s_uint_list(list, UINT16_MAX, prov, EO_CARER_MAX_PROVIDERS);
        if (np < 0 || strlen(v[C_PROVIDERS]) >= sizeof list)
            return s_why(why, whylen, "providers '%s': up to 4 comma-separated numbers",
                         v[C_PROVIDERS]);
        for (int i = 0; i < np; i++)
            c->providers[i] = (uint16_t)prov[i];
        c->n_providers = (uint8_t)np;
    }
    if (v[C_WEEK] && *v[C_WEEK]) {
        if (!s_uint(v[C_WEEK], 7 * 24 * 60, &x))
            return s_why(why, whylen, "week_min '%s' is not 0 .. 10080", v[C_WEEK]);
        *week_min = (uint32_t)x;
    }
    if (v[C_MONTH] && *v[C_MONTH]) {
        if (!s_uint(v[C_MONTH], 31 * 24 * 60, &x))
            return s_why(why, whylen, "month_min '%s' is not 0 .. 44640", v[C_MONTH]);
        *month_min = (uint32_t)x;
    }
    return eo_carer_validate(c, dongs, why, whylen);
}

void eo_carer_tsv_write_header(FILE *out)
{
    for (int f = 0; f < C_COUNT; f++)
        fprintf(out, "%s%s", f ? "\t" : "", s_cols[f]);
    fputc('\n', out);
}

static void s_date_write(FILE *out, int32_t key)
{
    if (key) fprintf(out, "%04d-%02d-%02d", key / 10000, key / 100 % 100, key % 100);
}

void eo_carer_tsv_write(FILE *out, const eo_carer_t *c, uint32_t week_min, uint32_t month_min)
{
    fprintf(out, "%u\t%s\t%u\t%d\t%d\t%d\t%010u\t", c->id, c->site, c->kind, c->pool, c->active,
            c->night_ok, c->home_dong);
    for (int i = 0; i < c->n_dongs; i++)
        fprintf(out, "%s%010u", i ? "," : "", c->dongs[i]);
    char avail[7 * 24 * 15 + 8];
    fprintf(out, "\t%s\t%s\t%s\t", c->phone, c->name,
            eo_avail_format(c->avail, avail, sizeof avail));
    s_date_write(out, c->check_until);
    fputc('\t', out);
    s_date_write(out, c->training_until);
    fputc('\t', out);
    for (int i = 0; i < c->n_providers; i++)
        fprintf(out, "%s%u", i ? "," : "", c->providers[i]);
    fprintf(out, "\t%u\t%u\n", week_min, month_min);
}
