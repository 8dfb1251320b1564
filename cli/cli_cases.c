/* cli_cases.c: see cli_cases.h. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_cases.h"
#include "eonjena/eo_rules.h"

int eo_cli_cases_open(eo_cli_cases_t *self, const char *dir, unsigned flags)
{
    memset(self, 0, sizeof *self);
    struct stat st;
    char path[4096];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    if ((flags & EO_STORE_READONLY) && stat(path, &st) != 0) {
        fprintf(stderr, "no store at %s\n", dir);
        return -1;
    }
    char err[256];
    self->dongs = eo_dongs_load_default(err, sizeof err);
    if (!self->dongs) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    self->rules = eo_rules_new(NULL, err, sizeof err);
    if (!self->rules) {
        fprintf(stderr, "%s\n", err);
        eo_cli_cases_close(self);
        return -1;
    }
    self->store = eo_store_new(dir, 0, flags);
    eo_caps_t caps;
    eo_rules_caps(self->rules, &caps);
    self->index = self->store ? eo_index_new(self->store, self->dongs, &caps) : NULL;
    self->cases = self->index
                      ? eo_cases_new(self->store, self->index, self->dongs, self->rules, NULL)
                      : NULL;
    if (!self->cases) {
        fprintf(stderr, "%s is not a matcher store (or cannot be opened)\n", dir);
        eo_cli_cases_close(self);
        return -1;
    }
    return 0;
}

void eo_cli_cases_close(eo_cli_cases_t *self)
{
    eo_cases_destroy(&self->cases);
    eo_index_destroy(&self->index);
    eo_store_destroy(&self->store);
    eo_rules_destroy(&self->rules);
    eo_dongs_destroy(&self->dongs);
}
