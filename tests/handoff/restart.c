/* handoff.restart: a real eonjena-handoff process behind a real broker. Five items are
 * sent through the broker and acknowledged (stored); the process is killed with SIGKILL
 * while the receiver holds the answer to the first delivery; restarted, it delivers all
 * five in order, the first one twice (the receiver deduplicates it by Idempotency-Key),
 * and SIGTERM stops it with exit status 0 and an empty queue. */
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "fixture.h"

#define S_START "2026-11-23T10:00" /* a Monday, inside business hours */
#define S_ITEMS 5
#define S_WAIT_MS 20000

extern char **environ;

static pid_t s_spawn(const char *dir, const char *endpoint)
{
    char *bin = zsys_sprintf("%s/eonjena-handoff", getenv("EO_BINARY_DIR"));
    char *config = zsys_sprintf("%s/eonjena.cfg", dir);
    char *store = zsys_sprintf("%s/store", dir);
    char *argv[] = {
        bin,       "--broker", (char *)endpoint, "--config",        config,   "--store", store,
        "--sites", "guri",     "--clock",        "manual:" S_START, "--init", NULL};
    pid_t pid = 0;
    assert(posix_spawn(&pid, bin, NULL, NULL, argv, environ) == 0);
    zstr_free(&bin);
    zstr_free(&config);
    zstr_free(&store);
    return pid;
}

static void s_send(eo_client_t *client, const char *id)
{
    size_t size;
    uint8_t *bytes =
        fx_item_event(id, EO__HANDOFF_ITEM__KIND__KIND_WAITING, fx_time(S_START), &size);
    zframe_t *reply = NULL;
    assert(eo_client_request(client, "handoff", "guri", bytes, size, S_WAIT_MS, &reply) ==
           EO_OK);
    char err[128];
    Eo__Event *ack = eo_event_decode(zframe_data(reply), zframe_size(reply), err, sizeof err);
    assert(ack && ack->body_case == EO__EVENT__BODY_ACK && ack->ack->n_ids == 1);
    assert(streq(ack->ack->ids[0], id));
    eo_event_free(&ack);
    zframe_destroy(&reply);
    free(bytes);
}

int main(void)
{
    zsys_init();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/restart", getenv("EO_TEST_TMP"));
    fx_remove_tree(dir);
    assert(zsys_dir_create("%s", dir) == 0);
    eo_clock_t *clock = eo_clock_new_manual(fx_time(S_START) * 1000);
    receiver_t *receiver = receiver_new(FX_SECRET, clock);
    char *text = fx_config_text(receiver_url(receiver), FX_SECRET);
    char *path = zsys_sprintf("%s/eonjena.cfg", dir);
    FILE *f = fopen(path, "w");
    assert(f && fputs(text, f) >= 0 && fclose(f) == 0);
    zstr_free(&text);
    zstr_free(&path);
    char *endpoint = zsys_sprintf("ipc://%s/broker.ipc", dir);
    eo_broker_t *broker = eo_broker_new(endpoint, NULL);
    assert(broker);
    eo_client_t *client = eo_client_new(endpoint, NULL, NULL);
    assert(client);

    receiver_hold(receiver, true);
    pid_t pid = s_spawn(dir, endpoint);
    char id[32];
    for (int i = 1; i <= S_ITEMS; i++) {
        snprintf(id, sizeof id, "item-%d", i);
        s_send(client, id); /* acknowledged = stored */
    }
    /* The first delivery is in flight: kill the worker before it hears the answer. */
    assert(receiver_wait_requests(receiver, 1, S_WAIT_MS));
    assert(kill(pid, SIGKILL) == 0);
    int status = 0;
    assert(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
    assert(receiver_requests(receiver) == 1);
    receiver_hold(receiver, false);

    pid = s_spawn(dir, endpoint);
    assert(receiver_wait_accepted(receiver, S_ITEMS, S_WAIT_MS));
    char key[32];
    for (int i = 0; i < S_ITEMS; i++) {
        snprintf(id, sizeof id, "item-%d", i + 1);
        assert(streq(receiver_key(receiver, (size_t)i, key, sizeof key), id));
    }
    assert(receiver_duplicates(receiver) == 1); /* item-1, whose answer was lost */
    /* The matcher's outbox re-sends an item after it was delivered: acknowledged only. */
    s_send(client, "item-3");
    assert(kill(pid, SIGTERM) == 0);
    assert(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert(receiver_requests(receiver) == S_ITEMS + 1);

    char *store_dir = zsys_sprintf("%s/store", dir);
    eo_store_t *store = eo_store_new(store_dir, 0, 0);
    eo_handoff_queue_t *queue = eo_handoff_queue_new(store);
    size_t depth;
    eo_time_t since;
    assert(eo_handoff_queue_depth(queue, "p1", &depth, &since) == 0 && depth == 0);
    eo_handoff_queue_destroy(&queue);
    eo_store_destroy(&store);
    zstr_free(&store_dir);

    eo_client_destroy(&client);
    eo_broker_destroy(&broker);
    zstr_free(&endpoint);
    receiver_destroy(&receiver);
    eo_clock_destroy(&clock);
    fx_remove_tree(dir);
    printf("handoff restart: ok\n");
    return 0;
}
