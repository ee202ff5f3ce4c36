/* A tiny HTTP/1.1 server for deploy/bench/loadbalancer.sh: answers every request with a fixed
 * body, keeps the connection open unless the request says "Connection: close" (then waits for the client to
 * close first). One thread per connection; built static so that it runs in the busybox image. Not for anything else. */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n";
static const char ok_close[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok\n";

static void *serve(void *arg)
{
    int fd = (int)(long)arg, one = 1;
    char buf[8192];
    size_t have = 0;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = 0;
        char *end;
        while ((end = strstr(buf, "\r\n\r\n")) != NULL) {
            size_t len = (size_t)(end - buf) + 4;
            char saved = buf[len - 1];
            buf[len - 1] = 0;
            int close_it = strcasestr(buf, "connection: close") != NULL;
            buf[len - 1] = saved;
            const char *r = close_it ? ok_close : ok;
            size_t rl = close_it ? sizeof ok_close - 1 : sizeof ok - 1;
            if (write(fd, r, rl) != (ssize_t)rl)
                goto done;
            if (close_it)
                goto drain;
            memmove(buf, buf + len, have - len);
            have -= len;
            buf[have] = 0;
        }
        if (have >= sizeof buf - 1)
            break;
    }
done:
    close(fd);
    return NULL;
drain:
    /* The client closes first (wrk does once it has read a "Connection: close" answer), so TIME_WAIT is on its
     * side, per client port and destination, instead of on this socket, per client port only: the bench's direct
     * and kernel paths reach this one socket from the same client ports, and a SYN that meets a TIME_WAIT socket
     * of the other path's run waits a retransmit (1 s). Bounded, so a client that never closes frees the thread. */
    {
        struct timeval tv = {.tv_sec = 5};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        while (read(fd, buf, sizeof buf) > 0)
            ;
    }
    goto done;
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 8080, one = 1;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, _exit);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 1024)) {
        perror("kaserver");
        return 1;
    }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&at, 64 * 1024);
        if (pthread_create(&t, &at, serve, (void *)(long)c))
            close(c);
    }
}
