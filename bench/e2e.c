/* e2e: W1 requests through the real multi-process deployment (deploy/eonjena-deploy:
 * broker, matchers, sms with the simulated gateway, handoff, gateway, over tcp with
 * CURVE), driven by eonjena-load with the deployment's API key (or, --via broker, straight
 * into its broker with the gateway's cert); p50/p99 are intake to offers sent
 * (docs/deploy.md). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>

#include "bench.h"
#include "e2e_hops.h"
#include "common/opts.h"
#include "eonjena/eo_w1.h"
#include "eonjena/eonjena.h"

typedef struct {
    long requests, sites, matchers, carers, connections;
    double rate;
    const char *dir, *deploy, *config, *transport, *via;
    const char *store_dirs; /* "ROLE=DIR,..." for eonjena-deploy --store-dir, or NULL */
} s_opts_t;

#define S_STORE_DIRS_MAX 64

static const char s_about[] =
    "Start deploy/eonjena-deploy in a new folder (broker, --matchers matcher\n"
    "processes, sms with simulated carers, handoff, gateway; tcp with CURVE),\n"
    "send R W1 requests of the first S 방문형 sites at --rate through the API\n"
    "with eonjena-load (--via broker: straight into the broker, as the gateway\n"
    "would send them), check every matcher's store, stop it. Prints\n"
    "{\"bench\":\"e2e\",\"requests\":R,\"sites\":S,\"req_per_s\":..,\"p50_ms\":..,"
    "\"p99_ms\":..,\"settled\":..,\"check\":\"ok\",...}; p50/p99: intake to offers sent.";

/* Split "ROLE=DIR,..." into out (two entries each: "--store-dir", "ROLE=DIR", the strings
 * allocated; NULL: only check). Each DIR must be new or empty: the bench starts from
 * fresh stores and may remove them after. The count of entries, or -1 with err. */
static int s_store_dirs(const char *list, char **out, char *err, size_t errlen)
{
    char *copy = strdup(list), *save = NULL;
    assert(copy);
    int n = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const char *eq = strchr(t, '=');
        DIR *d = eq ? opendir(eq + 1) : NULL;
        bool empty = true;
        for (struct dirent *e; d && (e = readdir(d));)
            empty = empty && (streq(e->d_name, ".") || streq(e->d_name, ".."));
        if (d) closedir(d);
        if (!eq || eq == t || !eq[1] || n / 2 >= S_STORE_DIRS_MAX)
            snprintf(err, errlen, "--store-dirs: '%s' is not ROLE=DIR (at most %d)", t,
                     S_STORE_DIRS_MAX);
        else if (!empty)
            snprintf(err, errlen,
                     "--store-dirs: %s is not empty (the bench wants fresh stores)", eq + 1);
        else {
            if (out) {
                out[n] = strdup("--store-dir");
                out[n + 1] = strdup(t);
            }
            n += 2;
            continue;
        }
        for (int i = 0; out && i < n; i++)
            free(out[i]);
        free(copy);
        return -1;
    }
    free(copy);
    return n;
}

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (s_opts_t){.requests = 2000,
                    .sites = 10,
                    .matchers = cores > 0 ? cores : 1,
                    .carers = 10000,
                    .connections = 128,
                    .rate = 2000,
                    .transport = "tcp",
                    .via = "http"};
    const char *v[6] = {NULL};
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("requests", "R", &v[0], "W1 requests (2000)"),
        EO_OPT_VALUE("sites", "S", &v[1], "the first S of W1's sites (10: all)"),
        EO_OPT_VALUE("rate", "N", &v[2], "requests per second asked for (2000)"),
        EO_OPT_VALUE("matchers", "M", &v[3], "matcher processes (one per core)"),
        EO_OPT_VALUE("carers", "C", &v[4], "W1 demo carers (10000)"),
        EO_OPT_VALUE("connections", "N", &v[5], "eonjena-load's HTTP connections (128)"),
        EO_OPT_VALUE("config", "FILE", &o->config,
                     "the configuration the deployment starts from (etc/eonjena.cfg)"),
        EO_OPT_VALUE("dir", "DIR", &o->dir,
                     "the deployment's folder, kept (default: temporary)"),
        EO_OPT_VALUE("deploy", "PATH", &o->deploy, "the deploy script (deploy/eonjena-deploy)"),
        EO_OPT_VALUE("transport", "T", &o->transport,
                     "tcp (with CURVE, as between hosts) or ipc (one host) (tcp)"),
        EO_OPT_VALUE("via", "V", &o->via,
                     "http (the API, with its key) or broker (straight into the broker: "
                     "the pipeline without the gateway) (http)"),
        EO_OPT_VALUE("store-dirs", "ROLE=DIR,..", &o->store_dirs,
                     "keep these roles' stores elsewhere (eonjena-deploy --store-dir), each "
                     "DIR new or empty; without --dir they are removed after the run"),
        EO_OPT_END,
    };
    eo_opts_t p = {.prog = "eonjena-bench e2e", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&p, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    o->requests = v[0] ? atol(v[0]) : o->requests;
    o->sites = v[1] ? atol(v[1]) : o->sites;
    o->rate = v[2] ? atof(v[2]) : o->rate;
    o->matchers = v[3] ? atol(v[3]) : o->matchers;
    o->carers = v[4] ? atol(v[4]) : o->carers;
    o->connections = v[5] ? atol(v[5]) : o->connections;
    bool ok = o->requests > 0 && o->requests <= 10000000 && o->sites > 0 && o->rate > 0 &&
              o->rate <= 100000 && o->matchers > 0 && o->matchers <= EO_SITE_MAX &&
              o->carers > 0 && o->carers <= 2000000 && o->connections > 0 &&
              o->connections <= 4096;
    if (ok && !streq(o->transport, "tcp") && !streq(o->transport, "ipc"))
        return eo_opts_fail(&p, "--transport is tcp or ipc");
    if (ok && !streq(o->via, "http") && !streq(o->via, "broker"))
        return eo_opts_fail(&p, "--via is http or broker");
    char err[256];
    if (ok && o->store_dirs && s_store_dirs(o->store_dirs, NULL, err, sizeof err) < 0)
        return eo_opts_fail(&p, err);
    return ok ? EO_OPTS_RUN : eo_opts_fail(&p, "a number out of range");
}

/* What eonjena-load is pointed at: the API's key, or the broker (and over tcp the
 * broker's cert and the gateway's, which the broker admits). */
typedef struct {
    char key[4200], broker[4200], bcert[4200], cert[4200];
    char *argv[8]; /* the options naming them, NULL-terminated */
} s_via_t;

/* Fill via for the deployment in dir. 0, or -1 when the deployment names no broker
 * endpoint (said why). */
static int s_via(const s_opts_t *o, const char *dir, s_via_t *via)
{
    char **argv = via->argv;
    if (streq(o->via, "http")) {
        snprintf(via->key, sizeof via->key, "%.4000s/keys/api_key", dir);
        *argv++ = "--key-file", *argv++ = via->key, *argv = NULL;
        return 0;
    }
    char path[4300];
    snprintf(path, sizeof path, "%.4000s/run/broker_endpoint", dir);
    FILE *f = fopen(path, "r");
    bool named = f && fgets(via->broker, sizeof via->broker, f);
    if (f) fclose(f);
    if (!named) {
        fprintf(stderr, "eonjena-bench e2e: the deployment names no broker (%s)\n", path);
        return -1;
    }
    via->broker[strcspn(via->broker, "\n")] = '\0';
    *argv++ = "--broker", *argv++ = via->broker;
    if (streq(o->transport, "tcp")) {
        snprintf(via->bcert, sizeof via->bcert, "%.4000s/keys/broker", dir);
        snprintf(via->cert, sizeof via->cert, "%.4000s/keys/gateway_secret", dir);
        *argv++ = "--broker-cert", *argv++ = via->bcert, *argv++ = "--cert",
        *argv++ = via->cert;
    }
    *argv = NULL;
    return 0;
}

/* A tcp port on loopback that nothing listens on now. */
static int s_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
                       getsockname(fd, (struct sockaddr *)&a, &len) == 0
                   ? ntohs(a.sin_port)
                   : -1;
    if (fd >= 0) close(fd);
    return port;
}

/* Run argv with stdout to out (NULL: ours) and stderr to log; its exit status, -1.
 * cpu_ms (NULL: not wanted) gets the CPU time it took, user and system. */
static int s_exec(char *const argv[], const char *out, const char *log, double *cpu_ms)
{
    pid_t pid = fork();
    if (pid == 0) {
        int e = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (e >= 0) dup2(e, 2);
        int o = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600) : e;
        if (o >= 0) dup2(o, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) return -1;
    if (cpu_ms)
        *cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                  (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The first n W1 sites (방문형, table order), comma-separated. */
static void s_sites(const eo_dongs_t *dongs, long n, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t s = 0; s < eo_dongs_site_count(dongs) && n > 0 && len < size; s++)
        if (eo_dongs_site(dongs, (int)s)->services & EO_SERVICE_VISIT) {
            len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "",
                                    eo_dongs_site(dongs, (int)s)->slug);
            n--;
        }
}

/* Is slug one of the comma-separated list? */
static bool s_in_list(const char *list, const char *slug)
{
    size_t len = strlen(slug);
    for (const char *p = list; (p = strstr(p, slug)); p += len)
        if ((p == list || p[-1] == ',') && (p[len] == '\0' || p[len] == ',')) return true;
    return false;
}

/* The split of the sites over the matchers (DIR/shards, which eonjena-deploy keeps when
 * it is there): the run's sites by their share of W1's requests, heaviest first, each to
 * the matcher with the least so far, then every other site the same way by its 동 count
 * (every site must be served for /v1/ready). `eonjena shards` balances all sites by 동,
 * which for a run over some of them can leave one matcher most of the traffic. */
static int s_write_shards(const eo_dongs_t *dongs, const char *sites, long matchers,
                          const char *path)
{
    size_t n_sites = eo_dongs_site_count(dongs);
    double *weight = calloc(n_sites, sizeof *weight),
           *load = calloc((size_t)matchers, sizeof *load);
    bool *done = calloc(n_sites, sizeof *done);
    char **lists = calloc((size_t)matchers, sizeof *lists);
    eo_w1_t *w1 = eo_w1_new(dongs, 1, eo_w1_default_clock());
    int rc = weight && load && done && lists && w1 ? 0 : -1;
    for (uint32_t i = 0; rc == 0 && i < 20000; i++) {
        eo_w1_request_t r;
        eo_w1_request(w1, i, &r);
        int s = eo_dongs_site_find(dongs, r.site);
        if (s >= 0 && s_in_list(sites, r.site)) weight[s] += 1.0;
    }
    for (int pass = 0; rc == 0 && pass < 2; pass++)
        for (;;) { /* the heaviest site not yet placed, to the lightest matcher */
            int best = -1;
            double w = -1;
            for (size_t s = 0; s < n_sites; s++) {
                double ws =
                    pass == 0 ? weight[s] : (double)eo_dongs_site(dongs, (int)s)->n_dongs;
                if (!done[s] && (pass == 1 || weight[s] > 0) && ws > w) best = (int)s, w = ws;
            }
            if (best < 0) break;
            long m = 0;
            for (long k = 1; k < matchers; k++)
                if (load[k] < load[m]) m = k;
            done[best] = true;
            load[m] += pass == 0 ? w * 1000.0 : w;
            char *grown = NULL;
            if (asprintf(&grown, "%s%s%s", lists[m] ? lists[m] : "", lists[m] ? "," : "",
                         eo_dongs_site(dongs, best)->slug) < 0) {
                rc = -1;
                break;
            }
            free(lists[m]);
            lists[m] = grown;
        }
    FILE *f = rc == 0 ? fopen(path, "w") : NULL;
    for (long m = 0; f && m < matchers; m++)
        fprintf(f, "%s\n", lists[m] ? lists[m] : "");
    if (!f || fclose(f) != 0) rc = -1;
    for (long m = 0; lists && m < matchers; m++)
        free(lists[m]);
    free(lists);
    free(weight);
    free(load);
    free(done);
    eo_w1_destroy(&w1);
    return rc;
}

/* Every matcher's store of the deployment, comma-separated. */
static void s_stores(const char *dir, long matchers, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (long i = 1; i <= matchers && len < size; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%s/stores/matcher-%ld",
                                len ? "," : "", dir, i);
}

static double s_num(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    if (b) v = json_object_get(v, b);
    return json_number_value(v);
}

/* {"<role>": KiB written per commit} of the roles with a store. */
static json_t *s_per_commit(json_t *written, json_t *commits)
{
    json_t *out = json_object();
    const char *role;
    json_t *c;
    json_object_foreach(commits, role, c)
    {
        json_t *w = json_object_get(written, role);
        if (w && json_real_value(c) > 0)
            json_object_set_new(out, role, json_real(json_real_value(w) / json_real_value(c)));
    }
    return out;
}

/* The one JSON line from eonjena-load's; per: the eo_e2e_per_request of each counter
 * (NULL where not sampled); load_ms: eonjena-load's own CPU time (-1: unknown). */
static int s_report(const s_opts_t *o, long matchers, const char *json_path, json_t *hops,
                    json_t *batches, json_t **per, double load_ms)
{
    json_error_t jerr;
    json_t *load = json_load_file(json_path, 0, &jerr);
    if (!load) {
        fprintf(stderr, "eonjena-bench e2e: no result from eonjena-load (%s)\n", jerr.text);
        return 1;
    }
    json_t *check = json_object_get(load, "check");
    json_t *out = json_pack(
        "{s:s,s:I,s:I,s:f,s:f,s:f,s:I,s:s,s:I,s:I,s:I,s:f,s:f,s:f,s:f}", "bench", "e2e",
        "requests", (json_int_t)o->requests, "sites", (json_int_t)o->sites, "req_per_s",
        s_num(load, "req_per_s", NULL), "p50_ms", s_num(load, "offers_sent_ms", "p50"),
        "p99_ms", s_num(load, "offers_sent_ms", "p99"), "settled",
        (json_int_t)s_num(load, "settled", NULL), "check",
        json_is_string(check) ? json_string_value(check) : "none", "matchers",
        (json_int_t)matchers, "accepted", (json_int_t)s_num(load, "accepted", NULL), "offered",
        (json_int_t)s_num(load, "offered", NULL), "rate", o->rate, "intake_201_p50_ms",
        s_num(load, "intake_201_ms", "p50"), "intake_201_p99_ms",
        s_num(load, "intake_201_ms", "p99"), "settled_p50_ms",
        s_num(load, "settled_ms", "p50"));
    /* where the time went: per hop (from the roles' logs) and per role (CPU) */
    if (hops) json_object_set(out, "hops_ms", hops);
    if (batches) json_object_set(out, "matcher_batches", batches);
    json_t *cpu = per[EO_E2E_CPU_TICKS], *written = per[EO_E2E_WRITTEN],
           *commits = per[EO_E2E_COMMITS];
    if (cpu) json_object_set(out, "cpu_ms_per_req", cpu);
    /* the load generator shares the machine's cores with the roles: its cost too */
    if (load_ms >= 0 && o->requests > 0)
        json_object_set_new(out, "load_cpu_ms_per_req",
                            json_real(load_ms / (double)o->requests));
    if (written) json_object_set(out, "written_kib_per_req", written);
    /* what a durable commit costs, and how many a request takes */
    if (commits) json_object_set(out, "commits_per_req", commits);
    if (written && commits)
        json_object_set_new(out, "kib_per_commit", s_per_commit(written, commits));
    json_object_set_new(out, "transport", json_string(o->transport));
    json_object_set_new(out, "via", json_string(o->via));
    char *text = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(6));
    printf("%s\n", text);
    free(text);
    bool ok = json_is_string(check) && streq(json_string_value(check), "ok");
    json_decref(out);
    json_decref(load);
    return ok ? 0 : 1;
}

int eo_bench_e2e(int argc, char **argv)
{
    s_opts_t o;
    int rc = s_parse(argc, argv, &o);
    if (rc != EO_OPTS_RUN) return rc;
    char bin[4096] = ".", self[4096], dir[4096], deploy[4200],
         tmp[] = "/tmp/eonjena-e2e-XXXXXX";
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        snprintf(bin, sizeof bin, "%s", dirname(self));
    }
    snprintf(deploy, sizeof deploy, "%s",
             o.deploy ? o.deploy : EO_SOURCE_DIR "/deploy/eonjena-deploy");
    if (o.dir)
        snprintf(dir, sizeof dir, "%s", o.dir);
    else if (mkdtemp(tmp))
        snprintf(dir, sizeof dir, "%s", tmp);
    else {
        perror("eonjena-bench e2e: mkdtemp");
        return 1;
    }
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    if (!dongs) {
        fprintf(stderr, "eonjena-bench e2e: %s\n", err);
        return 1;
    }
    char sites[512], stores[8192], http[64], url[80], bport[16], m[16], carers[16], log[4200],
        json[4200], trace[4200], reqs[32], rate[32], duration[32], conns[32];
    s_sites(dongs, o.sites, sites, sizeof sites);
    /* every site's matcher gets a share: more matchers than sites idle */
    long matchers = o.matchers;
    char shards[4200];
    snprintf(shards, sizeof shards, "%s/shards", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "eonjena-bench e2e: %s: %s\n", dir, strerror(errno));
        eo_dongs_destroy(&dongs);
        return 1;
    }
    if (access(shards, F_OK) != 0 && s_write_shards(dongs, sites, matchers, shards) != 0) {
        fprintf(stderr, "eonjena-bench e2e: cannot write %s\n", shards);
        eo_dongs_destroy(&dongs);
        return 1;
    }
    eo_dongs_destroy(&dongs);
    snprintf(http, sizeof http, "127.0.0.1:%d", s_free_port());
    snprintf(url, sizeof url, "http://%s", http);
    snprintf(bport, sizeof bport, "%d", s_free_port());
    snprintf(m, sizeof m, "%ld", matchers);
    snprintf(carers, sizeof carers, "%ld", o.carers);
    snprintf(log, sizeof log, "%s.log", dir);
    snprintf(json, sizeof json, "%s/load.json", dir);
    snprintf(trace, sizeof trace, "%s/sms.trace", dir);
    snprintf(reqs, sizeof reqs, "%ld", o.requests);
    snprintf(conns, sizeof conns, "%ld", o.connections);
    snprintf(rate, sizeof rate, "%g", o.rate);
    snprintf(duration, sizeof duration, "%g", (double)o.requests / o.rate * 4 + 30);
    s_stores(dir, matchers, stores, sizeof stores);
    /* Friday 19:00 in Seoul: the call centre's pool hours, when W1's requests get offers;
     * carers answer in 0.2-0.5 s so that settlements land within the run */
    char *start[] = {deploy,
                     "start",
                     dir,
                     "--matchers",
                     m,
                     "--http",
                     http,
                     "--broker-port",
                     bport,
                     "--transport",
                     (char *)o.transport,
                     "--carers",
                     carers,
                     "--bin",
                     bin,
                     "--delay-ms",
                     "200",
                     "--jitter-ms",
                     "300",
                     "--clock",
                     "offset:2026-11-27T19:00:00+09:00",
                     NULL,
                     NULL,
                     [24 + 2 * S_STORE_DIRS_MAX] = NULL};
    size_t k = 0;
    while (start[k])
        k++;
    if (o.config) start[k++] = "--config", start[k++] = (char *)o.config;
    char **placed = start + k; /* "--store-dir", "ROLE=DIR", ...: allocated */
    int nplaced = o.store_dirs ? s_store_dirs(o.store_dirs, placed, err, sizeof err) : 0;
    if (nplaced < 0) { /* empty in s_parse: something wrote there since */
        fprintf(stderr, "eonjena-bench e2e: %s\n", err);
        nplaced = 0, rc = 1;
    } else {
        fprintf(stderr, "eonjena-bench e2e: starting the deployment in %s (log %s)\n", dir,
                log);
        rc = s_exec(start, NULL, log, NULL) == 0 ? 0 : 1;
        if (rc)
            fprintf(stderr, "eonjena-bench e2e: the deployment did not start (see %s)\n", log);
    }
    char load[4200];
    char *stop[] = {deploy, "stop", dir, NULL};
    bool stopped = false;
    s_via_t via = {0};
    snprintf(load, sizeof load, "%s/eonjena-load", bin);
    char *run[32] = {load,   "--url",      url,      "--requests",    reqs,  "--rate",
                     rate,   "--duration", duration, "--sites",       sites, "--connections",
                     conns,  "--trace",    trace,    "--settle-wait", "10",  "--check",
                     stores, "--json",     "--quiet"};
    if (rc == 0 && s_via(&o, dir, &via) != 0) rc = 1;
    for (int i = 0; rc == 0 && i < 8; i++)
        run[21 + i] = via.argv[i];
    if (rc == 0) {
        fprintf(stderr, "eonjena-bench e2e: %ld requests at %g/s over %s\n", o.requests, o.rate,
                sites);
        json_t *before[EO_E2E_COUNTERS], *after[EO_E2E_COUNTERS], *per[EO_E2E_COUNTERS];
        for (int c = 0; c < EO_E2E_COUNTERS; c++)
            before[c] = eo_e2e_sample(dir, (eo_e2e_counter_t)c);
        double load_ms = -1, since_ms = (double)zclock_time();
        if (s_exec(run, json, log, &load_ms) < 0) load_ms = -1;
        for (int c = 0; c < EO_E2E_COUNTERS; c++) {
            after[c] = eo_e2e_sample(dir, (eo_e2e_counter_t)c);
            per[c] = before[c] && after[c] ? eo_e2e_per_request(before[c], after[c],
                                                                (eo_e2e_counter_t)c, o.requests)
                                           : NULL;
        }
        /* stopped first: a matcher logs its last stats line as it stops */
        s_exec(stop, NULL, log, NULL);
        stopped = true;
        json_t *hops = eo_e2e_hops(dir, matchers),
               *batches = eo_e2e_batches(dir, matchers, since_ms);
        rc = s_report(&o, matchers, json, hops, batches, per, load_ms);
        json_decref(batches);
        for (int c = 0; c < EO_E2E_COUNTERS; c++) {
            json_decref(before[c]);
            json_decref(after[c]);
            json_decref(per[c]);
        }
        json_decref(hops);
    }
    if (!stopped) s_exec(stop, NULL, log, NULL);
    if (!o.dir) {
        char *rm[] = {"/bin/rm", "-rf", dir, NULL};
        s_exec(rm, NULL, "/dev/null", NULL);
        for (int i = 1; i < nplaced; i += 2) { /* new or empty before the run */
            rm[2] = strchr(placed[i], '=') + 1;
            s_exec(rm, NULL, "/dev/null", NULL);
        }
        if (rc == 0) unlink(log);
    }
    for (int i = 0; i < nplaced; i++)
        free(placed[i]);
    return rc;
}
