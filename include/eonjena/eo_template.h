/* eo_template: the texts the sms side sends, per site, from configuration.
 *
 * Configuration (etc/eonjena.cfg), every key optional; a site's key overrides the
 * "default" site's, which overrides the built-in text:
 *   sms
 *       sites
 *           default
 *               coding = ucs2          # or euc-kr: one SMS is 90 bytes (45 Hangul)
 *               offer = "[언제나돌봄] {site} {dong} {date} {start}-{end} ..."
 *           suwon
 *               offer = "..."
 * Kinds, to carers: offer, filled (someone else took it), withdrawn (the request was
 * called off while offered), overlap (the carer won an overlapping request first),
 * unbookable (their schedule or weekly cap cannot take it), winner (they won),
 * called_off (the member cancelled a service they had won), pair_failed (a pair request
 * found no second carer by its start: the one booked is released), help, stop (confirmation
 * of 수신거부), time (receipt of 시작/종료); to the member: notice (a carer is linked),
 * queued (handed to the provider's business hours), expired (nobody was found),
 * cancelled (with the fee), reopened (the linked carer withdrew, searching again),
 * refused (refused at once, the provider calls back), paid (the fee was paid: linked),
 * restricted (이용제한 with its term and end), facility_notice (a 시설형 stay is
 * confirmed), convert (no 시설형 carer: 방문형 offered); to a 시설형 carer:
 * facility_winner; to the call centre: escalated (a case needs an operator), reopened
 * and pickup_late (nobody collected a child within the grace).
 * Placeholders: {site} {dong} {date} ("11/24(화)") {start} {end} ("18:30") {pay}
 * ("15,000") {fee} ("11,630") {code} {request} (the request id) {provider} {term}
 * ("3개월", "영구") {until} ("2026-12-23"); only winner, notice, facility_winner and
 * facility_notice may use {child} {address} {carer} {phone} {handover} {pickup}.
 *
 * Checked at load, so a bad template stops start-up instead of failing at the first
 * message: unknown placeholders are refused, the kinds a carer gets while offered and
 * the short replies (offer ... pair_failed, but winner, notice and escalated) must fit
 * ONE segment with the widest possible values (the longest site and
 * 동 names of the table, 6-digit code, pay 999,999, fee 9,999,999, a request id of the
 * longest length) and must not name the child or the address. */
#ifndef EO_TEMPLATE_H
#define EO_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include <czmq.h>

#include "eonjena/eo_dong.h"
#include "eonjena/eo_time.h"

typedef enum {
    EO_CODING_UCS2 = 0, /* international / SMPP route: 70 UTF-16 units per SMS */
    EO_CODING_EUCKR,    /* Korean carriers: 90 bytes of EUC-KR (CP949) per SMS */
} eo_coding_t;

#define EO_SEGMENT_UCS2 70
#define EO_SEGMENT_EUCKR 90
#define EO_LMS_MAX_BYTES 2000 /* a long message (winner, notice) */
#define EO_PAY_MAX 999999
#define EO_FEE_MAX 9999999
#define EO_SMS_TEXT_MAX 2048 /* a rendered text, with the NUL */

typedef enum {
    EO_TPL_OFFER = 0,
    EO_TPL_FILLED,
    EO_TPL_WITHDRAWN,
    EO_TPL_HELP,
    EO_TPL_STOP,
    EO_TPL_TIME,
    EO_TPL_WINNER,
    EO_TPL_NOTICE,
    EO_TPL_OVERLAP,
    EO_TPL_UNBOOKABLE,
    EO_TPL_CALLED_OFF,
    EO_TPL_QUEUED,
    EO_TPL_EXPIRED,
    EO_TPL_CANCELLED,
    EO_TPL_REOPENED,
    EO_TPL_ESCALATED,
    EO_TPL_PAIR_FAILED,
    /* issue 17; all may go as a long message */
    EO_TPL_REFUSED,         /* member: refused at once, the provider calls back */
    EO_TPL_PAID,            /* member: payment confirmed, the case is linked */
    EO_TPL_RESTRICTED,      /* member: 이용제한, its term and when it ends */
    EO_TPL_FACILITY_WINNER, /* carer: a 시설형 stay is confirmed */
    EO_TPL_FACILITY_NOTICE, /* member: a 시설형 stay is confirmed */
    EO_TPL_CONVERT,         /* member: no 시설형 carer; offered 방문형 */
    EO_TPL_PICKUP_LATE,     /* call centre: nobody collected the child within the grace */
    EO_TPL_COUNT
} eo_tpl_kind_t;

typedef struct {
    const char *site; /* the site's name, "수원시" */
    const char *dong; /* "파장동" */
    eo_time_t start, end;
    int pay;              /* won, 0..EO_PAY_MAX */
    int64_t fee;          /* won, 0..EO_FEE_MAX: a cancellation fee */
    const char *code;     /* the offer's reply code */
    const char *request;  /* the request id */
    const char *child;    /* winner / notice only */
    const char *address;  /* winner / notice only */
    const char *carer;    /* notice: the carer's name */
    const char *phone;    /* notice: the carer's phone */
    const char *provider; /* 시설형: the provider's name */
    const char *handover; /* 시설형 confirmations: who hands the child over */
    const char *pickup;   /* 시설형 confirmations: who collects the child */
    int months;           /* restricted: the term in months (-1: permanent) */
    eo_time_t until;      /* restricted: when it ends */
} eo_tpl_vars_t;

/* Length of a UTF-8 text in the coding's units: UTF-16 code units (UCS-2) or EUC-KR
 * bytes. -1 if the text is not valid UTF-8 or has characters EUC-KR cannot carry. */
int eo_coding_units(const char *utf8, eo_coding_t coding);
int eo_coding_segment(eo_coding_t coding);
/* "ucs2" / "euc-kr" -> coding; -1 if neither. */
int eo_coding_parse(const char *name);

typedef struct eo_templates_t eo_templates_t;

/* Load and check the templates of every site in `dongs` (dongs may be NULL: then only
 * "default" and sites named in the configuration, with generous name widths). Sites
 * under sms/sites must exist in dongs. NULL with the reason in err on any problem. */
eo_templates_t *eo_templates_new(zconfig_t *config, const eo_dongs_t *dongs, char *err,
                                 size_t errlen);
void eo_templates_destroy(eo_templates_t **self_p);
/* Render the site's template (unknown slugs use "default"). Returns 0, or EO_EINVAL if
 * a value the template needs is missing or out of range or the text does not fit
 * (one segment for the short kinds, `size` bytes for all). */
int eo_templates_render(eo_templates_t *self, const char *slug, eo_tpl_kind_t kind,
                        const eo_tpl_vars_t *vars, char *out, size_t size);
eo_coding_t eo_templates_coding(eo_templates_t *self, const char *slug);
/* "offer", "filled", ... */
const char *eo_tpl_kind_name(eo_tpl_kind_t kind);

void eo_templates_test(bool verbose);

#endif
