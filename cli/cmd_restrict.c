/* eonjena restrict: an operator's view of use restrictions (이용제한) in the node's store:
 * record an occurrence of a cause, impose a restriction, check or list a member. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "commands.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_restrict.h"
#include "eonjena/eo_rules.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: eonjena restrict record MEMBER CAUSE [--at T] [--store DIR]\n"
            "       eonjena restrict impose MEMBER CAUSE [--months N | --permanent]\n"
            "                               [--note TEXT] [--at T] [--store DIR]\n"
            "       eonjena restrict check MEMBER [--at T] [--store DIR]\n"
            "       eonjena restrict list MEMBER [--store DIR]\n\n"
            "Use restrictions of a member. record counts one occurrence of a cause and\n"
            "applies its restriction when the count of rules.cfg is reached; impose sets one\n"
            "(months 1..max_months, or permanent; without --months the cause's length).\n"
            "Causes: see restrictions in rules.cfg. --store defaults to var/store; --at to\n"
            "now (Seoul time YYYY-MM-DDTHH:MM).\n");
}

typedef struct {
    const char *store, *at, *note;
    int months;
    const char *pos[3];
    int n_pos;
} s_args_t;

static int s_parse(int argc, char **argv, s_args_t *a)
{
    a->store = "var/store";
    for (int i = 1; i < argc; i++) {
        bool v = i + 1 < argc;
        if (streq(argv[i], "--store") && v)
            a->store = argv[++i];
        else if (streq(argv[i], "--at") && v)
            a->at = argv[++i];
        else if (streq(argv[i], "--note") && v)
            a->note = argv[++i];
        else if (streq(argv[i], "--months") && v) {
            char *end;
            long m = strtol(argv[++i], &end, 10);
            if (*end || m < 1 || m > 1200)
                return -1;
            a->months = (int)m;
        } else if (streq(argv[i], "--permanent"))
            a->months = -1;
        else if (argv[i][0] == '-' || a->n_pos == 3)
            return -1;
        else
            a->pos[a->n_pos++] = argv[i];
    }
    return a->n_pos >= 2 ? 0 : -1;
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
    const char *verb = a->pos[0], *member = a->pos[1];
    eo_restriction_t r;
    int rc;
    if (streq(verb, "record") && a->n_pos == 3) {
        bool applied = false;
        if ((rc = eo_restrict_record(rs, member, a->pos[2], at, &r, &applied)))
            return rc;
        if (applied)
            s_print(&r);
        else
            printf("recorded %s for %s (no restriction yet)\n", a->pos[2], member);
        return EO_OK;
    }
    if (streq(verb, "impose") && a->n_pos == 3) {
        if ((rc = eo_restrict_impose(rs, member, a->pos[2], at, a->months, a->note, &r)))
            return rc;
        s_print(&r);
        return EO_OK;
    }
    if (streq(verb, "check") && a->n_pos == 2) {
        rc = eo_restrict_check(rs, member, at, &r);
        if (rc == EO_ENOTFOUND) {
            printf("%s: not restricted\n", member);
            return EO_OK;
        }
        if (rc)
            return rc;
        eo_eligibility_t in = {.type = EO_SERVICE_FACILITY, .restricted_until = r.end};
        char arg[64], ko[512], en[512];
        eo_rules_check_eligibility(rules, &in, arg, sizeof arg);
        printf("%s: restricted (%s)\n%s\n%s\n", member, r.cause,
               eo_reason_format(EO_REASON_RESTRICTED, "ko", arg, ko, sizeof ko),
               eo_reason_format(EO_REASON_RESTRICTED, "en", arg, en, sizeof en));
        return EO_OK;
    }
    if (streq(verb, "list") && a->n_pos == 2) {
        eo_restriction_t list[64];
        size_t n;
        if ((rc = eo_restrict_list(rs, member, list, 64, &n)))
            return rc;
        for (size_t i = 0; i < n && i < 64; i++)
            s_print(&list[i]);
        return EO_OK;
    }
    return EO_EINVAL;
}

int eo_cmd_restrict(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    s_args_t a = {0};
    eo_time_t at = 0;
    if (s_parse(argc, argv, &a) || (a.at && eo_time_parse(a.at, &at))) {
        s_usage(stderr);
        return 2;
    }
    if (!a.at) {
        eo_clock_t *clock = eo_clock_new_system();
        at = eo_clock_now(clock);
        eo_clock_destroy(&clock);
    }
    char err[512];
    int status = 1;
    eo_calendar_t *cal = eo_calendar_load_default(err, sizeof err);
    eo_rules_t *rules = cal ? eo_rules_load_default(cal, err, sizeof err) : NULL;
    eo_store_t *store = rules ? eo_store_new(a.store, 0, 0) : NULL;
    eo_restrict_t *rs = store ? eo_restrict_new(store, rules) : NULL;
    if (!rules)
        fprintf(stderr, "eonjena restrict: %s\n", err);
    else if (!rs)
        fprintf(stderr, "eonjena restrict: cannot open the store in %s\n", a.store);
    else {
        int rc = s_run(rs, rules, &a, at);
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
