/* provider.c: provider agencies from configuration (see eo_provider.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eonjena/eonjena.h"
#include "eonjena/eo_hours.h"
#include "eonjena/eo_provider.h"

struct eo_providers_t {
    eo_provider_t *list;
    size_t count;
};

static void s_provider_free(eo_provider_t *p)
{
    free(p->name);
    free(p->contact);
    free(p->url);
    if (p->secret) /* a key: do not leave it in freed memory */
        memset(p->secret, 0, strlen(p->secret));
    free(p->secret);
}

void eo_providers_destroy(eo_providers_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_providers_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        s_provider_free(&self->list[i]);
    free(self->list);
    free(self);
    *self_p = NULL;
}

/* The first line of a secret file, which must not be readable by others. */
static char *s_read_secret(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & 077)) {
        snprintf(err, errlen, "secret_file %s is open to group or others (chmod 600 it)", path);
        return NULL;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read secret_file %s", path);
        return NULL;
    }
    char line[512] = "";
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    if (!got || !*line) {
        snprintf(err, errlen, "secret_file %s is empty", path);
        return NULL;
    }
    return strdup(line);
}

/* "HH:MM" (24:00 allowed) -> minutes; -1 if malformed. */
static int s_hhmm(const char *text)
{
    int h, m;
    char tail;
    if (sscanf(text, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 || m < 0 || m > 59 ||
        (h == 24 && m))
        return -1;
    return h * 60 + m;
}

/* The 시설형 keys of a provider (all optional). 0 or -1 with err set. */
static int s_facility_parse(zconfig_t *item, eo_provider_t *p, char *err, size_t errlen)
{
    const char *id = p->id;
    long number = atol(zconfig_get(item, "number", "0"));
    long long dong = atoll(zconfig_get(item, "facility_dong", "0"));
    if (number < 0 || number > UINT16_MAX || dong < 0 || dong > UINT32_MAX) {
        snprintf(err, errlen, "provider %s: number or facility_dong out of range", id);
        return -1;
    }
    p->number = (uint16_t)number;
    p->facility_dong = (uint32_t)dong;
    p->centre = atoi(zconfig_get(item, "centre", "0")) != 0;
    const char *regular = zconfig_get(item, "regular", "");
    char from[8], to[8], tail;
    if (*regular && (sscanf(regular, "%7[^-]-%7[^-]%c", from, to, &tail) != 2 ||
                     (p->regular_from = s_hhmm(from)) < 0 || (p->regular_to = s_hhmm(to)) < 0 ||
                     p->regular_from > p->regular_to)) {
        snprintf(err, errlen, "provider %s: bad regular '%s' (want e.g. 09:00-18:00)", id,
                 regular);
        return -1;
    }
    return 0;
}

/* The provider's HMAC key, for either mode: a webhook signs what it posts with it, the
 * gateway signs what a pull provider lists (docs/handoff.md). "" if none is configured;
 * 0 or -1 with err set. */
static int s_secret_parse(zconfig_t *item, eo_provider_t *p, char *err, size_t errlen)
{
    const char *secret_file = zconfig_get(item, "secret_file", NULL);
    p->secret = secret_file ? s_read_secret(secret_file, err, errlen)
                            : strdup(zconfig_get(item, "secret", ""));
    if (!p->secret && !secret_file) snprintf(err, errlen, "out of memory");
    return p->secret ? 0 : -1;
}

/* Fill p from one configuration item; 0 or -1 with err set. */
static int s_provider_parse(zconfig_t *item, eo_provider_t *p, char *err, size_t errlen)
{
    const char *id = zconfig_name(item);
    if (!id || !*id || strlen(id) >= EO_PROVIDER_ID_MAX || strchr(id, '/')) {
        snprintf(err, errlen, "provider id '%s' is empty, too long or has '/'", id ? id : "");
        return -1;
    }
    snprintf(p->id, sizeof p->id, "%s", id);
    const char *site = zconfig_get(item, "site", "");
    if (!*site || strlen(site) >= sizeof p->site) {
        snprintf(err, errlen, "provider %s: site is missing", id);
        return -1;
    }
    snprintf(p->site, sizeof p->site, "%s", site);
    p->name = strdup(zconfig_get(item, "name", id));
    p->contact = strdup(zconfig_get(item, "contact", ""));
    p->is_default = atoi(zconfig_get(item, "default", "0")) != 0;
    eo_hours_default(&p->hours);
    const char *hours = zconfig_get(item, "hours", NULL);
    if (hours && eo_hours_parse(hours, &p->hours)) {
        snprintf(err, errlen, "provider %s: bad hours '%s' (want e.g. mon-fri 09:00-18:00)", id,
                 hours);
        return -1;
    }
    const char *holidays = zconfig_get(item, "holidays", "closed");
    if (!streq(holidays, "closed") && !streq(holidays, "open")) {
        snprintf(err, errlen, "provider %s: holidays must be closed or open", id);
        return -1;
    }
    p->hours.holidays_closed = streq(holidays, "closed");
    if (s_facility_parse(item, p, err, errlen)) return -1;
    const char *mode = zconfig_get(item, "mode", "pull");
    if (streq(mode, "pull"))
        p->mode = EO_DELIVERY_PULL;
    else if (streq(mode, "webhook"))
        p->mode = EO_DELIVERY_WEBHOOK;
    else {
        snprintf(err, errlen, "provider %s: mode '%s' is not webhook or pull", id, mode);
        return -1;
    }
    if (!p->name || !p->contact) return snprintf(err, errlen, "out of memory"), -1;
    if (s_secret_parse(item, p, err, errlen)) return -1;
    if (p->mode == EO_DELIVERY_PULL) return 0;
    if (!*p->secret) {
        snprintf(err, errlen, "provider %s: a webhook needs a secret or secret_file", id);
        return -1;
    }
    const char *url = zconfig_get(item, "url", "");
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        snprintf(err, errlen, "provider %s: webhook url '%s' is not http(s)", id, url);
        return -1;
    }
    /* The body carries personal data: plain http only to this machine. */
    if (strncmp(url, "http://", 7) == 0 && strncmp(url + 7, "127.0.0.1", 9) &&
        strncmp(url + 7, "localhost", 9) && strncmp(url + 7, "[::1]", 5))
        zsys_warning("provider %s: webhook %s is not https: personal data in clear text", id,
                     url);
    p->url = strdup(url);
    return p->url ? 0 : (snprintf(err, errlen, "out of memory"), -1);
}

eo_providers_t *eo_providers_load(zconfig_t *config, char *err, size_t errlen)
{
    eo_providers_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    zconfig_t *section = config ? zconfig_locate(config, "providers") : NULL;
    size_t n = 0;
    for (zconfig_t *c = section ? zconfig_child(section) : NULL; c; c = zconfig_next(c))
        n++;
    self->list = calloc(n ? n : 1, sizeof *self->list);
    if (!self->list) goto fail;
    for (zconfig_t *c = section ? zconfig_child(section) : NULL; c; c = zconfig_next(c)) {
        eo_provider_t *p = &self->list[self->count++];
        if (s_provider_parse(c, p, err, errlen)) goto fail;
        for (size_t i = 0; i + 1 < self->count; i++)
            if (streq(self->list[i].id, p->id)) {
                snprintf(err, errlen, "provider %s is configured twice", p->id);
                goto fail;
            }
    }
    return self;
fail:
    eo_providers_destroy(&self);
    return NULL;
}

size_t eo_providers_count(const eo_providers_t *self)
{
    return self->count;
}

const eo_provider_t *eo_providers_at(const eo_providers_t *self, size_t i)
{
    return i < self->count ? &self->list[i] : NULL;
}

const eo_provider_t *eo_providers_find(const eo_providers_t *self, const char *id)
{
    for (size_t i = 0; id && i < self->count; i++)
        if (streq(self->list[i].id, id)) return &self->list[i];
    return NULL;
}

const eo_provider_t *eo_providers_route(const eo_providers_t *self, const char *site,
                                        const char *id)
{
    if (!site) return NULL;
    if (id && *id) {
        const eo_provider_t *p = eo_providers_find(self, id);
        return p && streq(p->site, site) ? p : NULL;
    }
    const eo_provider_t *first = NULL;
    for (size_t i = 0; i < self->count; i++) {
        const eo_provider_t *p = &self->list[i];
        if (!streq(p->site, site)) continue;
        if (p->is_default) return p;
        if (!first) first = p;
    }
    return first;
}

void eo_providers_test(bool verbose)
{
    if (verbose) printf(" * eo_providers: ");
    const char *text = "providers\n"
                       "    guri-a\n"
                       "        site = guri\n"
                       "        mode = pull\n"
                       "    guri-b\n"
                       "        site = guri\n"
                       "        default = 1\n"
                       "        mode = webhook\n"
                       "        url = \"http://127.0.0.1:1/h\"\n"
                       "        secret = k\n"
                       "        hours = \"mon-sat 08:00-17:00\"\n"
                       "        holidays = open\n";
    zconfig_t *config = zconfig_str_load(text);
    assert(config);
    char err[256] = "";
    eo_providers_t *set = eo_providers_load(config, err, sizeof err);
    assert(set && eo_providers_count(set) == 2);
    const eo_provider_t *b = eo_providers_route(set, "guri", "");
    assert(b && streq(b->id, "guri-b") && b->mode == EO_DELIVERY_WEBHOOK);
    assert(b->hours.days == 0x3f && !b->hours.holidays_closed);
    assert(eo_providers_route(set, "guri", "guri-a")->mode == EO_DELIVERY_PULL);
    assert(streq(eo_providers_find(set, "guri-a")->secret, "")); /* unsigned pull */
    assert(eo_providers_route(set, "suwon", "guri-a") == NULL);
    assert(eo_providers_route(set, "suwon", NULL) == NULL);
    eo_providers_destroy(&set);
    assert(set == NULL);
    zconfig_destroy(&config);

    /* A webhook without a secret stops loading, naming the provider. */
    config = zconfig_str_load("providers\n    x\n        site = guri\n        mode = webhook\n"
                              "        url = \"http://h/\"\n");
    assert(eo_providers_load(config, err, sizeof err) == NULL && strstr(err, "provider x"));
    zconfig_destroy(&config);
    config = zconfig_str_load("providers\n    y\n        site = guri\n        hours = nope\n");
    assert(eo_providers_load(config, err, sizeof err) == NULL && strstr(err, "bad hours"));
    zconfig_destroy(&config);
    /* A secret file others can read is refused; 0600 is read. */
    char path[] = "/tmp/eo_provider_secret_XXXXXX";
    int fd = mkstemp(path);
    assert(fd >= 0 && write(fd, "k3y\n", 4) == 4 && close(fd) == 0);
    assert(chmod(path, 0644) == 0);
    char *text2 = zsys_sprintf("providers\n    z\n        site = guri\n        mode = webhook\n"
                               "        url = \"https://h/\"\n        secret_file = \"%s\"\n",
                               path);
    config = zconfig_str_load(text2);
    assert(eo_providers_load(config, err, sizeof err) == NULL && strstr(err, "chmod 600"));
    assert(chmod(path, 0600) == 0);
    set = eo_providers_load(config, err, sizeof err);
    assert(set && streq(eo_providers_find(set, "z")->secret, "k3y"));
    eo_providers_destroy(&set);
    zconfig_destroy(&config);
    zstr_free(&text2);
    /* A pull provider reads its secret the same way (the gateway signs its lists). */
    text2 = zsys_sprintf("providers\n    w\n        site = guri\n        mode = pull\n"
                         "        secret_file = \"%s\"\n",
                         path);
    config = zconfig_str_load(text2);
    set = eo_providers_load(config, err, sizeof err);
    assert(set && streq(eo_providers_find(set, "w")->secret, "k3y"));
    eo_providers_destroy(&set);
    zconfig_destroy(&config);
    zstr_free(&text2);
    unlink(path);
    if (verbose) printf("OK\n");
}
