/* eonjena key: the credentials of the HTTP API (eo_keys.h): API keys for app backends,
 * providers and SMS gateways, and operators' console accounts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <czmq.h>

#include "commands.h"
#include "common/config.h"
#include "common/opts.h"
#include "eonjena/eo_paths.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_keys.h"

static const char s_about[] =
    "Manage who may call the HTTP API. Keys and passwords are stored hashed\n"
    "in the credentials file (gateway/keys_file of the configuration); a new\n"
    "key is printed once, on stdout, and is nowhere else afterwards.\n"
    "  add      a new API key for a role (member_app, carer_app, operator,\n"
    "           provider, sms_gateway, admin) and a scope (--sites; --provider\n"
    "           for a provider's key)\n"
    "  passwd   an operator's or admin's console account (the password is read\n"
    "           from stdin, one line, not echoed on a terminal)\n"
    "  revoke   a key or account by its id: refused from now on\n"
    "  list     the credentials, without their secrets\n"
    "A running gateway picks up every change without a restart.";

/* One line of stdin, without echo on a terminal. */
static int s_read_password(char *buf, size_t size)
{
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        fprintf(stderr, "password: ");
    }
    bool ok = fgets(buf, (int)size, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fprintf(stderr, "\n");
    }
    if (ok) buf[strcspn(buf, "\r\n")] = 0;
    return ok ? 0 : -1;
}

/* The credentials file: --file, else gateway/keys_file of --config (or of the default
 * configuration: the checkout's, or /etc/eonjena/eonjena.cfg when installed). NULL,
 * said why, when the configuration is refused. */
static const char *s_path(const char *file, const char *config_path, char *buf, size_t size)
{
    if (file) return file;
    char why[8192];
    zconfig_t *config =
        eo_config_load(config_path ? config_path : eo_paths_config(), why, sizeof why);
    if (!config) {
        fprintf(stderr, "eonjena key: configuration refused:\n%s\n", why);
        return NULL;
    }
    snprintf(buf, size, "%s", zconfig_get(config, "gateway/keys_file", "var/keys"));
    zconfig_destroy(&config);
    return buf;
}

int eo_cmd_key(int argc, char **argv)
{
    const char *file = NULL, *config = NULL, *role = NULL, *sites = "*", *provider = "";
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("file", "PATH", &file,
                     "the credentials file (gateway/keys_file: var/keys)"),
        EO_OPT_VALUE("config", "FILE", &config,
                     "read gateway/keys_file from this configuration"),
        EO_OPT_VALUE("role", "ROLE", &role, "add, passwd: the role"),
        EO_OPT_VALUE("sites", "LIST", &sites, "add, passwd: * or a comma list of sites (*)"),
        EO_OPT_VALUE("provider", "ID", &provider, "add: the provider a provider key is for"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena key",
                   .forms = "add\npasswd ID\nrevoke ID\nlist",
                   .about = s_about,
                   .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    char pathbuf[4096], err[512];
    const char *path = s_path(file, config, pathbuf, sizeof pathbuf);
    if (!path) return 1;
    const char *verb = o.args[0];
    eo_time_t now = time(NULL);
    if (streq(verb, "list") && o.n_args == 1)
        rc = eo_keys_file_list(path, stdout, err, sizeof err);
    else if (streq(verb, "add") && o.n_args == 1) {
        if (!role) return eo_opts_fail(&o, "add needs --role");
        char *key = NULL;
        rc = eo_keys_file_add(path, eo_role_parse(role), sites, provider, now, &key, err,
                              sizeof err);
        if (rc == EO_OK) {
            printf("%s\n", key);
            fprintf(stderr,
                    "eonjena key: a %s key for sites %s: keep it now, it is shown "
                    "only this once\n",
                    role, sites);
        }
        free(key);
    } else if (streq(verb, "passwd") && o.n_args == 2) {
        char password[300];
        if (s_read_password(password, sizeof password))
            return eo_opts_fail(&o, "no password on stdin");
        rc = eo_keys_file_passwd(path, o.args[1], eo_role_parse(role ? role : "operator"),
                                 sites, password, now, err, sizeof err);
        memset(password, 0, sizeof password);
        if (rc == EO_OK) fprintf(stderr, "eonjena key: account %s set\n", o.args[1]);
    } else if (streq(verb, "revoke") && o.n_args == 2) {
        rc = eo_keys_file_revoke(path, o.args[1], now, err, sizeof err);
        if (rc == EO_OK) fprintf(stderr, "eonjena key: %s revoked\n", o.args[1]);
    } else
        return eo_opts_fail(&o, "unknown use of '%s'", verb);
    if (rc) {
        fprintf(stderr, "eonjena key: %s\n", err);
        return rc == EO_EINVAL ? 2 : 1;
    }
    return 0;
}
