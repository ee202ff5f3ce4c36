/* The relay: holds the child's stdio, writes the json-file log, serves clients on a
 * SOCK_SEQPACKET socket and reaps the child. Frames are one message each: a type byte + payload.
 *   to clients:   'o' stdout bytes, 'e' stderr bytes, 'x' exit code (ASCII), last
 *   from clients: 'i' stdin bytes, 'c' close stdin, 'r' "ROWS COLS" resize, 'k' signal number (ASCII)
 * Clients that cannot keep up lose frames (never the log): the relay must not block on them. */
#include "launch.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 16
#define CHUNK 32768

int relay_listen(const char *path) {
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a.sun_path) { errno = ENAMETOOLONG; return -1; }
    strcpy(a.sun_path, path);
    unlink(path);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 8) < 0) return -1;
    return s;
}

/* One json-file line per log line, as Docker writes them: {"log":"...","stream":"stdout","time":"..."} */
static void log_line(int logfd, const char *stream, const char *p, size_t n) {
    static char buf[CHUNK * 6 + 256];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t o = (size_t)snprintf(buf, 64, "{\"log\":\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        switch (ch) {
        case '"': buf[o++] = '\\'; buf[o++] = '"'; break;
        case '\\': buf[o++] = '\\'; buf[o++] = '\\'; break;
        case '\n': buf[o++] = '\\'; buf[o++] = 'n'; break;
        case '\r': buf[o++] = '\\'; buf[o++] = 'r'; break;
        case '\t': buf[o++] = '\\'; buf[o++] = 't'; break;
        default:
            if (ch < 0x20 || ch == 0x7f) o += (size_t)sprintf(buf + o, "\\u%04x", ch);
            else buf[o++] = (char)ch;
        }
    }
    o += (size_t)snprintf(buf + o, 128, "\",\"stream\":\"%s\",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ\"}\n", stream,
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
    write_all(logfd, buf, o);
}

static void log_chunk(int logfd, const char *stream, const char *p, size_t n) {
    if (logfd < 0) return;
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) + 1 : n;
        log_line(logfd, stream, p, len);
        p += len;
        n -= len;
    }
}

struct relay {
    int clients[MAX_CLIENTS];
    int nclients;
};

static void broadcast(struct relay *r, char type, const char *p, size_t n) {
    static char msg[CHUNK + 1];
    msg[0] = type;
    memcpy(msg + 1, p, n);
    for (int i = 0; i < r->nclients; i++) {
        if (send(r->clients[i], msg, n + 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
            /* gone: dropped on the next poll round via POLLHUP */
        }
    }
}

static void drop_client(struct relay *r, int idx) {
    close(r->clients[idx]);
    r->clients[idx] = r->clients[--r->nclients];
}

/* Returns the child's exit code once it exited and its output is drained. */
int relay_run(int lsock, struct stdio_set *io, int logfd, pid_t child, const char *exit_file) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    struct relay r = { .nclients = 0 };
    int exited = 0, code = 255;
    static char buf[CHUNK];
    struct timespec exited_at = { 0, 0 };

    for (;;) {
        struct pollfd fds[4 + MAX_CLIENTS];
        int nf = 0;
        int i_sfd = nf; fds[nf++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
        int i_ls = nf; fds[nf++] = (struct pollfd){ .fd = lsock, .events = POLLIN };
        int i_out = nf; fds[nf++] = (struct pollfd){ .fd = io->out_fd, .events = POLLIN };
        int i_err = nf; fds[nf++] = (struct pollfd){ .fd = io->err_fd, .events = POLLIN };
        int i_cl = nf;
        for (int i = 0; i < r.nclients; i++) fds[nf++] = (struct pollfd){ .fd = r.clients[i], .events = POLLIN };
        if (exited && io->out_fd < 0 && io->err_fd < 0) break;
        int timeout = -1;
        if (exited) {
            /* Output of a process that escaped the pid namespace could hold the pipes open
             * forever; give the drain one second. */
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long ms = (now.tv_sec - exited_at.tv_sec) * 1000 + (now.tv_nsec - exited_at.tv_nsec) / 1000000;
            if (ms >= 1000) break;
            timeout = (int)(1000 - ms);
        }
        int n = poll(fds, (nfds_t)nf, timeout);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[i_sfd].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) > 0) {}
            int status;
            pid_t p;
            /* As a subreaper we also inherit orphans; reap them all. */
            while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
                if (p == child) {
                    exited = 1;
                    code = status_to_code(status);
                    clock_gettime(CLOCK_MONOTONIC, &exited_at);
                }
            }
        }
        if (fds[i_ls].revents & POLLIN) {
            int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0) {
                if (r.nclients < MAX_CLIENTS) r.clients[r.nclients++] = c;
                else close(c);
            }
        }
        for (int k = 0; k < 2; k++) {
            int idx = k == 0 ? i_out : i_err;
            int *fdp = k == 0 ? &io->out_fd : &io->err_fd;
            if (*fdp < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t got = read(*fdp, buf, sizeof buf);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                /* EOF (pipe) or EIO (pty whose slave is closed everywhere). */
                if (io->tty && io->in_fd == *fdp) io->in_fd = -1;
                close(*fdp);
                *fdp = -1;
                continue;
            }
            log_chunk(logfd, k == 0 ? "stdout" : "stderr", buf, (size_t)got);
            broadcast(&r, k == 0 ? 'o' : 'e', buf, (size_t)got);
        }
        for (int i = r.nclients - 1; i >= 0; i--) {
            short re = fds[i_cl + i].revents;
            if (!re) continue;
            ssize_t got = (re & POLLIN) ? recv(r.clients[i], buf, sizeof buf, 0) : 0;
            if (got <= 0) {
                drop_client(&r, i);
                continue;
            }
            buf[got < (ssize_t)sizeof buf ? got : (ssize_t)sizeof buf - 1] = 0;
            switch (buf[0]) {
            case 'i':
                if (io->in_fd >= 0) write_all(io->in_fd, buf + 1, (size_t)got - 1);
                break;
            case 'c':
                if (io->in_fd >= 0) {
                    if (io->tty) write_all(io->in_fd, "\x04", 1); /* EOF on a terminal is ^D */
                    else close(io->in_fd);
                    if (!io->tty) io->in_fd = -1;
                }
                break;
            case 'r':
                if (io->tty) set_winsize(io->out_fd, buf + 1);
                break;
            case 'k':
                if (!exited) kill(child, atoi(buf + 1));
                break;
            }
        }
    }
    /* The exit file first: a client that sees 'x' may read it at once. */
    write_exit_file(exit_file, code);
    char msg[16];
    int n = snprintf(msg, sizeof msg, "%d", code);
    broadcast(&r, 'x', msg, (size_t)n);
    for (int i = 0; i < r.nclients; i++) close(r.clients[i]);
    return code;
}
