/* cli_cases: open a node's store with the matcher's case store on top, for the
 * commands that inspect or rebuild it (check, log, replay). */
#ifndef EO_CLI_CASES_H
#define EO_CLI_CASES_H

#include "eonjena/eo_cases.h"

typedef struct {
    eo_dongs_t *dongs;
    eo_rules_t *rules;
    eo_store_t *store;
    eo_index_t *index;
    eo_cases_t *cases;
} eo_cli_cases_t;

/* Open DIR (store flags EO_STORE_*). 0, or -1 after printing why to stderr. */
int eo_cli_cases_open(eo_cli_cases_t *self, const char *dir, unsigned flags);
void eo_cli_cases_close(eo_cli_cases_t *self);

#endif
