/* wire.c: frame helpers of the broker protocol (see broker_priv.h). */
#include "broker_priv.h"

#include "eonjena/eo_error.h"

int eo_wire_recv(void *sock, zframe_t **frames, int max)
{
    zframe_t *f = zframe_recv_nowait(sock);
    if (!f) return 0;
    int n = 0;
    bool overflow = false;
    while (f) {
        /* zmq delivers a message whole: once the first frame is here, the rest is */
        bool more = zframe_more(f);
        if (n < max)
            frames[n++] = f;
        else {
            overflow = true;
            zframe_destroy(&f);
        }
        f = more ? zframe_recv(sock) : NULL;
    }
    if (overflow) {
        eo_wire_free(frames, n);
        return -1;
    }
    return n;
}

void eo_wire_free(zframe_t **frames, int n)
{
    for (int i = 0; i < n; i++)
        zframe_destroy(&frames[i]);
}

static int s_send_mem(void *sock, const void *data, size_t size, bool more)
{
    return zmq_send(zsock_resolve(sock), data, size, more ? ZMQ_SNDMORE : 0) < 0 ? -1 : 0;
}

int eo_wire_send(void *sock, zframe_t *routing, const char *header, int cmd, zframe_t **frames,
                 int n)
{
    uint8_t c = (uint8_t)cmd;
    if (routing && zframe_send(&routing, sock, ZFRAME_MORE | ZFRAME_REUSE) != 0) return EO_EIO;
    if (s_send_mem(sock, header, EO_WIRE_HDR_LEN, true) != 0 ||
        s_send_mem(sock, &c, 1, n > 0) != 0)
        return EO_EIO;
    for (int i = 0; i < n; i++) {
        int more = i + 1 < n ? ZFRAME_MORE : 0;
        int rc = frames[i] ? zframe_send(&frames[i], sock, more | ZFRAME_REUSE)
                           : s_send_mem(sock, "", 0, more != 0);
        if (rc != 0) return EO_EIO;
    }
    return EO_OK;
}

int eo_wire_sendv(void *sock, zframe_t *routing, const char *header, int cmd, const void **ptrs,
                  const size_t *sizes, int n)
{
    uint8_t c = (uint8_t)cmd;
    if (routing && zframe_send(&routing, sock, ZFRAME_MORE | ZFRAME_REUSE) != 0) return EO_EIO;
    if (s_send_mem(sock, header, EO_WIRE_HDR_LEN, true) != 0 ||
        s_send_mem(sock, &c, 1, n > 0) != 0)
        return EO_EIO;
    for (int i = 0; i < n; i++)
        if (s_send_mem(sock, ptrs[i] ? ptrs[i] : "", ptrs[i] ? sizes[i] : 0, i + 1 < n) != 0)
            return EO_EIO;
    return EO_OK;
}

bool eo_wire_str(zframe_t *frame, char *buf, size_t cap, bool allow_empty)
{
    size_t size = zframe_size(frame);
    if (size >= cap || (size == 0 && !allow_empty)) return false;
    memcpy(buf, zframe_data(frame), size);
    buf[size] = 0;
    return strlen(buf) == size;
}

const char *eo_wire_reason(int err)
{
    return eo_strerror(err);
}

int eo_wire_reason_value(zframe_t *frame)
{
    static const int known[] = {EO_EOVERLOAD, EO_ENOTFOUND, EO_ETIMEOUT, EO_EINVAL,
                                EO_EDEADLETTER};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (zframe_streq(frame, eo_strerror(known[i]))) return known[i];
    return EO_EIO; /* EVERSION and anything we do not know */
}

bool eo_wire_is_tcp(const char *endpoint)
{
    return endpoint && strncmp(endpoint, "tcp://", 6) == 0;
}

/* One endpoint: inproc:// and ipc:// never leave the host; tcp:// on a loopback
 * address (127.0.0.0/8, ::1, localhost) does not either. A wildcard or an interface
 * name may face a network. */
static bool s_local_one(const char *e)
{
    if (strncmp(e, "inproc://", 9) == 0 || strncmp(e, "ipc://", 6) == 0) return true;
    if (strncmp(e, "tcp://", 6) != 0) return false;
    const char *host = e + 6;
    return strncmp(host, "127.", 4) == 0 || strncmp(host, "localhost:", 10) == 0 ||
           strncmp(host, "[::1]:", 6) == 0;
}

bool eo_endpoint_is_local(const char *endpoints)
{
    if (!endpoints || !*endpoints) return false;
    char *copy = strdup(endpoints);
    bool local = copy != NULL;
    for (char *save = NULL, *e = strtok_r(copy, ",", &save); e && local;
         e = strtok_r(NULL, ",", &save))
        local = s_local_one(e);
    free(copy);
    return local;
}

static int s_curve_client(zsock_t *sock, const char *server_public, const char *secret)
{
    zcert_t *server = zcert_load(server_public);
    if (!server) {
        zsys_error("broker: cannot load the server certificate '%s'", server_public);
        return EO_EINVAL;
    }
    zcert_t *mine = secret ? zcert_load(secret) : zcert_new();
    if (!mine) {
        zsys_error("broker: cannot load the certificate '%s'", secret);
        zcert_destroy(&server);
        return EO_EINVAL;
    }
    zcert_apply(mine, sock);
    zsock_set_curve_serverkey(sock, zcert_public_txt(server));
    zcert_destroy(&mine);
    zcert_destroy(&server);
    return EO_OK;
}

int eo_wire_dealer(zsock_t **sock_p, const char *endpoint, const char *server_public,
                   const char *secret, int hwm, const char *who)
{
    zsock_destroy(sock_p);
    zsock_t *sock = *sock_p = zsock_new(ZMQ_DEALER);
    if (!sock) return EO_EIO;
    zsock_set_linger(sock, 0);
    if (hwm > 0) {
        zsock_set_sndhwm(sock, hwm);
        zsock_set_rcvhwm(sock, hwm);
    }
    zsock_set_reconnect_ivl(sock, 100);
    /* never block: with no connection (or a refused handshake) a send fails at once and
     * the caller keeps what it sent, to send again after the reconnect */
    zsock_set_sndtimeo(sock, 0);
    if (server_public && eo_wire_is_tcp(endpoint) &&
        s_curve_client(sock, server_public, secret) != EO_OK)
        return EO_EINVAL;
    if (zsock_connect(sock, "%s", endpoint) != 0) {
        zsys_error("broker %s: cannot connect to %s", who, endpoint);
        return EO_EIO;
    }
    return EO_OK;
}

int eo_wire_wait(zsock_t *sock, int64_t now, int64_t deadline, int64_t next_ping)
{
    int64_t wait = deadline - now;
    if (wait > next_ping - now) wait = next_ping - now;
    if (wait < 1) wait = 1;
    zmq_pollitem_t item = {zsock_resolve(sock), 0, ZMQ_POLLIN, 0};
    return zmq_poll(&item, 1, (long)wait) < 0 && zmq_errno() != EINTR ? -1 : 0;
}
