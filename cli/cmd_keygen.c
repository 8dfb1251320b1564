/* eonjena keygen: write a CURVE certificate pair (zcert) for the broker or a peer. */
#include <czmq.h>
#include <sys/stat.h>

#include "commands.h"

static void s_usage(FILE *out)
{
    fprintf(out, "usage: eonjena keygen NAME [--dir DIR]\n"
                 "Writes DIR/NAME (the public cert, to give to peers or to put in the\n"
                 "broker's --curve-clients folder) and DIR/NAME_secret (keep it), both 0600.\n"
                 "Refuses to overwrite existing files. DIR defaults to the current folder.\n");
}

int eo_cmd_keygen(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    const char *name = NULL, *dir = ".";
    for (int i = 1; i < argc; i++) {
        if (streq(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!name && argv[i][0] != '-')
            name = argv[i];
        else {
            s_usage(stderr);
            return 2;
        }
    }
    if (!name || strchr(name, '/') || !*name) {
        s_usage(stderr);
        return 2;
    }
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
    int rc = zcert_save_secret(cert, secret);
    if (rc == 0)
        rc = zcert_save_public(cert, path);
    umask(old);
    zcert_destroy(&cert);
    if (rc != 0) {
        fprintf(stderr, "eonjena keygen: cannot write '%s'\n", path);
        return 1;
    }
    printf("%s\n%s\n", path, secret);
    return 0;
}
