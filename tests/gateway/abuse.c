/* abuse: what an attacker does to the gateway, while a well-behaved client measures it.
 *
 *   abuse slowloris PORT N SECONDS   N connections that send their headers a line a
 *                                    second and never finish
 *   abuse flood PORT N               N requests without credentials, as fast as 32
 *                                    keep-alive connections can send them
 *
 * Meanwhile a probe GETs /v1/health every 50 ms on a fresh connection. Prints one line:
 * "abuse <mode>: probes P, failed F, p50 X ms, max Y ms, attack answers A (429: R)"
 * and exits 0; the script decides what is good enough. Attackers come from 127.0.0.2
 * (the probe from 127.0.0.1), as they would from another host. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int s_port;
static atomic_bool s_done;

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connected socket from `from` (blocking), or -1. */
static int s_connect(const char *from)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, from, &a.sin_addr);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s_port)};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Read one HTTP answer (headers + Content-Length body) from fd; its status, or -1. */
static int s_read_answer(int fd, int timeout_ms)
{
    char buf[8192];
    size_t have = 0;
    int64_t until = s_now_ms() + timeout_ms;
    while (have < sizeof buf - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        int left = (int)(until - s_now_ms());
        if (left <= 0 || poll(&p, 1, left) != 1) return -1;
        ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
        if (n <= 0) return -1;
        have += (size_t)n;
        buf[have] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (!end) continue;
        const char *cl = strcasestr(buf, "Content-Length:");
        size_t body = cl ? (size_t)atol(cl + 15) : 0;
        if (have >= (size_t)(end + 4 - buf) + body) return atoi(buf + 9);
    }
    return -1;
}

typedef struct {
    int probes, failed;
    int64_t ms[100000];
} s_probe_t;

static void *s_prober(void *arg)
{
    s_probe_t *p = arg;
    const char *get = "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    while (!atomic_load(&s_done) && p->probes < 100000) {
        int64_t t0 = s_now_ms();
        int fd = s_connect("127.0.0.1");
        int status = -1;
        if (fd >= 0 && write(fd, get, strlen(get)) == (ssize_t)strlen(get))
            status = s_read_answer(fd, 5000);
        if (fd >= 0) close(fd);
        p->ms[p->probes++] = s_now_ms() - t0;
        p->failed += status != 200;
        usleep(50000);
    }
    return NULL;
}

static int s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void s_slowloris(int n, int seconds, int *answers, int *limited)
{
    (void)limited;
    int *fds = calloc((size_t)n, sizeof *fds);
    int open = 0;
    for (int i = 0; i < n; i++) {
        fds[i] = s_connect("127.0.0.2");
        const char *start = "GET /v1/health HTTP/1.1\r\nHost: x\r\n";
        if (fds[i] >= 0 && write(fds[i], start, strlen(start)) > 0) open++;
    }
    fprintf(stderr, "slowloris: %d of %d connections open\n", open, n);
    for (int s = 0; s < seconds; s++) {
        sleep(1); /* the attack's own pace: a header line a second */
        for (int i = 0; i < n; i++)
            if (fds[i] >= 0 && write(fds[i], "X-a: b\r\n", 8) < 0) {
                close(fds[i]);
                fds[i] = -1;
                (*answers)++; /* the server closed it */
            }
    }
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0) close(fds[i]);
    free(fds);
}

static void s_flood(int n, int *answers, int *limited)
{
    enum { C = 32 };
    const char *req = "POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
    int fds[C];
    for (int i = 0; i < C; i++)
        fds[i] = s_connect("127.0.0.2");
    for (int sent = 0; sent < n;) {
        for (int i = 0; i < C && sent < n; i++, sent++) {
            if (fds[i] < 0 && (fds[i] = s_connect("127.0.0.2")) < 0) continue;
            int status = -1;
            if (write(fds[i], req, strlen(req)) == (ssize_t)strlen(req))
                status = s_read_answer(fds[i], 5000);
            if (status < 0) {
                close(fds[i]);
                fds[i] = -1;
                continue;
            }
            (*answers)++;
            *limited += status == 429;
        }
    }
    for (int i = 0; i < C; i++)
        if (fds[i] >= 0) close(fds[i]);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: abuse slowloris PORT N SECONDS | abuse flood PORT N\n");
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) { /* our own side needs the descriptors too */
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    s_port = atoi(argv[2]);
    int n = atoi(argv[3]);
    static s_probe_t probe;
    pthread_t prober;
    pthread_create(&prober, NULL, s_prober, &probe);
    int answers = 0, limited = 0;
    if (strcmp(argv[1], "slowloris") == 0)
        s_slowloris(n, argc > 4 ? atoi(argv[4]) : 10, &answers, &limited);
    else
        s_flood(n, &answers, &limited);
    atomic_store(&s_done, true);
    pthread_join(prober, NULL);
    qsort(probe.ms, (size_t)probe.probes, sizeof probe.ms[0], s_cmp);
    printf("abuse %s: probes %d, failed %d, p50 %lld ms, max %lld ms, attack answers %d "
           "(429: %d)\n",
           argv[1], probe.probes, probe.failed,
           probe.probes ? (long long)probe.ms[probe.probes / 2] : -1,
           probe.probes ? (long long)probe.ms[probe.probes - 1] : -1, answers, limited);
    return 0;
}
