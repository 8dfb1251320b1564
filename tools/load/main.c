/* eonjena-load: W1 requests at a rate through a running deployment's HTTP API (or straight
 * into its broker), and what became of them (docs/load.md). */
#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "common/opts.h"
#include "eonjena/eo_broker.h"
#include "load.h"

#define S_MAX_STORES 32

typedef struct {
    const char *url, *key, *key_file, *sites, *trace, *check, *eonjena, *run, *acked;
    const char *broker, *broker_cert, *cert; /* direct mode */
    double rate, duration, settle_wait;
    uint32_t max;
    uint64_t seed;
    int connections, timeout_ms;
    bool allow_remote, json, quiet;
} s_opts_t;

typedef struct {
    s_opts_t o;
    eo_dongs_t *dongs;
    eo_w1_t *w1;
    eo_load_driver_t *driver;
    eo_load_trace_t *trace;
    eo_load_broker_config_t direct;
    double started, sending_s; /* monotonic s; how long the sending took */
    bool interrupted;          /* SIGINT or SIGTERM: the sending stopped early */
    char key[256];
    char run[32]; /* the run's tag for its client keys */
} s_load_t;

static double s_now(void)
{
    return (double)zclock_usecs() / 1e6;
}

static const char s_about[] =
    "Send W1 requests (docs/workload.md) at --rate per second for --duration\n"
    "seconds (at most --requests) to a running deployment's POST /v1/requests,\n"
    "from --connections kept-alive connections, with one progress line a second\n"
    "(rate, errors, open cases). With --trace (the sms role's sim trace) it also\n"
    "times the offers handed to the simulated gateway and the settlements.\n"
    "At the end: latencies intake -> 201, -> offers sent, -> settled (p50, p99,\n"
    "p99.9 in ms), throughput, errors by code, and `eonjena check` of every\n"
    "store in --check. Loopback only unless --allow-remote. Exit 1 if a check\n"
    "fails or nothing was accepted. SIGINT or SIGTERM (Ctrl-C) stops the sending:\n"
    "the requests in flight are answered, the report covers what was sent, and\n"
    "the exit status is 130.\n"
    "With --broker it sends the requests straight into the broker instead, as the\n"
    "gateway would (its intake reads each body; no HTTP, no API key): the same\n"
    "figures without the API's share. Over tcp the broker wants CURVE: --broker-cert\n"
    "and a --cert it admits (a deployment's keys/gateway_secret). The clock requests\n"
    "are drawn for is still --url's when one is given, else this machine's.";

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    *o = (s_opts_t){.sites = "*",
                    .rate = 50,
                    .duration = 10,
                    .settle_wait = 10,
                    .seed = 1,
                    .connections = 32,
                    .timeout_ms = EO_LOAD_TIMEOUT_MS};
    /* rate duration requests seed connections settle-wait timeout */
    const char *v[8] = {NULL};
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("url", "URL", &o->url, "the API (http://127.0.0.1:8080)"),
        EO_OPT_VALUE("key", "KEY", &o->key,
                     "an API key (`eonjena key add --role operator`); none: the server "
                     "runs --insecure-demo"),
        EO_OPT_VALUE("key-file", "FILE", &o->key_file, "read the key from FILE instead"),
        EO_OPT_VALUE("rate", "R", &v[0], "requests per second (50)"),
        EO_OPT_VALUE("duration", "S", &v[1], "seconds of sending (10)"),
        EO_OPT_VALUE("requests", "N", &v[2], "requests at most (rate x duration)"),
        EO_OPT_VALUE("sites", "LIST", &o->sites, "W1 sites to draw from, comma-separated (*)"),
        EO_OPT_VALUE("seed", "S", &v[3], "the W1 seed (1)"),
        EO_OPT_VALUE("connections", "C", &v[4], "requests in flight at most (32)"),
        EO_OPT_VALUE("timeout", "MS", &v[6],
                     "a request unanswered this long counts as client_timeout (30000)"),
        EO_OPT_VALUE("trace", "FILE", &o->trace,
                     "the sms role's sim trace (sms/adapters/<sim>/trace)"),
        EO_OPT_VALUE(
            "settle-wait", "S", &v[5],
            "after sending, wait at most this long for cases with offers out to close (10)"),
        EO_OPT_VALUE("check", "DIRS", &o->check,
                     "stores to `eonjena check` at the end, comma-separated"),
        EO_OPT_VALUE("eonjena", "PATH", &o->eonjena,
                     "the eonjena command (the one next to this program)"),
        EO_OPT_VALUE("run", "TAG", &o->run,
                     "a tag for this run's client keys (letters, digits; default: the time)"),
        EO_OPT_VALUE("acked", "FILE", &o->acked,
                     "write the id of every accepted (201) request to FILE, one a line"),
        EO_OPT_VALUE("broker", "ENDPOINT", &o->broker,
                     "send straight into this broker (tcp://127.0.0.1:5555, ipc://PATH)"),
        EO_OPT_VALUE("broker-cert", "FILE", &o->broker_cert,
                     "with --broker over tcp: the broker's public cert (CURVE)"),
        EO_OPT_VALUE("cert", "FILE", &o->cert,
                     "with --broker over tcp: a secret cert the broker admits"),
        EO_OPT_FLAG("allow-remote", &o->allow_remote,
                    "allow an API or a broker that is not on loopback"),
        EO_OPT_FLAG("json", &o->json, "print the result as one JSON line on stdout"),
        EO_OPT_FLAG("quiet", &o->quiet, "no progress lines"),
        EO_OPT_END,
    };
    eo_opts_t p = {.prog = "eonjena-load", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&p, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    o->rate = v[0] ? atof(v[0]) : o->rate;
    o->duration = v[1] ? atof(v[1]) : o->duration;
    o->seed = v[3] ? strtoull(v[3], NULL, 10) : o->seed;
    o->connections = v[4] ? atoi(v[4]) : o->connections;
    o->settle_wait = v[5] ? atof(v[5]) : o->settle_wait;
    o->timeout_ms = v[6] ? atoi(v[6]) : o->timeout_ms;
    double planned = o->rate * o->duration;
    o->max = v[2] ? (uint32_t)atol(v[2]) : (uint32_t)(planned < 1 ? 1 : planned);
    if (o->rate <= 0 || o->rate > 100000 || o->duration <= 0 || o->duration > 86400 ||
        o->max == 0 || o->connections < 1 || o->connections > 1024 || o->settle_wait < 0 ||
        o->timeout_ms < 1 || o->timeout_ms > 600000)
        return eo_opts_fail(&p, "a number out of range");
    if (o->key && o->key_file) return eo_opts_fail(&p, "give --key or --key-file, not both");
    if (o->run &&
        strspn(o->run, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
            strlen(o->run))
        return eo_opts_fail(&p, "--run takes letters and digits only");
    if ((o->broker_cert || o->cert) && !o->broker)
        return eo_opts_fail(&p, "--broker-cert and --cert go with --broker");
    if (!o->broker_cert != !o->cert)
        return eo_opts_fail(&p, "CURVE needs both --broker-cert and --cert");
    if (o->broker && (o->key || o->key_file))
        return eo_opts_fail(&p, "--broker takes no API key: the broker does not read one");
    if (!o->broker && !o->url) o->url = "http://127.0.0.1:8080";
    return EO_OPTS_RUN;
}

/* Is the URL's host the loopback interface? */
static bool s_loopback(const char *url)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    return strncmp(host, "127.", 4) == 0 || strncmp(host, "localhost", 9) == 0 ||
           strncmp(host, "[::1]", 5) == 0;
}

static size_t s_keep(char *ptr, size_t size, size_t n, void *arg)
{
    char *buf = arg;
    size_t have = strlen(buf), len = size * n;
    if (have + len < 1024) {
        memcpy(buf + have, ptr, len);
        buf[have + len] = '\0';
    }
    return len;
}

/* The server's clock, from GET /v1/health: requests are drawn for its time, not ours. */
static int s_server_now(const char *url, eo_time_t *now)
{
    char full[600], body[1024] = "";
    snprintf(full, sizeof full, "%s/v1/health", url);
    CURL *c = curl_easy_init();
    if (!c) return EO_ENOMEM;
    curl_easy_setopt(c, CURLOPT_URL, full);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    json_t *root = rc == CURLE_OK ? json_loads(body, 0, NULL) : NULL;
    json_t *t = json_object_get(root, "time");
    int result =
        json_is_string(t) && eo_time_parse(json_string_value(t), now) == EO_OK ? EO_OK : EO_EIO;
    json_decref(root);
    return result;
}

/* The sites driven, as bits of the dong table's site indexes. */
static int s_site_mask(const eo_dongs_t *dongs, const char *list, uint64_t *mask)
{
    *mask = 0;
    if (streq(list, "*")) {
        for (size_t s = 0; s < eo_dongs_site_count(dongs); s++)
            if (eo_dongs_site(dongs, (int)s)->services & EO_SERVICE_VISIT) *mask |= 1ULL << s;
        return EO_OK;
    }
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int s = eo_dongs_site_find(dongs, tok);
        if (s < 0 || !(eo_dongs_site(dongs, s)->services & EO_SERVICE_VISIT)) {
            fprintf(stderr,
                    "eonjena-load: '%s' is no W1 site (a 방문형 site of data/sites.tsv)\n",
                    tok);
            return EO_EINVAL;
        }
        *mask |= 1ULL << s;
    }
    return *mask ? EO_OK : EO_EINVAL;
}

/* The key, from --key or the first line of --key-file. */
static int s_key(s_load_t *self)
{
    if (self->o.key_file) {
        FILE *f = fopen(self->o.key_file, "r");
        if (!f || !fgets(self->key, sizeof self->key, f)) {
            fprintf(stderr, "eonjena-load: cannot read a key from %s\n", self->o.key_file);
            if (f) fclose(f);
            return EO_EINVAL;
        }
        fclose(f);
        self->key[strcspn(self->key, "\r\n")] = '\0';
        self->o.key = self->key;
    }
    return EO_OK;
}

static int s_setup(s_load_t *self)
{
    char err[256];
    uint64_t mask;
    eo_time_t now;
    if (s_key(self) != EO_OK) return EO_EINVAL;
    if (!(self->dongs = eo_dongs_load_default(err, sizeof err))) {
        fprintf(stderr, "eonjena-load: %s\n", err);
        return EO_EINVAL;
    }
    if (s_site_mask(self->dongs, self->o.sites, &mask) != EO_OK) return EO_EINVAL;
    if (!self->o.url)
        now = (eo_time_t)(zclock_time() / 1000);
    else if (s_server_now(self->o.url, &now) != EO_OK) {
        fprintf(stderr, "eonjena-load: no answer from %s/v1/health\n", self->o.url);
        return EO_EIO;
    }
    /* W1 draws starts 2 h to 36 h after its clock: put the clock past the end of the run,
     * so every start keeps the 2 h lead the matcher asks for until the last request */
    eo_time_t clock = now + (eo_time_t)self->o.duration + 60;
    clock += 1800 - clock % 1800;
    self->w1 = eo_w1_new(self->dongs, self->o.seed, clock);
    if (self->o.trace && !(self->trace = eo_load_trace_new(self->o.trace))) {
        fprintf(stderr, "eonjena-load: cannot read the trace %s\n", self->o.trace);
        return EO_EIO;
    }
    snprintf(self->run, sizeof self->run, "%s", self->o.run ? self->o.run : "");
    if (!*self->run)
        snprintf(self->run, sizeof self->run, "L%lld",
                 (long long)(zclock_time() / 1000) % 100000000);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    eo_load_driver_config_t dc = {
        .url = self->o.url,
        .key = self->o.key,
        .connections = self->o.connections,
        .timeout_ms = self->o.timeout_ms,
        .rate = self->o.rate,
        .max = self->o.max,
        .stop_us = ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000) +
                   (int64_t)(self->o.duration * 1e6),
        .dongs = self->dongs,
        .w1 = self->w1,
        .sites = mask,
        .run = self->run,
    };
    if (self->o.broker) {
        self->direct = (eo_load_broker_config_t){
            .endpoint = self->o.broker,
            .server_public = self->o.broker_cert,
            .secret = self->o.cert,
            .dongs = self->dongs,
            .run = self->run,
            .clock_offset_ms = (int64_t)now * 1000 - zclock_time(),
        };
        dc.broker = &self->direct;
    }
    self->driver = self->w1 ? eo_load_driver_new(&dc) : NULL;
    return self->driver ? EO_OK : EO_ENOMEM;
}

/* Accepted requests and errors so far. */
static void s_counts(s_load_t *self, size_t *sent, size_t *ok, size_t *errors)
{
    eo_load_req_t *reqs = eo_load_driver_requests(self->driver, sent);
    *ok = *errors = 0;
    for (size_t i = 0; i < *sent; i++) {
        *ok += reqs[i].status == 201;
        *errors += reqs[i].answered_us && reqs[i].status != 201;
    }
}

static void s_progress(s_load_t *self, size_t *last_sent)
{
    size_t sent, ok, errors;
    s_counts(self, &sent, &ok, &errors);
    size_t closed = self->trace ? eo_load_trace_closed(self->trace) : 0;
    if (!self->o.quiet) {
        fprintf(stderr, "eonjena-load: %5.0f s  sent %zu (%zu/s)  accepted %zu  errors %zu",
                s_now() - self->started, sent, sent - *last_sent, ok, errors);
        if (self->trace) fprintf(stderr, "  open %zu", ok > closed ? ok - closed : 0);
        fprintf(stderr, "  lag %.0f ms\n", eo_load_driver_lag_ms(self->driver));
    }
    *last_sent = sent;
}

/* Send everything, then give the trace settle-wait seconds to close what it can. */
static void s_run(s_load_t *self)
{
    self->started = s_now();
    double next_progress = self->started + 1;
    size_t last_sent = 0;
    while (eo_load_driver_step(self->driver, 20)) {
        /* czmq's handler only sets the flag: stop sending, take in what is in flight */
        if (zsys_interrupted && !self->interrupted) {
            self->interrupted = true;
            eo_load_driver_stop(self->driver);
            fprintf(stderr, "eonjena-load: interrupted: nothing more is sent; the requests "
                            "in flight are answered, then the report\n");
        }
        if (self->trace) eo_load_trace_poll(self->trace);
        if (s_now() >= next_progress) {
            s_progress(self, &last_sent);
            next_progress += 1;
        }
    }
    self->sending_s = s_now() - self->started;
    size_t sent, ok, errors;
    s_counts(self, &sent, &ok, &errors);
    /* cases queued for a later start get no offers within a run: wait for those that
     * have offers out (a second at least: the last requests' offers are on their way) */
    double until = s_now() + self->o.settle_wait, least = s_now() + 1;
    while (self->trace && !zsys_interrupted && s_now() < until &&
           eo_load_trace_closed(self->trace) < ok &&
           (s_now() < least || eo_load_trace_offered_open(self->trace) > 0)) {
        zclock_sleep(50);
        eo_load_trace_poll(self->trace);
        if (s_now() >= next_progress) {
            s_progress(self, &last_sent);
            next_progress += 1;
        }
    }
}

typedef struct {
    eo_load_pct_t intake, offers, settled;
    size_t sent, ok, settled_n, escalated, offered, queued;
    zhashx_t *errors; /* "status code" -> count */
} s_result_t;

static void s_count_error(zhashx_t *errors, const eo_load_req_t *r)
{
    char key[64];
    snprintf(key, sizeof key, "%d %s", r->status, r->code);
    uintptr_t n = (uintptr_t)zhashx_lookup(errors, key);
    zhashx_update(errors, key, (void *)(n + 1));
}

static void s_tally(s_load_t *self, s_result_t *res)
{
    eo_load_req_t *reqs = eo_load_driver_requests(self->driver, &res->sent);
    double *a = calloc(res->sent + 1, sizeof *a), *b = calloc(res->sent + 1, sizeof *b),
           *c = calloc(res->sent + 1, sizeof *c);
    size_t na = 0, nb = 0, nc = 0;
    res->errors = zhashx_new();
    for (size_t i = 0; i < res->sent; i++) {
        const eo_load_req_t *r = &reqs[i];
        if (r->status != 201) {
            s_count_error(res->errors, r);
            continue;
        }
        res->ok++;
        a[na++] = (double)(r->answered_us - r->sent_us) / 1000.0;
        const eo_load_fate_t *f = self->trace ? eo_load_trace_fate(self->trace, r->id) : NULL;
        if (f && f->offers_us) {
            b[nb++] = (double)(f->offers_us - r->sent_us) / 1000.0;
            res->offered++;
        }
        if (f && f->settled_us) {
            c[nc++] = (double)(f->settled_us - r->sent_us) / 1000.0;
            res->settled_n++;
        }
        res->escalated += f && f->escalated_us && !f->settled_us;
        res->queued += f && f->queued_us && !f->escalated_us && !f->settled_us;
    }
    res->intake = eo_load_pct(a, na);
    res->offers = eo_load_pct(b, nb);
    res->settled = eo_load_pct(c, nc);
    free(a);
    free(b);
    free(c);
}

/* Check every store of --check; "ok", "failed" or "none". */
static const char *s_checks(s_load_t *self, FILE *out)
{
    if (!self->o.check || !*self->o.check) return "none";
    char eonjena[4096];
    if (self->o.eonjena)
        snprintf(eonjena, sizeof eonjena, "%s", self->o.eonjena);
    else {
        char self_path[4096];
        ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
        self_path[n > 0 ? n : 0] = '\0';
        snprintf(eonjena, sizeof eonjena, "%s/eonjena", n > 0 ? dirname(self_path) : ".");
    }
    bool all = true;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", self->o.check);
    for (char *save = NULL, *dir = strtok_r(buf, ",", &save); dir;
         dir = strtok_r(NULL, ",", &save)) {
        bool ok = eo_load_check(eonjena, dir);
        fprintf(out, "check %s: %s\n", dir, ok ? "ok" : "FAILED");
        all = all && ok;
    }
    return all ? "ok" : "failed";
}

static void s_print(s_load_t *self, s_result_t *res, FILE *out)
{
    fprintf(out,
            "eonjena-load: %zu requests in %.1f s (%.1f/s, asked %.0f/s), %zu accepted, "
            "worst lag %.0f ms\n",
            res->sent, self->sending_s, self->sending_s > 0 ? res->sent / self->sending_s : 0,
            self->o.rate, res->ok, eo_load_driver_lag_ms(self->driver));
    if (self->interrupted) fprintf(out, "  (interrupted: stopped sending early)\n");
    fprintf(out, "  %-24s %8s %9s %9s %9s %9s\n", "latency (ms)", "n", "p50", "p99", "p99.9",
            "max");
    eo_load_pct_print(out, "intake -> 201", &res->intake);
    if (self->trace) {
        eo_load_pct_print(out, "intake -> offers sent", &res->offers);
        eo_load_pct_print(out, "intake -> settled", &res->settled);
        fprintf(out,
                "  cases: %zu offered, %zu settled, %zu escalated, %zu queued for a "
                "provider, %zu open\n",
                res->offered, res->settled_n, res->escalated, res->queued,
                res->ok - res->settled_n - res->escalated - res->queued);
        eo_load_answers_t a = eo_load_trace_answers(self->trace);
        double n = a.offers ? (double)a.offers / 100.0 : 1;
        fprintf(out,
                "  carers: %zu offers, %zu accepted (%.0f %%), %zu declined (%.0f %%), %zu "
                "silent (%.0f %%)\n",
                a.offers, a.accepts, a.accepts / n, a.declines, a.declines / n,
                a.offers - a.accepts - a.declines, (a.offers - a.accepts - a.declines) / n);
    }
    for (void *n = zhashx_first(res->errors); n; n = zhashx_next(res->errors))
        fprintf(out, "  error %s: %zu\n", (const char *)zhashx_cursor(res->errors),
                (size_t)(uintptr_t)n);
}

/* The ids the deployment acknowledged: what a chaos run must find again afterwards. */
static int s_write_acked(s_load_t *self)
{
    FILE *f = fopen(self->o.acked, "w");
    if (!f) {
        fprintf(stderr, "eonjena-load: cannot write %s: %s\n", self->o.acked, strerror(errno));
        return EO_EIO;
    }
    size_t n;
    eo_load_req_t *reqs = eo_load_driver_requests(self->driver, &n);
    for (size_t i = 0; i < n; i++)
        if (reqs[i].status == 201 && reqs[i].id[0]) fprintf(f, "%s\n", reqs[i].id);
    if (fclose(f) != 0) {
        fprintf(stderr, "eonjena-load: cannot write %s: %s\n", self->o.acked, strerror(errno));
        return EO_EIO;
    }
    return EO_OK;
}

static void s_pct_json(json_t *o, const char *name, const eo_load_pct_t *p)
{
    json_object_set_new(o, name,
                        json_pack("{s:I,s:f,s:f,s:f,s:f}", "n", (json_int_t)p->n, "p50", p->p50,
                                  "p99", p->p99, "p999", p->p999, "max", p->max));
}

static void s_json(s_load_t *self, s_result_t *res, const char *check)
{
    json_t *errors = json_object();
    for (void *n = zhashx_first(res->errors); n; n = zhashx_next(res->errors))
        json_object_set_new(errors, zhashx_cursor(res->errors),
                            json_integer((json_int_t)(uintptr_t)n));
    json_t *o = json_pack("{s:s,s:I,s:f,s:f,s:f,s:I,s:o,s:I,s:I,s:I,s:f,s:s}", "load", "w1",
                          "requests", (json_int_t)res->sent, "seconds", self->sending_s,
                          "req_per_s", self->sending_s > 0 ? res->sent / self->sending_s : 0.0,
                          "rate", self->o.rate, "accepted", (json_int_t)res->ok, "errors",
                          errors, "offered", (json_int_t)res->offered, "settled",
                          (json_int_t)res->settled_n, "escalated", (json_int_t)res->escalated,
                          "lag_ms", eo_load_driver_lag_ms(self->driver), "check", check);
    if (self->interrupted) json_object_set_new(o, "interrupted", json_true());
    if (self->trace) {
        json_object_set_new(o, "queued", json_integer((json_int_t)res->queued));
        json_object_set_new(o, "open",
                            json_integer((json_int_t)(res->ok - res->settled_n -
                                                      res->escalated - res->queued)));
        eo_load_answers_t a = eo_load_trace_answers(self->trace);
        json_object_set_new(o, "carers",
                            json_pack("{s:I,s:I,s:I,s:I}", "offers", (json_int_t)a.offers,
                                      "accepted", (json_int_t)a.accepts, "declined",
                                      (json_int_t)a.declines, "silent",
                                      (json_int_t)(a.offers - a.accepts - a.declines)));
    }
    s_pct_json(o, "intake_201_ms", &res->intake);
    s_pct_json(o, "offers_sent_ms", &res->offers);
    s_pct_json(o, "settled_ms", &res->settled);
    char *text = json_dumps(o, JSON_COMPACT);
    printf("%s\n", text);
    free(text);
    json_decref(o);
}

static void s_destroy(s_load_t *self)
{
    eo_load_driver_destroy(&self->driver);
    eo_load_trace_destroy(&self->trace);
    eo_w1_destroy(&self->w1);
    eo_dongs_destroy(&self->dongs);
}

int main(int argc, char **argv)
{
    s_load_t self = {0};
    int rc = s_parse(argc, argv, &self.o);
    if (rc != EO_OPTS_RUN) return rc;
    const char *remote = self.o.url && !s_loopback(self.o.url)                   ? self.o.url
                         : self.o.broker && !eo_endpoint_is_local(self.o.broker) ? self.o.broker
                                                                                 : NULL;
    if (!self.o.allow_remote && remote) {
        fprintf(stderr, "eonjena-load: %s is not on loopback (give --allow-remote)\n", remote);
        return 2;
    }
    zsys_init();
    zsys_set_logstream(stderr);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (s_setup(&self) != EO_OK) {
        s_destroy(&self);
        return 1;
    }
    s_run(&self);
    s_result_t res = {0};
    s_tally(&self, &res);
    FILE *out = self.o.json ? stderr : stdout;
    s_print(&self, &res, out);
    const char *check = s_checks(&self, out);
    if (self.o.acked && s_write_acked(&self) != EO_OK) check = "failed";
    if (self.o.json) s_json(&self, &res, check);
    zhashx_destroy(&res.errors);
    bool interrupted = self.interrupted;
    s_destroy(&self);
    curl_global_cleanup();
    if (interrupted) return 130; /* as a shell reports a command ended by SIGINT */
    return streq(check, "failed") || res.ok == 0 ? 1 : 0;
}
