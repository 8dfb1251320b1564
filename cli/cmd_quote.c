/* eonjena quote: the fee, pay and route breakdown of one service as JSON, from the data
 * files as they are now (no rebuild, no restart). Same code as GET /v1/quote. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "commands.h"
#include "common/opts.h"
#include "eonjena/eo_dong.h"
#include "eonjena/eo_rules.h"
#include "gateway/quote.h"

/* The options that are quote parameters: the option's name is the parameter's key with
 * '-' for '_' (GET /v1/quote takes the same keys), so the table below says each once. */
enum {
    S_TYPE,
    S_SITE,
    S_START,
    S_END,
    S_REQUESTED,
    S_CANCELLED,
    S_CHANNEL,
    S_LINKED,
    S_REGULAR,
    S_REGULAR_DAYS_OFF,
    S_CHILD_MINUTES,
    S_PARAMS
};

static const char s_about[] =
    "Print the breakdown (member's fee by calendar day and period, surcharge,\n"
    "carer's pay and allowances, route, cancellation fee) as one JSON object.\n"
    "Times are YYYY-MM-DDTHH:MM (Seoul) or with an offset. --channel names how\n"
    "the request came as POST /v1/requests does (\"phone\", its old name here,\n"
    "still means call_centre). --regular gives a facility's regular hours (no\n"
    "시설형 allowance inside them). Data files default to rules.cfg, fees.tsv\n"
    "and holidays.tsv of the data dir ($EO_DATA_DIR).\n"
    "Exit status: 0 quoted, 1 refused by the rules (JSON says why), 2 bad usage.";

/* The parameters given on the command line into params; EO_OPTS_RUN or 2. */
static int s_params(const eo_opts_t *o, const eo_opt_t *opts, const char *const *v,
                    eo_quote_params_t *params)
{
    char key[32], err[512];
    for (int i = 0; i < S_PARAMS; i++) {
        if (!v[i]) continue;
        snprintf(key, sizeof key, "%s", opts[i].name);
        for (char *c = key; *c; c++)
            *c = *c == '-' ? '_' : *c;
        if (eo_quote_param(params, key, v[i], err, sizeof err))
            return eo_opts_fail(o, "%s", err);
    }
    return EO_OPTS_RUN;
}

int eo_cmd_quote(int argc, char **argv)
{
    const char *v[S_PARAMS] = {0}, *rules_file = NULL, *fees_file = NULL, *hol_file = NULL;
    const eo_opt_t opts[] = {
        /* in the order of the enum: s_params finds each option's value by its index */
        [S_TYPE] = EO_OPT_VALUE("type", "TYPE", &v[S_TYPE], "visit (default) or facility"),
        [S_SITE] =
            EO_OPT_VALUE("site", "S", &v[S_SITE], "the site (checked against the dongs)"),
        [S_START] =
            EO_OPT_VALUE("start", "T", &v[S_START], "when the service starts (required)"),
        [S_END] = EO_OPT_VALUE("end", "T", &v[S_END], "when it ends (required)"),
        [S_REQUESTED] = EO_OPT_VALUE("requested", "T", &v[S_REQUESTED],
                                     "when it was requested (route, surcharge)"),
        [S_CANCELLED] = EO_OPT_VALUE("cancelled", "T", &v[S_CANCELLED],
                                     "when it was cancelled (cancellation fee)"),
        [S_CHANNEL] = EO_OPT_VALUE("channel", "CH", &v[S_CHANNEL],
                                   "app, call_centre (default) or operator"),
        [S_LINKED] = EO_OPT_VALUE("linked", "yes|no", &v[S_LINKED], "a 일시연계 case (yes)"),
        [S_REGULAR] = EO_OPT_VALUE("regular", "HH:MM-HH:MM", &v[S_REGULAR],
                                   "the facility's regular hours"),
        [S_REGULAR_DAYS_OFF] =
            EO_OPT_VALUE("regular-days-off", "yes|no", &v[S_REGULAR_DAYS_OFF],
                         "the regular hours also on days off (no)"),
        [S_CHILD_MINUTES] = EO_OPT_VALUE("child-minutes", "N", &v[S_CHILD_MINUTES],
                                         "the child's other facility minutes that day (0)"),
        EO_OPT_VALUE("rules", "F", &rules_file, "the rules (<data dir>/rules.cfg)"),
        EO_OPT_VALUE("fees", "F", &fees_file, "the fee table (<data dir>/fees.tsv)"),
        EO_OPT_VALUE("holidays", "F", &hol_file, "the calendar (<data dir>/holidays.tsv)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena quote", .about = s_about, .opts = opts};
    eo_quote_params_t params;
    eo_quote_params_init(&params, NULL);
    int status = eo_opts_parse(&o, argc, argv);
    if (status == EO_OPTS_RUN) status = s_params(&o, opts, v, &params);
    if (status != EO_OPTS_RUN) return status;
    char err[512], rules_path[1024], fees_path[1024], hol_path[1024];
    snprintf(rules_path, sizeof rules_path, "%s/rules.cfg", eo_data_dir());
    snprintf(fees_path, sizeof fees_path, "%s/fees.tsv", eo_data_dir());
    snprintf(hol_path, sizeof hol_path, "%s/holidays.tsv", eo_data_dir());
    status = 1;
    eo_calendar_t *cal = eo_calendar_load(hol_file ? hol_file : hol_path, err, sizeof err);
    const char *fees = fees_file ? fees_file : fees_path;
    eo_rules_t *rules =
        cal ? eo_rules_load(rules_file ? rules_file : rules_path, fees, cal, err, sizeof err)
            : NULL;
    eo_dongs_t *dongs = NULL;
    if (rules && params.site) {
        dongs = eo_dongs_load_default(err, sizeof err);
        params.dongs = dongs;
    }
    if (!rules || (params.site && !dongs)) {
        fprintf(stderr, "eonjena quote: %s\n", err);
        goto done;
    }
    char *json = eo_quote_json(rules, &params, err, sizeof err);
    if (!json) {
        fprintf(stderr, "eonjena quote: %s\n", err);
        goto done;
    }
    printf("%s\n", json);
    status = strncmp(json, "{\"ok\":true", 10) == 0 ? 0 : 1;
    free(json);
done:
    eo_dongs_destroy(&dongs);
    eo_rules_destroy(&rules);
    eo_calendar_destroy(&cal);
    return status;
}
