/* eonjena restrict: an operator's view of use restrictions (이용제한) in the node's store:
 * record an occurrence of a cause, impose a restriction, check or list a member. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "commands.h"
#include "common/opts.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_restrict.h"
#include "eonjena/eo_rules.h"

typedef struct {
    const char *store, *at, *note;
    eo_time_t when; /* --at, or now */
    int months;
    const char *verb, *member, *cause; /* the positional arguments (cause: NULL if none) */
} s_args_t;

static const char s_about[] =
    "Use restrictions of a member. record counts one occurrence of a cause\n"
    "and applies its restriction when the count of rules.cfg is reached;\n"
    "impose sets one (months 1..max_months, or permanent; without --months\n"
    "the cause's length). Causes: see restrictions in rules.cfg.";

/* The options into *a; EO_OPTS_RUN, or the exit status. */
static int s_parse(int argc, char **argv, s_args_t *a)
{
    const char *months = NULL;
    bool permanent = false;
    a->store = "var/store";
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("store", "DIR", &a->store, "the store (var/store)"),
        EO_OPT_VALUE("at", "T", &a->at, "when (Seoul time YYYY-MM-DDTHH:MM; default now)"),
        EO_OPT_VALUE("months", "N", &months, "impose: length (1..max_months of rules.cfg)"),
        EO_OPT_FLAG("permanent", &permanent, "impose: a permanent restriction"),
        EO_OPT_VALUE("note", "TEXT", &a->note, "impose: the operator's note"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena restrict",
                   .forms = "record MEMBER CAUSE\n"
                            "impose MEMBER CAUSE\n"
                            "check MEMBER\n"
                            "list MEMBER",
                   .about = s_about,
                   .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    a->verb = o.args[0];
    a->member = o.args[1];
    a->cause = o.args[2];
    if (months && permanent)
        return eo_opts_fail(&o, "--months and --permanent exclude each other");
    if (months) {
        char *end;
        long m = strtol(months, &end, 10);
        if (!*months || *end || m < 1 || m > 1200)
            return eo_opts_fail(&o, "bad --months '%s'", months);
        a->months = (int)m;
    }
    if (permanent) a->months = -1;
    if (a->at && eo_time_parse(a->at, &a->when))
        return eo_opts_fail(&o, "bad --at '%s' (YYYY-MM-DDTHH:MM)", a->at);
    if (!a->at) {
        eo_clock_t *clock = eo_clock_new_system();
        a->when = eo_clock_now(clock);
        eo_clock_destroy(&clock);
    }
    return EO_OPTS_RUN;
}

static void s_print(const eo_restriction_t *r)
{
    char start[32], end[32];
    eo_time_format(r->start, start, sizeof start);
    if (r->end == EO_RESTRICT_PERMANENT)
        snprintf(end, sizeof end, "permanent");
    else
        eo_time_format(r->end, end, sizeof end);
    printf("%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r->member, r->cause, start, end, r->months,
           r->by_operator ? "operator" : "automatic", r->note);
}

static int s_run(eo_restrict_t *rs, eo_rules_t *rules, const s_args_t *a, eo_time_t at)
{
    const char *verb = a->verb, *member = a->member;
    eo_restriction_t r;
    int rc;
    if (streq(verb, "record") && a->cause) {
        bool applied = false;
        if ((rc = eo_restrict_record(rs, member, a->cause, at, &r, &applied))) return rc;
        if (applied)
            s_print(&r);
        else
            printf("recorded %s for %s (no restriction yet)\n", a->cause, member);
        return EO_OK;
    }
    if (streq(verb, "impose") && a->cause) {
        if ((rc = eo_restrict_impose(rs, member, a->cause, at, a->months, a->note, &r)))
            return rc;
        s_print(&r);
        return EO_OK;
    }
    if (streq(verb, "check") && !a->cause) {
        rc = eo_restrict_check(rs, member, at, &r);
        if (rc == EO_ENOTFOUND) {
            printf("%s: not restricted\n", member);
            return EO_OK;
        }
        if (rc) return rc;
        eo_eligibility_t in = {.type = EO_SERVICE_FACILITY, .restricted_until = r.end};
        char arg[64], ko[512], en[512];
        eo_rules_check_eligibility(rules, &in, arg, sizeof arg);
        printf("%s: restricted (%s)\n%s\n%s\n", member, r.cause,
               eo_reason_format(EO_REASON_RESTRICTED, "ko", arg, ko, sizeof ko),
               eo_reason_format(EO_REASON_RESTRICTED, "en", arg, en, sizeof en));
        return EO_OK;
    }
    if (streq(verb, "list") && !a->cause) {
        eo_restriction_t list[64];
        size_t n;
        if ((rc = eo_restrict_list(rs, member, list, 64, &n))) return rc;
        for (size_t i = 0; i < n && i < 64; i++)
            s_print(&list[i]);
        return EO_OK;
    }
    return EO_EINVAL;
}

int eo_cmd_restrict(int argc, char **argv)
{
    s_args_t a = {0};
    int status = s_parse(argc, argv, &a);
    if (status != EO_OPTS_RUN) return status;
    status = 1;
    char err[512];
    eo_calendar_t *cal = eo_calendar_load_default(err, sizeof err);
    eo_rules_t *rules = cal ? eo_rules_load_default(cal, err, sizeof err) : NULL;
    eo_store_t *store = rules ? eo_store_new(a.store, 0, 0) : NULL;
    eo_restrict_t *rs = store ? eo_restrict_new(store, rules) : NULL;
    if (!rules)
        fprintf(stderr, "eonjena restrict: %s\n", err);
    else if (!rs)
        fprintf(stderr, "eonjena restrict: cannot open the store in %s\n", a.store);
    else {
        int rc = s_run(rs, rules, &a, a.when);
        if (rc == EO_EINVAL)
            fprintf(stderr, "eonjena restrict: bad member, cause or length (causes and "
                            "max_months are in rules.cfg)\n");
        else if (rc)
            fprintf(stderr, "eonjena restrict: %s\n", eo_strerror(rc));
        status = rc == EO_OK ? 0 : rc == EO_EINVAL ? 2 : 1;
    }
    eo_restrict_destroy(&rs);
    eo_store_destroy(&store);
    eo_rules_destroy(&rules);
    eo_calendar_destroy(&cal);
    return status;
}
