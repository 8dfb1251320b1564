/* eonjena: one command, many subcommands (`eonjena help` lists them). */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "commands.h"
#include "common/opts.h"
#include "eonjena/eonjena.h"

/* One line per subcommand; keep sorted by name. */
static const eo_command_t s_commands[] = {
    {"backup", "copy a store while it serves (consistent, compacted)", eo_cmd_backup},
    {"broker", "run a standalone broker", eo_cmd_broker},
    {"check", "verify the invariants over a store", eo_cmd_check},
    {"config", "check a configuration and print it as the programs see it", eo_cmd_config},
    {"demo", "load W1 demo carers into an empty store", eo_cmd_demo},
    {"export", "write the carers of a store as a TSV file", eo_cmd_export},
    {"holiday", "list, add or remove holidays of the calendar file", eo_cmd_holiday},
    {"import", "import carers (TSV) into a store, or a new dong table", eo_cmd_import},
    {"key", "add, list or revoke API keys and operators' accounts", eo_cmd_key},
    {"keygen", "write a CURVE certificate pair", eo_cmd_keygen},
    {"log", "print and verify a request's event log", eo_cmd_log},
    {"migrate", "upgrade a store of an older layout (in place or into a copy)", eo_cmd_migrate},
    {"purge", "remove personal data past its retention period", eo_cmd_purge},
    {"quote", "fee, pay and route breakdown of a service as JSON", eo_cmd_quote},
    {"replay", "rebuild a store from another's input log and compare", eo_cmd_replay},
    {"restore", "put a backup back as a store", eo_cmd_restore},
    {"restrict", "record, impose, check or list use restrictions (이용제한)", eo_cmd_restrict},
    {"serve", "run every role in one process (the embedded default)", eo_cmd_serve},
    {"shards", "which sites each of N matchers serves", eo_cmd_shards},
    {NULL, NULL, NULL},
};

/* The help's body: what eonjena is and its commands, from s_commands. */
static const char *s_about(char *buf, size_t size)
{
    size_t n = (size_t)snprintf(buf, size,
                                "eonjena %s: dispatch server for emergency and after-hours "
                                "child care.\nEach command answers `eonjena <command> --help`."
                                "\n\ncommands:",
                                EONJENA_VERSION);
    for (const eo_command_t *c = s_commands; c->name && n < size; c++)
        n += (size_t)snprintf(buf + n, size - n, "\n  %-10s %s", c->name, c->summary);
    if (n < size) snprintf(buf + n, size - n, "\n  %-10s %s", "version", "print the version");
    return buf;
}

static int s_version(void)
{
    printf("eonjena %s\n", EONJENA_VERSION);
    return 0;
}

int main(int argc, char **argv)
{
    char about[2048];
    bool version = false;
    const eo_opt_t opts[] = {EO_OPT_FLAG("version", &version, "print the version"), EO_OPT_END};
    eo_opts_t o = {.prog = "eonjena",
                   .forms = "[<command>]", /* none with --version or --help */
                   .about = s_about(about, sizeof about),
                   .opts = opts};
    /* a first argument that is no option names the command; the rest is its own */
    if (argc >= 2 && argv[1][0] != '-') {
        for (const eo_command_t *c = s_commands; c->name; c++)
            if (streq(argv[1], c->name)) return c->run(argc - 1, argv + 1);
        if (streq(argv[1], "version")) return s_version();
        if (streq(argv[1], "help")) {
            eo_opts_usage(&o, stdout);
            return 0;
        }
        return eo_opts_fail(&o, "unknown command '%s'", argv[1]);
    }
    if (argc < 2) { /* a bare `eonjena` is a usage error: say what it takes */
        eo_opts_usage(&o, stderr);
        return 2;
    }
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    if (version && !o.n_args) return s_version();
    /* `eonjena --version check`, `eonjena -- check`: options of eonjena's own go alone */
    return eo_opts_fail(&o, o.n_args ? "the command comes first" : "no command given");
}
