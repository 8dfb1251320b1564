/* proc: child processes for the broker tests: spawn with stdout and stderr (the log)
 * on a pipe, read lines with a bounded wait, stop. */
#ifndef EO_TEST_PROC_H
#define EO_TEST_PROC_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;
    int out;        /* the child's stdout and stderr */
    char buf[4096]; /* bytes read and not yet returned as lines */
    size_t len;
} proc_t;

/* Start argv[0] (a path) with argv; false if it cannot be started. */
bool proc_start(proc_t *p, char *const argv[]);
/* The next line of the child's output (no newline) into line; false if none came
 * within timeout_ms or the child closed its stdout. */
bool proc_line(proc_t *p, char *line, size_t cap, int timeout_ms);
/* Wait for a line starting with prefix (others are skipped); false on timeout. */
bool proc_expect(proc_t *p, const char *prefix, char *line, size_t cap, int timeout_ms);
/* Send sig and reap the child (bounded: SIGKILL after 5 s); its exit status or -1. */
int proc_stop(proc_t *p, int sig);
/* $EO_BINARY_DIR/<rel> into buf. */
const char *proc_bin(char *buf, size_t cap, const char *rel);
/* A fresh $EO_TEST_TMP folder (0700). */
const char *proc_tmp(void);

#endif
