/* eonjena keygen: write a CURVE certificate pair (zcert) for the broker or a peer. */
#include <czmq.h>
#include <sys/stat.h>

#include "commands.h"
#include "common/opts.h"

static const char s_about[] =
    "Writes DIR/NAME (the public cert, to give to peers or to put in the\n"
    "broker's --curve-clients folder) and DIR/NAME_secret (keep it), both\n"
    "0600. Refuses to overwrite existing files.";

int eo_cmd_keygen(int argc, char **argv)
{
    const char *dir = ".";
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("dir", "DIR", &dir, "the folder of the certificates (.)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena keygen", .forms = "NAME", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    const char *name = o.args[0];
    if (strchr(name, '/') || !*name)
        return eo_opts_fail(&o, "NAME must be a file name, not '%s'", name);
    char path[4096], secret[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(secret, sizeof secret, "%s_secret", path);
    if (zsys_file_exists(path) || zsys_file_exists(secret)) {
        fprintf(stderr, "eonjena keygen: '%s' exists already: not overwritten\n", path);
        return 1;
    }
    if (!zsys_file_exists(dir) && mkdir(dir, 0700) != 0) {
        fprintf(stderr, "eonjena keygen: cannot create '%s'\n", dir);
        return 1;
    }
    zcert_t *cert = zcert_new();
    zcert_set_meta(cert, "name", "%s", name);
    /* written under a umask that keeps them private from the first byte (0600); copy
     * the public one to the peers that need it */
    mode_t old = umask(077);
    rc = zcert_save_secret(cert, secret);
    if (rc == 0) rc = zcert_save_public(cert, path);
    umask(old);
    zcert_destroy(&cert);
    if (rc != 0) {
        fprintf(stderr, "eonjena keygen: cannot write '%s'\n", path);
        return 1;
    }
    printf("%s\n%s\n", path, secret);
    return 0;
}
