/* reason.c: the one table of decision and rejection messages (see eo_reason.h). */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_reason.h"

typedef struct {
    eo_reason_t reason;
    const char *code;
    bool rejection;
    const char *ko;
    const char *en;
} s_entry_t;

/* In enum order (checked by the self-test). */
static const s_entry_t s_table[] = {
    {EO_REASON_OK, "ok", false, "접수되었습니다.", "Accepted."},
    {EO_REASON_PROVIDER_HOURS, "route_provider", false,
     "평일 업무시간이므로 서비스제공기관이 돌보미를 연계합니다.",
     "Weekday office hours: the site's provider links a carer."},
    {EO_REASON_POOL_WINDOW, "route_pool", false,
     "콜센터가 언제나아이돌보미 풀에 연계를 요청합니다.",
     "The call centre offers the case to the site's carer pool."},
    {EO_REASON_QUEUED_LATE_START, "queued_late_start", false,
     "다음 날 11시 이후 시작하는 서비스는 서비스제공기관 업무시간(%s)에 전달됩니다.",
     "A service starting after 11:00 the next day goes to the provider when its business "
     "hours begin (%s)."},
    {EO_REASON_QUEUED_OFF_HOURS, "queued_off_hours", false,
     "접수되었으며 서비스제공기관 업무시간(%s)에 전달됩니다.",
     "Recorded; it goes to the provider when its business hours begin (%s)."},
    {EO_REASON_LEAD_TIME, "lead_time", true,
     "서비스 시작 2시간 전까지 신청해야 합니다. 시작 시각을 %s 이후로 정해 주세요.",
     "The service must start at least 2 hours after the request: choose a start at or "
     "after %s."},
    {EO_REASON_APP_HOURS, "app_hours", true,
     "앱/웹 신청은 06시부터 22시까지 가능합니다. 콜센터로 신청해 주세요.",
     "App and web requests are accepted from 06:00 to 22:00; please call the centre."},
    {EO_REASON_BEFORE_BUSINESS, "before_business_hours", true,
     "지금은 접수 시간이 아니며, 서비스제공기관 업무 시작(%s) 전에 시작하는 서비스는 제공할 수 "
     "없습니다.",
     "Outside intake hours, a service that starts before the provider opens (%s) cannot "
     "be served."},
    {EO_REASON_DURATION, "duration", true,
     "이용시간은 1시간, 또는 2시간 이상 30분 단위로 정해 주세요 (최대 %s).",
     "Choose a duration of exactly 1 hour, or 2 hours or more in 30-minute steps (at "
     "most %s)."},
    {EO_REASON_TIME_GRID, "time_grid", true, "시작과 종료 시각은 정시 또는 30분이어야 합니다.",
     "Start and end must be on the hour or the half hour."},
    {EO_REASON_BAD_TIMES, "bad_times", true, "시작/종료 시각이 올바르지 않습니다.",
     "The start and end times are not valid (the end must be after the start)."},
    {EO_REASON_NOT_MEMBER, "not_member", true,
     "방문형은 정회원만 이용할 수 있습니다. 회원 인증 후 이용하시거나 시설형을 이용해 주세요.",
     "Home visits are for verified members (정회원) only: please register, or use the "
     "facility service."},
    {EO_REASON_SITE_NOT_SERVED, "site_not_served", true,
     "해당 시군에서는 이 서비스를 운영하지 않습니다.",
     "This city or county does not run this service."},
    {EO_REASON_NOT_REGISTERED, "child_not_registered", true,
     "아동의 주민등록지가 서비스 시군이 아닙니다.",
     "The child is not registered (주민등록) in a served city or county."},
    {EO_REASON_CHILD_AGE, "child_age", true, "아동의 연령이 이용 대상이 아닙니다 (%s).",
     "The child's age is outside this service's range (%s)."},
    {EO_REASON_SICK_CHILD, "sick_child", true,
     "아픈 아동은 시설형을 이용할 수 없습니다. 방문형을 이용해 주세요.",
     "Sick children cannot use the facility service; please use a home visit."},
    {EO_REASON_SEVERE_DISABILITY, "severe_disability", true,
     "중증 장애 아동은 전문 서비스로 안내해 드립니다.",
     "Children with severe disabilities are referred to a specialised service."},
    {EO_REASON_RESTRICTED, "restricted", true,
     "이용제한 중입니다. %s부터 다시 이용할 수 있습니다.",
     "Your use of the service is restricted; you can use it again from %s."},
    {EO_REASON_FACILITY_CLOSED_DAY, "facility_closed_day", true,
     "시설형은 1월 1일, 설날·추석 당일, 부처님오신날, 성탄절에 운영하지 않습니다.",
     "Facilities are closed on 1 January, 설날 and 추석 day, Buddha's birthday and "
     "Christmas."},
    {EO_REASON_FACILITY_HOURS, "facility_hours", true,
     "시설형 운영시간은 07시부터 24시까지입니다.", "Facilities are open from 07:00 to 24:00."},
    {EO_REASON_FACILITY_MIDNIGHT, "facility_midnight", true,
     "시설형 이용은 당일 안에 끝나야 합니다 (자정을 넘길 수 없음).",
     "A facility stay must end the same day; it cannot cross midnight."},
    {EO_REASON_FACILITY_CUTOFF, "facility_cutoff", true, "당일 신청은 20시 전까지 가능합니다.",
     "Same-day facility requests must arrive before 20:00."},
    {EO_REASON_FACILITY_DAY_MAX, "facility_day_max", true,
     "주말·공휴일에는 아동 1명당 하루 6시간까지 이용할 수 있습니다.",
     "On weekends and holidays a child may stay at most 6 hours a day."},
    {EO_REASON_FACILITY_NOT_PREREG, "facility_not_registered", true,
     "사전 등록된 아동만 이용할 수 있습니다. 먼저 아동을 등록해 주세요.",
     "Only pre-registered children: please register the child first."},
    {EO_REASON_NO_FEE_TABLE, "no_fee_table", true, "해당 날짜에 적용할 요금표가 없습니다.",
     "No fee table is in force on the service date."},
    {EO_REASON_CAP_WEEK, "cap_week", true, "돌보미의 주간 최대 근무시간을 넘습니다.",
     "The carer's weekly hour cap would be exceeded."},
    {EO_REASON_CAP_MONTH, "cap_month", true, "돌보미의 월간 최대 근무시간을 넘습니다.",
     "The carer's monthly hour cap would be exceeded."},
    {EO_REASON_BAD_REQUEST, "bad_request", true, "요청 항목이 빠졌거나 올바르지 않습니다 (%s).",
     "A parameter is missing or malformed (%s)."},
    {EO_REASON_BAD_TEXT, "bad_text", true,
     "입력 항목이 너무 길거나 제어 문자를 포함합니다: %s. 고쳐서 다시 보내 주세요.",
     "A field is too long or holds control characters: %s. Correct it and send again."},
    {EO_REASON_HORIZON, "too_far_ahead", true,
     "너무 먼 날짜입니다. %s까지 시작하는 서비스만 신청할 수 있습니다.",
     "The service starts too far ahead: choose a start no later than %s."},
};

static const s_entry_t *s_entry(eo_reason_t r)
{
    return (unsigned)r < EO_REASON_COUNT_ ? &s_table[r] : NULL;
}

const char *eo_reason_code(eo_reason_t r)
{
    const s_entry_t *e = s_entry(r);
    return e ? e->code : "unknown";
}

const char *eo_reason_ko(eo_reason_t r)
{
    const s_entry_t *e = s_entry(r);
    return e ? e->ko : "알 수 없는 사유";
}

const char *eo_reason_en(eo_reason_t r)
{
    const s_entry_t *e = s_entry(r);
    return e ? e->en : "Unknown reason";
}

bool eo_reason_is_rejection(eo_reason_t r)
{
    const s_entry_t *e = s_entry(r);
    return e ? e->rejection : true;
}

char *eo_reason_format(eo_reason_t r, const char *lang, const char *arg, char *buf, size_t size)
{
    const char *tmpl = lang && streq(lang, "ko") ? eo_reason_ko(r) : eo_reason_en(r);
    const char *hole = strstr(tmpl, "%s");
    if (!hole)
        snprintf(buf, size, "%s", tmpl);
    else
        snprintf(buf, size, "%.*s%s%s", (int)(hole - tmpl), tmpl, arg ? arg : "", hole + 2);
    return buf;
}

eo_reason_t eo_reason_find(const char *code)
{
    for (int i = 0; code && i < EO_REASON_COUNT_; i++)
        if (streq(s_table[i].code, code)) return (eo_reason_t)i;
    return EO_REASON_COUNT_;
}

void eo_reason_test(bool verbose)
{
    if (verbose) printf(" * eo_reason: ");
    assert(sizeof s_table / sizeof s_table[0] == EO_REASON_COUNT_);
    for (int i = 0; i < EO_REASON_COUNT_; i++) {
        assert(s_table[i].reason == (eo_reason_t)i);
        assert(eo_reason_find(s_table[i].code) == (eo_reason_t)i);
        /* At most one hole per template, the same in both languages. */
        assert((strstr(s_table[i].ko, "%s") != NULL) == (strstr(s_table[i].en, "%s") != NULL));
    }
    char buf[256];
    eo_reason_format(EO_REASON_RESTRICTED, "en", "2026-12-23", buf, sizeof buf);
    assert(strstr(buf, "again from 2026-12-23."));
    eo_reason_format(EO_REASON_RESTRICTED, "ko", "2026-12-23", buf, sizeof buf);
    assert(strstr(buf, "2026-12-23부터"));
    assert(eo_reason_is_rejection(EO_REASON_LEAD_TIME));
    assert(!eo_reason_is_rejection(EO_REASON_POOL_WINDOW));
    assert(eo_reason_find("nope") == EO_REASON_COUNT_);
    if (verbose) printf("OK\n");
}
