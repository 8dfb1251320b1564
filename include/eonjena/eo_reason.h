/* eo_reason: why the rules decided what they decided (issue 7).
 *
 * Every decision and every rejection carries one of these: a stable machine code
 * ("visit_lead_time") and a message in Korean and English, from one table (reason.c).
 * A message may hold one "%s" (an end date, a time) filled by eo_reason_format; a
 * refusal says what to change (the earliest start, the age range, the field). */
#ifndef EO_REASON_H
#define EO_REASON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    EO_REASON_OK = 0,
    /* routing outcomes (not rejections) */
    EO_REASON_PROVIDER_HOURS,    /* weekday 09-18: the provider links a carer */
    EO_REASON_POOL_WINDOW,       /* pool window, start within next day 11:00 */
    EO_REASON_QUEUED_LATE_START, /* pool window but start after 11:00 next day */
    EO_REASON_QUEUED_OFF_HOURS,  /* night / early weekend: recorded for the provider */
    /* rejections */
    EO_REASON_LEAD_TIME,         /* start < 2 h after the request */
    EO_REASON_APP_HOURS,         /* app / web outside 06-22 */
    EO_REASON_BEFORE_BUSINESS,   /* off hours and the service starts before they begin */
    EO_REASON_DURATION,          /* not 1 h, nor >= 2 h in 30-minute steps */
    EO_REASON_TIME_GRID,         /* start or end not on a 30-minute mark */
    EO_REASON_BAD_TIMES,         /* end not after start, or unparsable */
    EO_REASON_NOT_MEMBER,        /* not a verified member (정회원): register, or 시설형 */
    EO_REASON_SITE_NOT_SERVED,   /* the site does not run this service type */
    EO_REASON_NOT_REGISTERED,    /* the child is not registered in a served site */
    EO_REASON_CHILD_AGE,         /* outside the age range of the service type */
    EO_REASON_SICK_CHILD,        /* sick children only in 방문형 */
    EO_REASON_SEVERE_DISABILITY, /* referred to another service */
    EO_REASON_RESTRICTED,        /* 이용제한 until a date */
    EO_REASON_FACILITY_CLOSED_DAY, /* 1.1, 설날/추석 day, 석가탄신일, 성탄절 */
    EO_REASON_FACILITY_HOURS,      /* outside 07:00-24:00 */
    EO_REASON_FACILITY_MIDNIGHT,   /* crosses midnight */
    EO_REASON_FACILITY_CUTOFF,     /* same-day request at or after 20:00 */
    EO_REASON_FACILITY_DAY_MAX,    /* > 6 h per child on a weekend or holiday */
    EO_REASON_FACILITY_NOT_PREREG, /* the child is not pre-registered */
    EO_REASON_NO_FEE_TABLE,        /* no fee table in force on the service date */
    EO_REASON_CAP_WEEK,            /* a carer's weekly cap */
    EO_REASON_CAP_MONTH,           /* a carer's monthly cap */
    EO_REASON_BAD_REQUEST,         /* a parameter is missing or malformed */
    EO_REASON_BAD_TEXT,            /* a text field too long or with control characters */
    EO_REASON_HORIZON,             /* the service starts further ahead than the horizon */
    EO_REASON_COUNT_
} eo_reason_t;

/* The machine code, e.g. "visit_lead_time"; never NULL. */
const char *eo_reason_code(eo_reason_t r);
/* The message templates; never NULL. */
const char *eo_reason_ko(eo_reason_t r);
const char *eo_reason_en(eo_reason_t r);
/* True for the codes that refuse a request. */
bool eo_reason_is_rejection(eo_reason_t r);
/* Fill the template's %s (if any) with arg; lang "ko" or "en". Returns buf. */
char *eo_reason_format(eo_reason_t r, const char *lang, const char *arg, char *buf,
                       size_t size);
/* Lookup by machine code; EO_REASON_COUNT_ if unknown. */
eo_reason_t eo_reason_find(const char *code);

void eo_reason_test(bool verbose);

#endif
