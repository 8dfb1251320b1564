/* template.c: per-site SMS texts, checked at load (see eo_template.h). */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_template.h"

static const char *s_kind_names[EO_TPL_COUNT] = {
    "offer",
    "filled",
    "withdrawn",
    "help",
    "stop",
    "time",
    "winner",
    "notice",
    "overlap",
    "unbookable",
    "called_off",
    "queued",
    "expired",
    "cancelled",
    "reopened",
    "escalated",
    "pair_failed",
    "refused",
    "paid",
    "restricted",
    "facility_winner",
    "facility_notice",
    "convert",
    "pickup_late",
};

/* Built-in texts, used where the configuration says nothing. Each fits one UCS-2 and one
 * EUC-KR segment with the widest names of data/ (the self-test checks it). */
static const char *s_builtin[EO_TPL_COUNT] = {
    "[언제나돌봄] {site} {dong} {date} {start}-{end} {pay}원. 수락 {code} / 거절 2",
    "[언제나돌봄] {date} {dong} 돌봄은 다른 분이 맡았습니다. 감사합니다.",
    "[언제나돌봄] {date} {dong} 돌봄 요청이 취소되었습니다.",
    "[언제나돌봄] 수락은 1 또는 코드, 거절은 2, 중단은 수신거부로 답해 주세요.",
    "[언제나돌봄] 수신거부 처리되었습니다. 더 이상 제안 문자를 보내지 않습니다.",
    "[언제나돌봄] 시작/종료 시각이 기록되었습니다.",
    ("[언제나돌봄] 배정 확정 {date} {start}-{end} {address} 아동 {child}. "
     "시작과 종료 때 '시작', '종료'로 답해 주세요."),
    "[언제나돌봄] {date} {start} 돌봄에 {carer} 님({phone})이 배정되었습니다. 이용료 {fee}원을 "
    "결제해 주세요.",
    "[언제나돌봄] {date} {dong} 제안은 다른 배정과 겹쳐 철회되었습니다.",
    "[언제나돌봄] {date} {dong} 돌봄은 일정 또는 주간 한도로 배정 불가합니다.",
    "[언제나돌봄] {date} {start}-{end} 돌봄이 이용자 요청으로 취소되었습니다.",
    "[언제나돌봄] {date} {start} 요청이 접수되어 제공기관 업무시간에 연계됩니다.",
    "[언제나돌봄] 죄송합니다. {date} {start} 돌봄에 맞는 돌보미를 찾지 못했습니다.",
    "[언제나돌봄] {date} {start} 요청이 취소되었습니다. 취소 수수료 {fee}원.",
    "[언제나돌봄] {date} {start} 배정된 돌보미가 취소하여 다시 찾고 있습니다.",
    "[언제나돌봄] 요청 {request} ({site} {dong} {date} {start}-{end}) 배정 실패: 콜센터 확인 "
    "필요",
    "[언제나돌봄] {date} {start} 돌봄은 두 번째 돌보미를 찾지 못해 취소되었습니다.",
    ("[언제나돌봄] {date} {start} 요청은 서비스제공기관 업무 시작 전에 시작하여 제공할 수 "
     "없습니다. 업무시간에 기관에서 연락드립니다."),
    "[언제나돌봄] {date} {start} 돌봄 이용료 {fee}원 결제가 확인되어 연계되었습니다.",
    "[언제나돌봄] 이용제한 {term}: {until}부터 다시 이용할 수 있습니다.",
    ("[언제나돌봄] 시설돌봄 확정 {provider} {date} {start}-{end} 아동 {child}. 인계 "
     "{handover}, "
     "귀가 {pickup}. 시작과 종료 때 '시작', '종료'로 답해 주세요."),
    "[언제나돌봄] 시설돌봄 확정: {provider}, 돌보미 {carer}, {date} {start}-{end}, 귀가 "
    "{pickup}.",
    ("[언제나돌봄] {date} {start} 시설돌봄을 맡을 돌보미가 없습니다. 방문형으로 바꾸시려면 "
     "콜센터로 연락해 주세요."),
    ("[언제나돌봄] 요청 {request} ({site} {date} {end}) 귀가 지연: 보호자 연락이 닿지 않아 "
     "경찰 인계 절차가 필요합니다."),
};

typedef enum {
    P_SITE,
    P_DONG,
    P_DATE,
    P_START,
    P_END,
    P_PAY,
    P_FEE,
    P_CODE,
    P_REQUEST,
    P_PROVIDER,
    P_TERM,
    P_UNTIL,
    P_CHILD,
    P_ADDRESS,
    P_CARER,
    P_PHONE,
    P_HANDOVER,
    P_PICKUP,
    P_COUNT
} s_ph_t;
static const char *s_ph_names[P_COUNT] = {
    "site",     "dong", "date",  "start", "end",     "pay",   "fee",   "code",     "request",
    "provider", "term", "until", "child", "address", "carer", "phone", "handover", "pickup",
};
#define S_PRIVATE_FIRST P_CHILD /* placeholders only the private kinds may use */

typedef struct {
    char slug[EO_SITE_SLUG];
    eo_coding_t coding;
    char *text[EO_TPL_COUNT];
} s_site_t;

struct eo_templates_t {
    s_site_t sites[EO_SITE_MAX + 1]; /* [0] is "default" */
    size_t n;
};

/* --- codings ---------------------------------------------------------------------- */

int eo_coding_units(const char *utf8, eo_coding_t coding)
{
    if (!utf8) return -1;
    if (coding == EO_CODING_UCS2) {
        int units = 0;
        for (const unsigned char *p = (const unsigned char *)utf8; *p;) {
            int n = *p < 0x80             ? 1
                    : (*p & 0xE0) == 0xC0 ? 2
                    : (*p & 0xF0) == 0xE0 ? 3
                    : (*p & 0xF8) == 0xF0 ? 4
                                          : 0;
            if (n == 0) return -1;
            for (int i = 1; i < n; i++)
                if ((p[i] & 0xC0) != 0x80) return -1;
            units += n == 4 ? 2 : 1; /* outside the BMP: a surrogate pair */
            p += n;
        }
        return units;
    }
    /* CP949 is EUC-KR with every modern Hangul syllable (the form Korean phones use);
     * each Hangul is 2 bytes in both. */
    iconv_t cd = iconv_open("CP949", "UTF-8");
    if (cd == (iconv_t)-1) return -1;
    char *in = (char *)utf8;
    size_t inleft = strlen(utf8);
    int total = 0;
    char buf[256];
    while (inleft > 0) {
        char *out = buf;
        size_t outleft = sizeof buf;
        size_t rc = iconv(cd, &in, &inleft, &out, &outleft);
        total += (int)(sizeof buf - outleft);
        if (rc == (size_t)-1 && errno != E2BIG) {
            total = -1;
            break;
        }
    }
    iconv_close(cd);
    return total;
}

int eo_coding_segment(eo_coding_t coding)
{
    return coding == EO_CODING_EUCKR ? EO_SEGMENT_EUCKR : EO_SEGMENT_UCS2;
}

int eo_coding_parse(const char *name)
{
    if (!name) return -1;
    if (strcasecmp(name, "ucs2") == 0 || strcasecmp(name, "ucs-2") == 0) return EO_CODING_UCS2;
    if (strcasecmp(name, "euc-kr") == 0 || strcasecmp(name, "euckr") == 0)
        return EO_CODING_EUCKR;
    return -1;
}

const char *eo_tpl_kind_name(eo_tpl_kind_t kind)
{
    return (unsigned)kind < EO_TPL_COUNT ? s_kind_names[kind] : "?";
}

/* Kinds that must fit one segment (what carers get while offered and the short
 * replies); the others may go as a long message (LMS). */
static bool s_short_kind(eo_tpl_kind_t kind)
{
    return kind <= EO_TPL_PAIR_FAILED && kind != EO_TPL_WINNER && kind != EO_TPL_NOTICE &&
           kind != EO_TPL_ESCALATED;
}

/* Kinds that may name the child, the address, the linked carer and who hands over and
 * collects: the winner's and the member's confirmations. */
static bool s_private_kind(eo_tpl_kind_t kind)
{
    return kind == EO_TPL_WINNER || kind == EO_TPL_NOTICE || kind == EO_TPL_FACILITY_WINNER ||
           kind == EO_TPL_FACILITY_NOTICE;
}

/* "3개월", or "영구" for a permanent restriction. */
static const char *s_term(int months, char *buf, size_t size)
{
    if (months < 0)
        snprintf(buf, size, "영구");
    else
        snprintf(buf, size, "%d개월", months);
    return buf;
}

/* "12,345,678": whole won with thousands separators; NULL outside 0..max. */
static const char *s_won(int64_t won, int64_t max, char *buf, size_t size)
{
    if (won < 0 || won > max) return NULL;
    if (won >= 1000000)
        snprintf(buf, size, "%d,%03d,%03d", (int)(won / 1000000), (int)(won / 1000 % 1000),
                 (int)(won % 1000));
    else if (won >= 1000)
        snprintf(buf, size, "%d,%03d", (int)(won / 1000), (int)(won % 1000));
    else
        snprintf(buf, size, "%d", (int)won);
    return buf;
}

/* --- placeholders ----------------------------------------------------------------- */

/* Walk the template: calls emit for literal runs and placeholders. Returns 0, or -1 with
 * err filled on an unclosed or unknown placeholder. */
typedef int (*s_emit_fn)(void *arg, int ph, const char *lit, size_t len);

static int s_walk(const char *tpl, s_emit_fn emit, void *arg, char *err, size_t errlen)
{
    const char *p = tpl;
    while (*p) {
        const char *open = strchr(p, '{');
        if (!open) return emit(arg, -1, p, strlen(p));
        if (open > p && emit(arg, -1, p, (size_t)(open - p))) return -1;
        const char *close = strchr(open, '}');
        if (!close) {
            snprintf(err, errlen, "'{' without '}'");
            return -1;
        }
        int ph = -1;
        for (int i = 0; i < P_COUNT; i++)
            if (strlen(s_ph_names[i]) == (size_t)(close - open - 1) &&
                strncmp(open + 1, s_ph_names[i], (size_t)(close - open - 1)) == 0)
                ph = i;
        if (ph < 0) {
            snprintf(err, errlen, "unknown placeholder %.*s", (int)(close - open + 1), open);
            return -1;
        }
        if (emit(arg, ph, NULL, 0)) return -1;
        p = close + 1;
    }
    return 0;
}

/* The text a placeholder becomes. */
static const char *s_value(int ph, const eo_tpl_vars_t *v, char *buf, size_t size)
{
    static const char *wdays[7] = {"월", "화", "수", "목", "금", "토", "일"};
    eo_local_t t;
    switch (ph) {
    case P_SITE:
        return v->site;
    case P_DONG:
        return v->dong;
    case P_CODE:
        return v->code;
    case P_REQUEST:
        return v->request;
    case P_FEE:
        return s_won(v->fee, EO_FEE_MAX, buf, size);
    case P_CHILD:
        return v->child;
    case P_ADDRESS:
        return v->address;
    case P_CARER:
        return v->carer;
    case P_PHONE:
        return v->phone;
    case P_DATE:
        eo_time_local(v->start, &t);
        snprintf(buf, size, "%d/%d(%s)", t.month, t.day, wdays[t.wday]);
        return buf;
    case P_START:
    case P_END:
        eo_time_local(ph == P_START ? v->start : v->end, &t);
        snprintf(buf, size, "%02d:%02d", t.hour, t.minute);
        return buf;
    case P_PAY:
        return s_won(v->pay, EO_PAY_MAX, buf, size);
    case P_PROVIDER:
        return v->provider;
    case P_HANDOVER:
        return v->handover;
    case P_PICKUP:
        return v->pickup;
    case P_TERM:
        return s_term(v->months, buf, size);
    case P_UNTIL:
        if (!v->until || v->months < 0) return "-";
        eo_time_local(v->until, &t);
        snprintf(buf, size, "%04d-%02d-%02d", t.year, t.month, t.day);
        return buf;
    }
    return NULL;
}

typedef struct {
    const eo_tpl_vars_t *vars;
    char *out;
    size_t size, len;
    bool missing;
} s_render_t;

static int s_render_emit(void *arg, int ph, const char *lit, size_t len)
{
    s_render_t *r = arg;
    char buf[64];
    if (ph >= 0) {
        lit = s_value(ph, r->vars, buf, sizeof buf);
        if (!lit) {
            r->missing = true;
            return -1;
        }
        len = strlen(lit);
    }
    if (r->len + len >= r->size) return -1;
    memcpy(r->out + r->len, lit, len);
    r->len += len;
    r->out[r->len] = 0;
    return 0;
}

static int s_render(const char *tpl, const eo_tpl_vars_t *vars, char *out, size_t size)
{
    char err[64];
    s_render_t r = {vars, out, size, 0, false};
    out[0] = 0;
    return s_walk(tpl, s_render_emit, &r, err, sizeof err) ? EO_EINVAL : EO_OK;
}

/* --- load-time checks -------------------------------------------------------------- */

/* The widest names a site's texts may carry, in its coding. */
typedef struct {
    char site[64];
    char dong[64];
} s_widest_t;

static void s_widen(char *best, size_t size, const char *name, eo_coding_t coding)
{
    int u = eo_coding_units(name, coding);
    if (u > eo_coding_units(best, coding) && strlen(name) < size)
        snprintf(best, size, "%s", name);
}

/* site < 0: every site of the table (for "default" and unknown slugs). */
static void s_widest(const eo_dongs_t *dongs, int site, eo_coding_t coding, s_widest_t *w)
{
    snprintf(w->site, sizeof w->site, "%s", "");
    snprintf(w->dong, sizeof w->dong, "%s", "");
    if (!dongs) { /* no table: assume long names */
        snprintf(w->site, sizeof w->site, "가나다라마바사아");
        snprintf(w->dong, sizeof w->dong, "가나다라마바사아");
        return;
    }
    for (int s = 0; s < (int)eo_dongs_site_count(dongs); s++) {
        if (site >= 0 && s != site) continue;
        s_widen(w->site, sizeof w->site, eo_dongs_site(dongs, s)->name, coding);
        size_t n;
        const eo_dong_t *const *list = eo_dongs_of_site(dongs, s, &n);
        for (size_t i = 0; i < n; i++)
            s_widen(w->dong, sizeof w->dong, list[i]->name, coding);
    }
}

typedef struct {
    eo_tpl_kind_t kind;
    const s_widest_t *widest;
    char *err;
    size_t errlen;
    char text[EO_SMS_TEXT_MAX]; /* the widest rendering */
    size_t len;
} s_check_t;

static int s_check_emit(void *arg, int ph, const char *lit, size_t len)
{
    s_check_t *c = arg;
    if (ph >= S_PRIVATE_FIRST && !s_private_kind(c->kind)) {
        snprintf(c->err, c->errlen, "{%s} is not allowed in a %s text (only winner, notice)",
                 s_ph_names[ph], s_kind_names[c->kind]);
        return -1;
    }
    static const char *widest_fixed[P_COUNT] = {
        [P_DATE] = "12/31(수)",
        [P_START] = "23:30",
        [P_END] = "23:30",
        [P_PAY] = "999,999",
        [P_FEE] = "9,999,999",
        [P_CODE] = "999999",
        [P_REQUEST] = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijk", /* 47: the longest */
        [P_CHILD] = "가나다라마",
        [P_ADDRESS] = "",
        [P_CARER] = "가나다라마",
        [P_PHONE] = "010-0000-0000",
        [P_PROVIDER] = "가나다라마바사아자차카타파하",
        [P_TERM] = "120개월",
        [P_UNTIL] = "2026-12-31",
        [P_HANDOVER] = "가나다라마",
        [P_PICKUP] = "가나다라마",
    };
    if (ph == P_SITE)
        lit = c->widest->site;
    else if (ph == P_DONG)
        lit = c->widest->dong;
    else if (ph >= 0)
        lit = widest_fixed[ph];
    if (ph >= 0) len = strlen(lit);
    if (c->len + len >= sizeof c->text) {
        snprintf(c->err, c->errlen, "the %s text is too long", s_kind_names[c->kind]);
        return -1;
    }
    memcpy(c->text + c->len, lit, len);
    c->len += len;
    c->text[c->len] = 0;
    return 0;
}

static int s_check(const char *tpl, eo_tpl_kind_t kind, eo_coding_t coding,
                   const s_widest_t *widest, char *err, size_t errlen)
{
    s_check_t *c = calloc(1, sizeof *c);
    if (!c) return EO_ENOMEM;
    *c = (s_check_t){.kind = kind, .widest = widest, .err = err, .errlen = errlen};
    int rc = s_walk(tpl, s_check_emit, c, err, errlen) ? EO_EINVAL : EO_OK;
    if (rc == EO_OK) {
        int units = eo_coding_units(c->text, coding);
        if (units < 0) {
            snprintf(err, errlen, "the %s text has characters %s cannot carry",
                     s_kind_names[kind], coding == EO_CODING_EUCKR ? "EUC-KR" : "UCS-2");
            rc = EO_EINVAL;
        } else if (s_short_kind(kind) && units > eo_coding_segment(coding)) {
            snprintf(err, errlen,
                     "the %s text needs %d %s with the longest names, "
                     "one SMS holds %d: \"%.120s\"",
                     s_kind_names[kind], units,
                     coding == EO_CODING_EUCKR ? "EUC-KR bytes" : "UCS-2 characters",
                     eo_coding_segment(coding), c->text);
            rc = EO_EINVAL;
        }
    }
    free(c);
    return rc;
}

/* --- loading ---------------------------------------------------------------------- */

void eo_templates_destroy(eo_templates_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_templates_t *self = *self_p;
    for (size_t s = 0; s <= EO_SITE_MAX; s++) /* all: a failed load may stop half-way */
        for (int k = 0; k < EO_TPL_COUNT; k++)
            free(self->sites[s].text[k]);
    free(self);
    *self_p = NULL;
}

/* Keys a site section may hold besides the texts (read by the sms worker). */
static bool s_known_key(const char *key)
{
    if (streq(key, "coding") || streq(key, "adapter")) return true;
    for (int k = 0; k < EO_TPL_COUNT; k++)
        if (streq(key, s_kind_names[k])) return true;
    return false;
}

/* zconfig_get, tolerating a missing section. */
static const char *s_get(zconfig_t *section, const char *key, const char *fallback)
{
    return section ? zconfig_get(section, key, fallback) : fallback;
}

/* Fill one site: its own keys over "default"'s over the built-in texts, then check. */
static int s_load_site(s_site_t *site, zconfig_t *mine, zconfig_t *deflt,
                       const eo_dongs_t *dongs, int site_index, char *err, size_t errlen)
{
    const char *coding_name = s_get(mine, "coding", s_get(deflt, "coding", "ucs2"));
    int coding = eo_coding_parse(coding_name);
    if (coding < 0) {
        snprintf(err, errlen, "sms/sites/%s/coding: '%s' is neither ucs2 nor euc-kr",
                 site->slug, coding_name);
        return EO_EINVAL;
    }
    site->coding = (eo_coding_t)coding;
    s_widest_t widest;
    s_widest(dongs, site_index, site->coding, &widest);
    for (int k = 0; k < EO_TPL_COUNT; k++) {
        const char *text =
            s_get(mine, s_kind_names[k], s_get(deflt, s_kind_names[k], s_builtin[k]));
        char why[256];
        if (s_check(text, (eo_tpl_kind_t)k, site->coding, &widest, why, sizeof why)) {
            snprintf(err, errlen, "sms template %s/%s: %s", site->slug, s_kind_names[k], why);
            return EO_EINVAL;
        }
        site->text[k] = strdup(text);
        if (!site->text[k]) return EO_ENOMEM;
    }
    return EO_OK;
}

/* Every child of sms/sites must be "default" or a known site, with known keys. */
static int s_check_sections(zconfig_t *sites, const eo_dongs_t *dongs, char *err, size_t errlen)
{
    for (zconfig_t *s = sites ? zconfig_child(sites) : NULL; s; s = zconfig_next(s)) {
        const char *slug = zconfig_name(s);
        if (!streq(slug, "default") && dongs && eo_dongs_site_find(dongs, slug) < 0) {
            snprintf(err, errlen, "sms/sites/%s: no such site in data/sites.tsv", slug);
            return EO_EINVAL;
        }
        if (strlen(slug) >= EO_SITE_SLUG) {
            snprintf(err, errlen, "sms/sites/%s: slug too long", slug);
            return EO_EINVAL;
        }
        for (zconfig_t *k = zconfig_child(s); k; k = zconfig_next(k))
            if (!s_known_key(zconfig_name(k))) {
                snprintf(err, errlen, "sms/sites/%s/%s: unknown key", slug, zconfig_name(k));
                return EO_EINVAL;
            }
    }
    return EO_OK;
}

eo_templates_t *eo_templates_new(zconfig_t *config, const eo_dongs_t *dongs, char *err,
                                 size_t errlen)
{
    zconfig_t *sites = config ? zconfig_locate(config, "sms/sites") : NULL;
    zconfig_t *deflt = sites ? zconfig_locate(sites, "default") : NULL;
    eo_templates_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (s_check_sections(sites, dongs, err, errlen)) goto fail;
    /* "default" first: unknown slugs and configurations without a table use it */
    snprintf(self->sites[0].slug, EO_SITE_SLUG, "default");
    if (s_load_site(&self->sites[0], deflt, NULL, dongs, -1, err, errlen)) goto fail;
    self->n = 1;
    size_t count = dongs ? eo_dongs_site_count(dongs) : 0;
    for (size_t i = 0; i < count && i < EO_SITE_MAX; i++) {
        s_site_t *site = &self->sites[self->n++];
        snprintf(site->slug, EO_SITE_SLUG, "%s", eo_dongs_site(dongs, (int)i)->slug);
        zconfig_t *mine = sites ? zconfig_locate(sites, site->slug) : NULL;
        if (s_load_site(site, mine, deflt, dongs, (int)i, err, errlen)) goto fail;
    }
    return self;
fail:
    eo_templates_destroy(&self);
    return NULL;
}

static s_site_t *s_site(eo_templates_t *self, const char *slug)
{
    for (size_t s = 1; slug && s < self->n; s++)
        if (streq(self->sites[s].slug, slug)) return &self->sites[s];
    return &self->sites[0];
}

eo_coding_t eo_templates_coding(eo_templates_t *self, const char *slug)
{
    return s_site(self, slug)->coding;
}

int eo_templates_render(eo_templates_t *self, const char *slug, eo_tpl_kind_t kind,
                        const eo_tpl_vars_t *vars, char *out, size_t size)
{
    if ((unsigned)kind >= EO_TPL_COUNT || !vars || !out || size == 0) return EO_EINVAL;
    s_site_t *site = s_site(self, slug);
    int rc = s_render(site->text[kind], vars, out, size);
    if (rc == EO_OK && s_short_kind(kind)) {
        int units = eo_coding_units(out, site->coding);
        if (units < 0 || units > eo_coding_segment(site->coding))
            rc = EO_EINVAL; /* a value wider than the load-time check allowed */
    }
    if (rc != EO_OK) out[0] = 0;
    return rc;
}

/* --- self-test -------------------------------------------------------------------- */

static eo_templates_t *s_load_text(const char *text, const eo_dongs_t *dongs, char *err,
                                   size_t errlen)
{
    zconfig_t *config = zconfig_str_load(text);
    assert(config);
    eo_templates_t *t = eo_templates_new(config, dongs, err, errlen);
    zconfig_destroy(&config);
    return t;
}

void eo_templates_test(bool verbose)
{
    if (verbose) printf(" * eo_templates: ");
    /* units */
    assert(eo_coding_units("abc", EO_CODING_UCS2) == 3);
    assert(eo_coding_units("언제나", EO_CODING_UCS2) == 3);
    assert(eo_coding_units("언제나", EO_CODING_EUCKR) == 6);
    assert(eo_coding_units("똠방각하 ok", EO_CODING_EUCKR) == 11); /* 똠: CP949 only */
    assert(eo_coding_units("😀", EO_CODING_UCS2) == 2);
    assert(eo_coding_units("😀", EO_CODING_EUCKR) == -1);
    assert(eo_coding_units("\xff", EO_CODING_UCS2) == -1);
    assert(eo_coding_parse("EUC-KR") == EO_CODING_EUCKR && eo_coding_parse("x") == -1);

    char err[512];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    assert(dongs);
    /* the built-in texts pass the check for every site in both codings */
    eo_templates_t *t = eo_templates_new(NULL, dongs, err, sizeof err);
    if (!t) fprintf(stderr, "%s\n", err);
    assert(t);
    eo_templates_destroy(&t);
    assert(t == NULL);
    eo_templates_destroy(&t);
    t = s_load_text("sms\n    sites\n        default\n            coding = euc-kr\n", dongs,
                    err, sizeof err);
    if (!t) fprintf(stderr, "%s\n", err);
    assert(t);
    assert(eo_templates_coding(t, "suwon") == EO_CODING_EUCKR);

    /* rendering */
    eo_tpl_vars_t v = {
        .site = "수원시",
        .dong = "파장동",
        .pay = 45000,
        .code = "4821",
        .start = eo_time_from_local(2026, 11, 24, 19, 0, 0),
        .end = eo_time_from_local(2026, 11, 24, 22, 30, 0),
    };
    char out[EO_SMS_TEXT_MAX];
    assert(eo_templates_render(t, "suwon", EO_TPL_OFFER, &v, out, sizeof out) == EO_OK);
    if (verbose)
        printf("\n   offer: %s (%d bytes EUC-KR)\n   ", out,
               eo_coding_units(out, EO_CODING_EUCKR));
    assert(streq(
        out, "[언제나돌봄] 수원시 파장동 11/24(화) 19:00-22:30 45,000원. 수락 4821 / 거절 2"));
    assert(!strstr(out, "{"));
    /* a missing value, a pay out of range, a tiny buffer: errors, empty output */
    v.code = NULL;
    assert(eo_templates_render(t, "suwon", EO_TPL_OFFER, &v, out, sizeof out) == EO_EINVAL);
    assert(out[0] == 0);
    v.code = "4821";
    v.pay = EO_PAY_MAX + 1;
    assert(eo_templates_render(t, "suwon", EO_TPL_OFFER, &v, out, sizeof out) == EO_EINVAL);
    v.pay = 500;
    assert(eo_templates_render(t, "suwon", EO_TPL_OFFER, &v, out, 10) == EO_EINVAL);
    /* a dong name wider than any in the table is refused at render time */
    v.dong = "가나다라마바사아자차카타파하가나다라마바사아자차카타파하";
    assert(eo_templates_render(t, "suwon", EO_TPL_OFFER, &v, out, sizeof out) == EO_EINVAL);
    v.dong = "파장동";
    /* the winner's details go only in the winner text */
    v.child = "민서";
    v.address = "수원시 장안구 파장로 1, 101동 1001호";
    assert(eo_templates_render(t, "unknown-site", EO_TPL_WINNER, &v, out, sizeof out) == EO_OK);
    assert(strstr(out, "민서") && strstr(out, "파장로"));
    assert(eo_templates_render(t, "suwon", EO_TPL_FILLED, &v, out, sizeof out) == EO_OK);
    assert(!strstr(out, "민서") && !strstr(out, "파장로"));
    eo_templates_destroy(&t);

    /* a site's own offer overrides the default */
    t = s_load_text(
        "sms\n    sites\n        guri\n            offer = \"{dong} {date} 수락 {code}\"\n",
        dongs, err, sizeof err);
    assert(t);
    assert(eo_templates_render(t, "guri", EO_TPL_OFFER, &v, out, sizeof out) == EO_OK);
    assert(streq(out, "파장동 11/24(화) 수락 4821"));
    eo_templates_destroy(&t);

    /* what is refused at load, with a message that says why */
    static const struct {
        const char *cfg, *why;
    } bad[] = {
        {"sms\n    sites\n        default\n            offer = \"{child} 돌봄 {code}\"\n",
         "{child}"},
        {"sms\n    sites\n        suwon\n            filled = \"{address}\"\n", "{address}"},
        {"sms\n    sites\n        default\n            offer = \"{name} {code}\"\n",
         "unknown placeholder"},
        {"sms\n    sites\n        default\n            offer = \"{code\"\n", "without"},
        {"sms\n    sites\n        default\n            coding = gsm\n", "neither"},
        {"sms\n    sites\n        nowhere\n            coding = ucs2\n", "no such site"},
        {"sms\n    sites\n        default\n            offr = \"x\"\n", "unknown key"},
        /* 60 Hangul fit 70 UCS-2 characters but not 90 EUC-KR bytes */
        {"sms\n    sites\n        default\n            coding = euc-kr\n            help = \""
         "가나다라마바사아자차카타파하가나다라마바사아자차카타파하가나다라마바사아자차카타파하"
         "가나다라마바사아자차카타파하가나\"\n",
         "EUC-KR bytes"},
        /* fits with a short 동, not with the longest of the table */
        {"sms\n    sites\n        default\n            offer = \"[언제나돌봄] {site} {dong} "
         "{date} "
         "{start}-{end} 돌봄비 {pay}원 수락은 {code} 거절은 2로 답장 주세요\"\n",
         "longest names"},
        {"sms\n    sites\n        default\n            stop = \"😀\"\n            coding = "
         "euc-kr\n",
         "cannot carry"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        t = s_load_text(bad[i].cfg, dongs, err, sizeof err);
        if (t || !strstr(err, bad[i].why)) {
            fprintf(stderr, "templates: case %zu: want an error with '%s', got '%s'\n", i,
                    bad[i].why, err);
            assert(false);
        }
    }
    /* the same 60 Hangul are fine in UCS-2 */
    t = s_load_text(
        "sms\n    sites\n        default\n            help = \""
        "가나다라마바사아자차카타파하가나다라마바사아자차카타파하가나다라마바사아자차카타파하"
        "가나다라마바사아자차카타파하가나\"\n",
        dongs, err, sizeof err);
    assert(t);
    eo_templates_destroy(&t);
    eo_dongs_destroy(&dongs);
    if (verbose) printf("OK\n");
}
