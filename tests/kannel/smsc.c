/* smsc.c: what a test sees of Kannel's fake SMSC (see smsc.h). */
#include <czmq.h>
#include <iconv.h>

#include "smsc.h"

const char *smsc_env(const char *name)
{
    const char *v = getenv(name);
    if (!v) {
        fprintf(stderr, "kannel: %s not set (run the test through tests/kannel/run.sh)\n",
                name);
        exit(1);
    }
    return v;
}

/* Decode fakesmsc's "%C2%18..." (URL-encoded UCS-2 big-endian) into UTF-8. */
static char *s_ucs2(const char *enc)
{
    char raw[2048];
    size_t n = 0;
    for (const char *p = enc; *p && n < sizeof raw; p++) {
        if (*p == '%' && p[1] && p[2]) {
            char hex[3] = {p[1], p[2], 0};
            raw[n++] = (char)strtol(hex, NULL, 16);
            p += 2;
        } else
            raw[n++] = *p == '+' ? ' ' : *p;
    }
    char *out = calloc(1, 4096);
    iconv_t cd = iconv_open("UTF-8", "UCS-2BE");
    char *in = raw, *o = out;
    size_t inleft = n, outleft = 4095;
    iconv(cd, &in, &inleft, &o, &outleft);
    iconv_close(cd);
    return out;
}

/* The texts fakesmsc received for `to` ("Got message N: <from to ucs-2 data>"), joined
 * by newlines. */
char *smsc_received(const char *out_path, const char *to)
{
    FILE *f = fopen(out_path, "r");
    char line[8192];
    char *all = strdup("");
    while (f && fgets(line, sizeof line, f)) {
        char *m = strstr(line, "Got message");
        char from[32], dst[32], type[16], data[4096];
        if (!m || !(m = strchr(m, '<'))) continue;
        if (sscanf(m + 1, "%31s %31s %15s %4095[^>]", from, dst, type, data) != 4 ||
            strcmp(dst, to))
            continue;
        /* a long text comes in parts: "udh <header> data <UCS-2>", joined up here */
        char udh[64] = "", payload[4096];
        bool part = streq(type, "udh") && sscanf(data, "%63s data %4095s", udh, payload) == 2;
        char *text = part                   ? s_ucs2(payload)
                     : streq(type, "ucs-2") ? s_ucs2(data)
                                            : strdup(data);
        size_t len = strlen(all);
        size_t ulen = strlen(udh);
        bool first = ulen >= 3 && streq(udh + ulen - 3, "%01"); /* the part number */
        if (part && len && all[len - 1] == '\n' && !first)
            all[len - 1] = 0; /* not the first part: continue the previous line */
        char *joined = zsys_sprintf("%s%s\n", all, text);
        free(all);
        free(text);
        all = joined;
    }
    if (f) fclose(f);
    return all;
}

/* Type an MO into fakesmsc: Hangul as UCS-2, URL-encoded. */
void smsc_mo(const char *fifo, const char *from, const char *text)
{
    char ucs[1024];
    iconv_t cd = iconv_open("UCS-2BE", "UTF-8");
    char *in = (char *)text, *o = ucs;
    size_t inleft = strlen(text), outleft = sizeof ucs;
    iconv(cd, &in, &inleft, &o, &outleft);
    iconv_close(cd);
    size_t n = sizeof ucs - outleft;
    char line[4096];
    size_t at = (size_t)snprintf(line, sizeof line, "%s 1588 ucs2 ", from);
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(line + at, sizeof line - at, "%%%02X", (unsigned char)ucs[i]);
    line[at++] = '\n';
    FILE *f = fopen(fifo, "w");
    assert(f);
    fwrite(line, 1, at, f);
    fclose(f);
}

zconfig_t *smsc_sms_config(void)
{
    char *text = zsys_sprintf("sms\n"
                              "    listen = \"127.0.0.1:%s\"\n"
                              "    sites\n"
                              "        default\n"
                              "            adapter = kannel\n"
                              "    adapters\n"
                              "        kannel\n"
                              "            type = kannel\n"
                              "            sendsms = \"%s\"\n"
                              "            username = \"%s\"\n"
                              "            password = \"%s\"\n"
                              "            from = \"0311234567\"\n"
                              "            connections = 4\n"
                              "            dlr_mask = 3\n"
                              "            inbound_secret = \"%s\"\n",
                              smsc_env("EO_SMS_PORT"), smsc_env("KANNEL_SENDSMS_URL"),
                              smsc_env("KANNEL_USER"), smsc_env("KANNEL_PASSWORD"),
                              smsc_env("KANNEL_MO_KEY"));
    zconfig_t *config = zconfig_str_load(text);
    zstr_free(&text);
    assert(config);
    return config;
}
