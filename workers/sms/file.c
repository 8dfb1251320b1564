/* file.c: appends every message to a file, for operators testing templates.
 *
 *   sms/adapters/<name>
 *       type = file
 *       path = "var/sms.log"     # created 0600; one line per message:
 *       mask = true              # <time>\t<id>\t<to, masked unless mask = false>\t<text>
 * Newlines and tabs in a text are written as \n and \t so a line is a message. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapter.h"
#include "eonjena/eo_phone.h"

typedef struct {
    char *name;
    char *path;
    int fd;
    bool mask;
    eo_clock_t *clock;
    const eo_sms_sink_t *sink;
} s_file_t;

static void s_destroy(void **state_p)
{
    s_file_t *self = *state_p;
    if (!self) return;
    if (self->fd >= 0) close(self->fd);
    free(self->name);
    free(self->path);
    free(self);
    *state_p = NULL;
}

static void *s_create(const eo_sms_adapter_env_t *env, char *err, size_t errlen)
{
    const char *path = zconfig_get(env->section, "path", NULL);
    if (!path || !*path) {
        snprintf(err, errlen, "sms/adapters/%s/path: a file adapter needs a path", env->name);
        return NULL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "sms/adapters/%s/path: cannot open %s: %s", env->name, path,
                 strerror(errno));
        return NULL;
    }
    s_file_t *self = calloc(1, sizeof *self);
    assert(self);
    self->name = strdup(env->name);
    self->path = strdup(path);
    self->fd = fd;
    self->mask = !streq(zconfig_get(env->section, "mask", "true"), "false");
    self->clock = env->clock;
    self->sink = env->sink;
    return self;
}

/* Append src to the line, escaping the characters that would break it. */
static size_t s_escape(char *out, size_t o, size_t size, const char *src)
{
    for (; *src && o + 3 < size; src++) {
        if (*src == '\n' || *src == '\t' || *src == '\\' || *src == '\r') {
            out[o++] = '\\';
            out[o++] = *src == '\n' ? 'n' : *src == '\t' ? 't' : *src == '\r' ? 'r' : '\\';
        } else
            out[o++] = *src;
    }
    out[o] = 0;
    return o;
}

static int s_send(void *state, const eo_sms_mt_t *mt)
{
    s_file_t *self = state;
    char when[32], to[EO_PHONE_MASK_MAX], line[8192];
    eo_time_format(eo_clock_now(self->clock), when, sizeof when);
    if (self->mask)
        eo_phone_mask(mt->to, to, sizeof to);
    else
        snprintf(to, sizeof to, "%s", mt->to);
    size_t o = (size_t)snprintf(line, sizeof line, "%s\t", when);
    o = s_escape(line, o, sizeof line, mt->id);
    o += (size_t)snprintf(line + o, sizeof line - o, "\t%s\t", to);
    o = s_escape(line, o, sizeof line, mt->text);
    line[o++] = '\n';
    /* one write() per line: O_APPEND keeps concurrent writers' lines whole */
    ssize_t n = write(self->fd, line, o);
    int rc = n == (ssize_t)o ? EO_OK : EO_EIO;
    if (rc != EO_OK)
        zsys_error("sms %s: cannot append to %s: %s", self->name, self->path, strerror(errno));
    self->sink->sent(self->sink->owner, self->name, mt->id, rc);
    return EO_OK;
}

const eo_sms_driver_t eo_sms_driver_file = {
    .type = "file",
    .create = s_create,
    .destroy = s_destroy,
    .send = s_send,
};
