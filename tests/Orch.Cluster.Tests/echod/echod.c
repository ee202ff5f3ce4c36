/* A tiny echo server for the routing-mesh tests (tests/Orch.Cluster.Tests/MeshEchoImage.cs): on PORT it answers
 *   UDP: every datagram with "HOSTNAME DATA" sent back to its sender;
 *   TCP: every chunk read on a connection with "HOSTNAME DATA" on that connection (one process per connection);
 * so a client sees which task answered. Exits at once on SIGTERM (it runs as PID 1). Built static so that it runs
 * in the busybox image. Not for anything else. */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char host[256];

static void on_term(int sig)
{
    (void)sig;
    _exit(0);
}

static int bound(int type, int port)
{
    int s = socket(AF_INET, type, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || (type == SOCK_STREAM && listen(s, 128))) {
        perror("echod");
        exit(1);
    }
    return s;
}

static size_t answer(char *out, size_t cap, const char *in, size_t n)
{
    size_t h = strlen(host);
    if (h + 1 + n > cap)
        n = cap - h - 1;
    memcpy(out, host, h);
    out[h] = ' ';
    memcpy(out + h + 1, in, n);
    return h + 1 + n;
}

static void serve_tcp(int c)
{
    char in[4096], out[4096 + 300];
    for (;;) {
        ssize_t n = read(c, in, sizeof in);
        if (n <= 0)
            _exit(0);
        size_t len = answer(out, sizeof out, in, (size_t)n);
        if (write(c, out, len) != (ssize_t)len)
            _exit(0);
    }
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 5353;
    signal(SIGTERM, on_term);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN); /* no zombies */
    gethostname(host, sizeof host - 1);
    int u = bound(SOCK_DGRAM, port), t = bound(SOCK_STREAM, port);
    printf("echod %s on %d/udp and %d/tcp\n", host, port, port);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        signal(SIGTERM, SIG_DFL);
        for (;;) {
            int c = accept(t, NULL, NULL);
            if (c < 0)
                continue;
            if (fork() == 0) {
                close(t);
                close(u);
                serve_tcp(c);
            }
            close(c);
        }
    }
    char in[2048], out[2048 + 300];
    for (;;) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(u, in, sizeof in, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            continue;
        size_t len = answer(out, sizeof out, in, (size_t)n);
        sendto(u, out, len, 0, (struct sockaddr *)&from, fl);
    }
}
