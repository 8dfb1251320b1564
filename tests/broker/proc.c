/* proc.c: child processes for the broker tests (see proc.h). */
#include <sys/prctl.h>
#include "proc.h"

#include <czmq.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

/* Children still running, killed if the test aborts so ctest is not left waiting on
 * their output. */
#define S_MAX_CHILDREN 64
static pid_t s_children[S_MAX_CHILDREN];

static void s_on_abort(int sig)
{
    for (int i = 0; i < S_MAX_CHILDREN; i++)
        if (s_children[i] > 0) kill(s_children[i], SIGKILL);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void s_track(pid_t pid, pid_t replace)
{
    static bool installed = false;
    if (!installed) {
        signal(SIGABRT, s_on_abort);
        signal(SIGSEGV, s_on_abort);
        installed = true;
    }
    for (int i = 0; i < S_MAX_CHILDREN; i++)
        if (s_children[i] == replace) {
            s_children[i] = pid;
            return;
        }
}

bool proc_start(proc_t *p, char *const argv[])
{
    int fds[2];
    if (pipe(fds) != 0) return false;
    memset(p, 0, sizeof *p);
    p->pid = fork();
    if (p->pid < 0) return false;
    if (p->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* no orphan outlives a failed test */
        dup2(fds[1], 1);
        dup2(fds[1], 2); /* the log lines are on stderr: read them too */
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    p->out = fds[0];
    s_track(p->pid, 0);
    return true;
}

bool proc_line(proc_t *p, char *line, size_t cap, int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    while (true) {
        char *nl = memchr(p->buf, '\n', p->len);
        if (nl) {
            size_t n = (size_t)(nl - p->buf);
            snprintf(line, cap, "%.*s", (int)n, p->buf);
            memmove(p->buf, nl + 1, p->len - n - 1);
            p->len -= n + 1;
            return true;
        }
        int64_t left = deadline - zclock_mono();
        if (p->len == sizeof p->buf) return false;
        struct pollfd pfd = {p->out, POLLIN, 0};
        if (poll(&pfd, 1, left > 0 ? (int)left : 0) <= 0) {
            if (left <= 0) return false;
            continue;
        }
        ssize_t got = read(p->out, p->buf + p->len, sizeof p->buf - p->len);
        if (got <= 0) return false;
        p->len += (size_t)got;
    }
}

bool proc_expect(proc_t *p, const char *prefix, char *line, size_t cap, int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    int64_t left;
    while ((left = deadline - zclock_mono()) > 0)
        if (proc_line(p, line, cap, (int)left) && strncmp(line, prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

int proc_stop(proc_t *p, int sig)
{
    if (p->pid <= 0) return -1;
    kill(p->pid, sig);
    int status = 0;
    int64_t deadline = zclock_mono() + 5000;
    pid_t r;
    while ((r = waitpid(p->pid, &status, WNOHANG)) == 0 && zclock_mono() < deadline) {
        struct pollfd none = {-1, 0, 0};
        poll(&none, 0, 10); /* reaping a child has no descriptor to wait on */
    }
    if (r == 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &status, 0);
    }
    close(p->out);
    s_track(0, p->pid);
    p->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const char *proc_bin(char *buf, size_t cap, const char *rel)
{
    const char *dir = getenv("EO_BINARY_DIR");
    snprintf(buf, cap, "%s/%s", dir ? dir : ".", rel);
    return buf;
}

const char *proc_tmp(void)
{
    const char *tmp = getenv("EO_TEST_TMP");
    assert(tmp);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s' && chmod 700 '%s'", tmp, tmp, tmp);
    int rc = system(cmd);
    assert(rc == 0);
    return tmp;
}
