/* notify_listen SOCKET SECONDS: stand in for systemd's notification socket. Bind a unix
 * datagram socket at SOCKET, print each message a service sends (sd_notify), exit 0 once
 * one says READY=1, 1 if none did within SECONDS. The service is started with
 * NOTIFY_SOCKET=SOCKET (ops.install). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: notify_listen SOCKET SECONDS\n");
        return 2;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    unlink(argv[1]);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr)) {
        perror(argv[1]);
        return 2;
    }
    printf("listening\n");
    fflush(stdout);
    time_t deadline = time(NULL) + atoi(argv[2]);
    while (time(NULL) < deadline) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0) continue;
        char msg[4096];
        ssize_t n = recv(fd, msg, sizeof msg - 1, 0);
        if (n <= 0) continue;
        msg[n] = 0;
        printf("%s\n--\n", msg);
        fflush(stdout);
        if (strstr(msg, "READY=1")) return 0;
    }
    return 1;
}
