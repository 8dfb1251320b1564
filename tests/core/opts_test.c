/* cli.opts: the one option parser (workers/common/opts.h) parsed many times in one
 * process: both value forms, flags, positional arguments anywhere, "--", and every
 * refusal in the one form with exit status 2. */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "common/opts.h"

typedef struct {
    const char *store, *at;
    bool check;
} s_vals_t;

static char s_err[512]; /* what the last parse printed on stderr */

/* Parse a NULL-ended argument list (argv[0] "eonjena t") into *v; the answer. */
static int s_parse(s_vals_t *v, eo_opts_t *o, const char **list)
{
    char *argv[16];
    int argc = 0;
    while (list[argc])
        argv[argc] = (char *)list[argc], argc++;
    argv[argc] = NULL;
    *v = (s_vals_t){.store = "var/store"};
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("store", "DIR", &v->store, "the store"),
        EO_OPT_VALUE("at", "T", &v->at, "when"),
        EO_OPT_FLAG("check", &v->check, "only check"),
        EO_OPT_END,
    };
    *o = (eo_opts_t){.prog = "eonjena t", .forms = "A [B]", .opts = opts};
    /* stderr into a file for the duration, to compare the message */
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert(tmp);
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    int rc = eo_opts_parse(o, argc, argv);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(s_err, 1, sizeof s_err - 1, tmp);
    s_err[n] = '\0';
    fclose(tmp);
    o->opts = NULL; /* the table was on this stack frame */
    return rc;
}

#define ARGS(...) ((const char *[]){"t", __VA_ARGS__, NULL})

int main(void)
{
    s_vals_t v;
    eo_opts_t o;
    /* the same values by either form, positionals anywhere, in order */
    for (int round = 0; round < 3; round++) { /* again and again: getopt state is reset */
        assert(s_parse(&v, &o, ARGS("a", "--store", "/s", "b", "--check")) == EO_OPTS_RUN);
        assert(streq(v.store, "/s") && v.check && !v.at && !*s_err);
        assert(o.n_args == 2 && streq(o.args[0], "a") && streq(o.args[1], "b"));
        assert(s_parse(&v, &o, ARGS("--store=/s", "a", "--at=", "--check")) == EO_OPTS_RUN);
        assert(streq(v.store, "/s") && streq(v.at, "") && v.check && o.n_args == 1);
        /* a refusal in the middle leaves no state behind for the next parse */
        assert(s_parse(&v, &o, ARGS("a", "--dbx=secret", "--store", "/s")) == 2);
        assert(streq(s_err, "eonjena t: unknown option '--dbx' (see eonjena t --help)\n"));
    }
    /* the last value wins; defaults stay when not given */
    assert(s_parse(&v, &o, ARGS("--store", "/1", "--store=/2", "a")) == EO_OPTS_RUN);
    assert(streq(v.store, "/2") && !v.check);
    assert(s_parse(&v, &o, ARGS("a")) == EO_OPTS_RUN && streq(v.store, "var/store"));
    /* "--" ends the options; "-" is an argument (stdin) */
    assert(s_parse(&v, &o, ARGS("--", "--check", "-")) == EO_OPTS_RUN);
    assert(!v.check && o.n_args == 2 && streq(o.args[0], "--check") && streq(o.args[1], "-"));
    /* a value that looks like an option is still the value */
    assert(s_parse(&v, &o, ARGS("a", "--store", "--check")) == EO_OPTS_RUN);
    assert(streq(v.store, "--check") && !v.check);
    /* the refusals, each in the one form */
    static const struct {
        const char *args[4], *err;
    } bad[] = {
        {{"a", "--store"}, "--store needs a value"},
        {{"a", "--check=yes"}, "--check takes no value"},
        {{"a", "--sto", "/s"}, "unknown option '--sto'"}, /* no abbreviations */
        {{"a", "--st=/s"}, "unknown option '--st'"},
        {{"a", "--sto"}, "unknown option '--sto'"},   /* not "--store needs a value" */
        {{"a", "--che=1"}, "unknown option '--che'"}, /* not "--check takes no value" */
        {{"a", "-x"}, "unknown option '-x'"},
        {{"a", "--help=1"}, "--help takes no value"},
        {{"a", "--hel"}, "unknown option '--hel'"},
        {{"--check"}, "missing A"},
        {{"a", "b", "c"}, "unexpected argument 'c'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *list[6] = {"t"};
        for (int j = 0; j < 4 && bad[i].args[j]; j++)
            list[j + 1] = bad[i].args[j];
        char want[256];
        snprintf(want, sizeof want, "eonjena t: %s (see eonjena t --help)\n", bad[i].err);
        int rc = s_parse(&v, &o, list);
        if (rc != 2 || !streq(s_err, want)) {
            fprintf(stderr, "case %zu: rc %d, printed '%s', want '%s'\n", i, rc, s_err, want);
            return 1;
        }
    }
    /* --help: exit status 0 and nothing on stderr (the help goes to stdout) */
    assert(s_parse(&v, &o, ARGS("--help")) == 0 && !*s_err);
    assert(s_parse(&v, &o, ARGS("a", "-h")) == 0 && !*s_err);
    printf("cli.opts: ok\n");
    return 0;
}
