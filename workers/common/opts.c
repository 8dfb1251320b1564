/* opts.c: see opts.h. */
#include <assert.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "opts.h"

/* getopt_long's value for table entry i: above every char, so it never collides with
 * 'h' (-h), '?', ':' or 1 (a positional argument). */
#define S_VAL_BASE 256

static int s_count(const eo_opt_t *opts)
{
    int n = 0;
    while (opts && opts[n].name)
        n++;
    return n;
}

/* The positional arguments the forms allow: *min is the fewest any form needs (its words
 * not in brackets), *max the most any form takes. */
static void s_arity(const char *forms, int *min, int *max)
{
    *min = INT_MAX;
    *max = 0;
    for (const char *f = forms ? forms : ""; *f || *min == INT_MAX;) {
        int need = 0, take = 0;
        size_t len = strcspn(f, "\n");
        for (size_t i = 0; i < len; i++)
            if (f[i] != ' ' && (i == 0 || f[i - 1] == ' ')) { /* a word starts */
                take++;
                need += f[i] != '[';
            }
        *min = need < *min ? need : *min;
        *max = take > *max ? take : *max;
        f += len + (f[len] == '\n');
    }
}

/* Refuse too few positional arguments, naming the first one missing when there is one
 * form to go by. */
static int s_missing(const eo_opts_t *self)
{
    const char *w = self->forms ? self->forms : "";
    if (strchr(w, '\n')) return eo_opts_fail(self, "missing argument");
    for (int i = 0; i < self->n_args; i++) { /* skip the words given */
        w += strspn(w, " ");
        w += strcspn(w, " ");
    }
    w += strspn(w, " ");
    return eo_opts_fail(self, "missing %.*s", (int)strcspn(w, " "), w);
}

/* Refuse an unknown option, quoted as given but without its "=value" (a value may be a
 * secret, and it is not what is wrong). */
static int s_unknown(const eo_opts_t *self, const char *given)
{
    size_t len = strcspn(given, "=");
    return eo_opts_fail(self, "unknown option '%.*s'", (int)len, given);
}

/* getopt_long also takes any unambiguous prefix ("--sto" for "--store"); we do not:
 * one name per option, so that a name can later be added without breaking a script
 * that abbreviated another. `given` is the argv element the option came from. */
static bool s_exact(const char *given, const char *name)
{
    size_t len = strlen(name);
    return strncmp(given, "--", 2) == 0 && strncmp(given + 2, name, len) == 0 &&
           (given[2 + len] == '\0' || given[2 + len] == '=');
}

/* -h, --help: the help on stdout, and exit status 0. */
static int s_help(const eo_opts_t *self)
{
    eo_opts_usage(self, stdout);
    return 0;
}

/* Act on one answer of getopt_long: EO_OPTS_RUN to go on, or the exit status. Entry i of
 * the table comes back as S_VAL_BASE + i, --help as S_VAL_BASE + n_opts. */
static int s_take(eo_opts_t *self, int c, char **argv, int n_opts, int max_args)
{
    if (c == 'h') /* -h */
        return s_help(self);
    if (c == 1) { /* a positional argument, in order (the "-" of the optstring) */
        if (self->n_args >= max_args)
            return eo_opts_fail(self, "unexpected argument '%s'", optarg);
        self->args[self->n_args++] = optarg;
        return EO_OPTS_RUN;
    }
    if (c == '?' && optopt < S_VAL_BASE) /* no option of ours: optopt 0 for a long one */
        return optopt ? eo_opts_fail(self, "unknown option '-%c'", optopt)
                      : s_unknown(self, argv[optind - 1]);
    /* one of ours; ':' (its value missing) and '?' (a flag given "=value") say which by
     * optopt */
    bool refused = c == ':' || c == '?';
    int i = (refused ? optopt : c) - S_VAL_BASE;
    assert(i >= 0 && i <= n_opts);
    const eo_opt_t *o = i < n_opts ? &self->opts[i] : NULL;
    const char *name = o ? o->name : "help";
    /* "--name value": the value is the element before optind and the option the one
     * before it; otherwise the option is the element before optind */
    const char *given = !refused && o && o->value && optarg == argv[optind - 1]
                            ? argv[optind - 2]
                            : argv[optind - 1];
    if (!s_exact(given, name)) return s_unknown(self, given);
    if (refused)
        return eo_opts_fail(self, c == ':' ? "--%s needs a value" : "--%s takes no value",
                            name);
    if (!o) return s_help(self);
    if (o->value)
        *o->to = optarg;
    else
        *o->set = true;
    return EO_OPTS_RUN;
}

int eo_opts_parse(eo_opts_t *self, int argc, char **argv)
{
    int n_opts = s_count(self->opts), min_args, max_args;
    s_arity(self->forms, &min_args, &max_args);
    assert(n_opts <= EO_OPTS_MAX && max_args <= EO_OPTS_MAX_ARGS);
    struct option longs[EO_OPTS_MAX + 2];
    for (int i = 0; i < n_opts; i++)
        longs[i] = (struct option){self->opts[i].name,
                                   self->opts[i].value ? required_argument : no_argument, NULL,
                                   S_VAL_BASE + i};
    longs[n_opts] = (struct option){"help", no_argument, NULL, S_VAL_BASE + n_opts};
    longs[n_opts + 1] = (struct option){NULL, 0, NULL, 0};
    memset(self->args, 0, sizeof self->args);
    self->n_args = 0;
    /* optind = 0 makes glibc start afresh (it also forgets a half-read "-abc" cluster and
     * re-reads POSIXLY_CORRECT); optind = 1 would not. opterr = 0: the messages are ours,
     * in our one form. */
    optind = 0;
    opterr = 0;
    /* "-": positional arguments come back in order as 1 (no reordering of argv, even
     * under POSIXLY_CORRECT); ":": a missing value comes back as ':', not '?' */
    int c, rc = EO_OPTS_RUN;
    while (rc == EO_OPTS_RUN && (c = getopt_long(argc, argv, "-:h", longs, NULL)) != -1)
        rc = s_take(self, c, argv, n_opts, max_args);
    /* after "--" getopt_long stops: what follows is positional, even "-x" */
    while (rc == EO_OPTS_RUN && optind < argc) {
        optarg = argv[optind++];
        rc = s_take(self, 1, argv, n_opts, max_args);
    }
    if (rc == EO_OPTS_RUN && self->n_args < min_args) rc = s_missing(self);
    optind = 1; /* leave the usual state for anyone who calls getopt on their own */
    return rc;
}

void eo_opts_print(const eo_opt_t *opts, FILE *out)
{
    /* one column for the names, as wide as the widest "--name VALUE" */
    int width = (int)strlen("-h, --help");
    for (int i = 0; opts && opts[i].name; i++) {
        int w = 2 + (int)strlen(opts[i].name);
        if (opts[i].value) w += 1 + (int)strlen(opts[i].value);
        if (w > width) width = w;
    }
    fprintf(out, "options:\n");
    for (int i = 0; opts && opts[i].name; i++) {
        char left[128];
        snprintf(left, sizeof left, "--%s%s%s", opts[i].name, opts[i].value ? " " : "",
                 opts[i].value ? opts[i].value : "");
        fprintf(out, "  %-*s  %s\n", width, left, opts[i].help);
    }
    fprintf(out, "  %-*s  %s\n", width, "-h, --help", "this text");
}

void eo_opts_usage(const eo_opts_t *self, FILE *out)
{
    /* one usage line a form; "[options]" only where there are options besides --help */
    const char *form = self->forms ? self->forms : "";
    const char *options = s_count(self->opts) ? " [options]" : "";
    for (bool first = true; first || *form; first = false) {
        size_t len = strcspn(form, "\n");
        fprintf(out, "%s %s%s%.*s%s\n", first ? "usage:" : "      ", self->prog, len ? " " : "",
                (int)len, form, options);
        form += len + (form[len] == '\n');
    }
    if (self->about) fprintf(out, "\n%s\n", self->about);
    fprintf(out, "\n");
    eo_opts_print(self->opts, out);
}

int eo_opts_fail(const eo_opts_t *self, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s: ", self->prog);
    vfprintf(stderr, format, args);
    fprintf(stderr, " (see %s --help)\n", self->prog);
    va_end(args);
    return 2;
}
