/* The subcommands of `eonjena`. Each lives in its own cmd_<name>.c and returns the
 * process exit status; each parses its options with eo_opts (common/opts.h), which also
 * answers --help / -h from the same table. */
#ifndef EO_CLI_COMMANDS_H
#define EO_CLI_COMMANDS_H

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} eo_command_t;

/* Subcommands. */
int eo_cmd_backup(int argc, char **argv);
int eo_cmd_broker(int argc, char **argv);
int eo_cmd_check(int argc, char **argv);
int eo_cmd_config(int argc, char **argv);
int eo_cmd_demo(int argc, char **argv);
int eo_cmd_export(int argc, char **argv);
int eo_cmd_holiday(int argc, char **argv);
int eo_cmd_import(int argc, char **argv);
int eo_cmd_key(int argc, char **argv);
int eo_cmd_keygen(int argc, char **argv);
int eo_cmd_log(int argc, char **argv);
int eo_cmd_migrate(int argc, char **argv);
int eo_cmd_purge(int argc, char **argv);
int eo_cmd_quote(int argc, char **argv);
int eo_cmd_replay(int argc, char **argv);
int eo_cmd_restore(int argc, char **argv);
int eo_cmd_restrict(int argc, char **argv);
int eo_cmd_serve(int argc, char **argv);

#endif
