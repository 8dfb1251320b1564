/* opts: the one option parser of every eonjena command and executable (getopt_long
 * underneath). A command describes its options once, in a table; the same table parses
 * argv and prints the options part of --help, so help and parsing cannot disagree.
 *
 *   const char *store = "var/store";
 *   bool check = false;
 *   const eo_opt_t table[] = {
 *       EO_OPT_VALUE("store", "DIR", &store, "the store (var/store)"),
 *       EO_OPT_FLAG("check", &check, "check only, change nothing"),
 *       EO_OPT_END,
 *   };
 *   eo_opts_t o = {.prog = "eonjena check", .about = "Verify the invariants.",
 *                  .opts = table};
 *   int rc = eo_opts_parse(&o, argc, argv);
 *   if (rc != EO_OPTS_RUN)
 *       return rc;
 *
 * Accepted: `--name value`, `--name=value`, flags as `--name`, `-h` / `--help`, `--` to
 * end the options, positional arguments anywhere (collected in order). Refused: unknown
 * options, abbreviations (`--sto` is not `--store`: one name per option), a value missing
 * or given to a flag, fewer or more positional arguments than the forms say. Every refusal is
 * ONE line on stderr in ONE form, and exit status 2: eonjena check: unknown option '--dbx' (see
 * eonjena check --help) eonjena check: --store needs a value (see eonjena check --help) A
 * command refuses what only it can judge (a bad verb, a bad date) with eo_opts_fail, in the
 * same form.
 *
 * The help is made from the same description: "usage: PROG FORM [options]" for each form
 * (the positional arguments), the about text, then one line per option of the table. The
 * usage line names no option on its own, so it cannot name one that does not exist; and
 * the forms are also what the parser counts positional arguments by.
 *
 * getopt_long keeps global state (optind, optarg); eo_opts_parse resets it each time, so
 * one process may parse any number of argument vectors. Not thread-safe (neither is
 * getopt_long): parse in main's thread. */
#ifndef EO_OPTS_H
#define EO_OPTS_H

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    const char *name;  /* long name without the dashes: "store"; NULL ends a table */
    const char *value; /* what the value is called in the help ("DIR"); NULL: a flag */
    const char **to;   /* a value option: gets the value (points into argv); last wins */
    bool *set;         /* a flag: set to true when given */
    const char *help;  /* one line for --help */
} eo_opt_t;

#define EO_OPT_VALUE(name, value, to, help)                                                    \
    {                                                                                          \
        (name), (value), (to), NULL, (help)                                                    \
    }
#define EO_OPT_FLAG(name, set, help)                                                           \
    {                                                                                          \
        (name), NULL, NULL, (set), (help)                                                      \
    }
#define EO_OPT_END                                                                             \
    {                                                                                          \
        NULL, NULL, NULL, NULL, NULL                                                           \
    }

/* Most positional arguments a command can take; most options in one table. */
#define EO_OPTS_MAX_ARGS 8
#define EO_OPTS_MAX 32

/* eo_opts_parse's answer when the command should go on (any other answer is the exit
 * status to return at once). */
#define EO_OPTS_RUN (-1)

typedef struct {
    /* set by the command */
    const char *prog;     /* "eonjena check": begins every message and the usage line */
    const char *forms;    /* the positional arguments of each form of the command, one
                             line a form, a word an argument, an optional one in brackets
                             ("list\nadd DATE NAME [NOTE]"); NULL: none. A command line
                             needs as many as the shortest form, at most as many as the
                             longest; which form fits, the command checks */
    const char *about;    /* what the command does, exit statuses: the help's body */
    const eo_opt_t *opts; /* ended by EO_OPT_END; may be NULL (no options but --help) */
    /* filled by eo_opts_parse */
    const char *args[EO_OPTS_MAX_ARGS]; /* the positional arguments in order, then NULLs */
    int n_args;
} eo_opts_t;

/* Parse argv (argv[0] is the program or command name; argv may be reordered). Values go
 * where the table says; positional arguments into self->args. Returns EO_OPTS_RUN; or 0
 * after printing the help on stdout (-h, --help); or 2 after printing what is wrong on
 * stderr. */
int eo_opts_parse(eo_opts_t *self, int argc, char **argv);

/* The whole help: the usage line(s), the about text, then the options. */
void eo_opts_usage(const eo_opts_t *self, FILE *out);

/* The options part of a help text, from a table (ended by EO_OPT_END), -h included. */
void eo_opts_print(const eo_opt_t *opts, FILE *out);

/* Refuse a command line for a reason the table cannot know: prints
 * "PROG: <message> (see PROG --help)" on stderr and returns 2, the exit status. */
int eo_opts_fail(const eo_opts_t *self, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif
