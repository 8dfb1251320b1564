/* eonjena quote: the fee, pay and route breakdown of one service as JSON, from the data
 * files as they are now (no rebuild, no restart). Same code as GET /v1/quote. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "commands.h"
#include "eonjena/eo_dong.h"
#include "eonjena/eo_rules.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: eonjena quote --start T --end T [--site S] [--requested T]\n"
            "                     [--type visit|facility] [--channel phone|app]\n"
            "                     [--linked yes|no] [--cancelled T]\n"
            "                     [--regular HH:MM-HH:MM] [--regular-days-off yes|no]\n"
            "                     [--child-minutes N]\n"
            "                     [--rules F] [--fees F] [--holidays F]\n\n"
            "Print the breakdown (member's fee by calendar day and period, surcharge,\n"
            "carer's pay and allowances, route, cancellation fee) as one JSON object.\n"
            "Times are YYYY-MM-DDTHH:MM (Seoul) or with an offset. --regular gives a\n"
            "facility's regular hours (no 시설형 allowance inside them). Data files default\n"
            "to rules.cfg, fees.tsv and holidays.tsv of the data dir ($EO_DATA_DIR).\n"
            "Exit status: 0 quoted, 1 refused by the rules (JSON says why), 2 bad usage.\n");
}

/* --option value pairs that map to eo_quote_params_set keys. */
static const char *s_param_keys[][2] = {
    {"--type", "type"},           {"--site", "site"},
    {"--start", "start"},         {"--end", "end"},
    {"--requested", "requested"}, {"--cancelled", "cancelled"},
    {"--channel", "channel"},     {"--linked", "linked"},
    {"--regular", "regular"},     {"--regular-days-off", "regular_days_off"},
    {"--child-minutes", "child_minutes"},
};

static const char *s_param_key(const char *option)
{
    for (size_t i = 0; i < sizeof s_param_keys / sizeof s_param_keys[0]; i++)
        if (streq(option, s_param_keys[i][0]))
            return s_param_keys[i][1];
    return NULL;
}

int eo_cmd_quote(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    eo_quote_params_t params = {0};
    char err[512], rules_path[1024], fees_path[1024], hol_path[1024];
    snprintf(rules_path, sizeof rules_path, "%s/rules.cfg", eo_data_dir());
    snprintf(fees_path, sizeof fees_path, "%s/fees.tsv", eo_data_dir());
    snprintf(hol_path, sizeof hol_path, "%s/holidays.tsv", eo_data_dir());
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) {
            fprintf(stderr, "eonjena quote: %s needs a value\n", argv[i]);
            return 2;
        }
        const char *key = s_param_key(argv[i]), *value = argv[++i];
        if (key && eo_quote_params_set(&params, key, value, err, sizeof err)) {
            fprintf(stderr, "eonjena quote: %s\n", err);
            return 2;
        }
        if (!key) {
            char *dest = streq(argv[i - 1], "--rules")      ? rules_path
                         : streq(argv[i - 1], "--fees")     ? fees_path
                         : streq(argv[i - 1], "--holidays") ? hol_path
                                                            : NULL;
            if (!dest) {
                fprintf(stderr, "eonjena quote: unknown option %s\n", argv[i - 1]);
                s_usage(stderr);
                return 2;
            }
            snprintf(dest, 1024, "%s", value);
        }
    }
    int status = 1;
    eo_calendar_t *cal = eo_calendar_load(hol_path, err, sizeof err);
    eo_rules_t *rules = cal ? eo_rules_load(rules_path, fees_path, cal, err, sizeof err) : NULL;
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
