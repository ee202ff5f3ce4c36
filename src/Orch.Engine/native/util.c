#include "launch.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("orch-launch: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    _exit(125);
}

int write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int mkdir_p(const char *path, mode_t mode) {
    char tmp[4096];
    size_t len = strlen(path);
    if (len >= sizeof tmp) { errno = ENAMETOOLONG; return -1; }
    memcpy(tmp, path, len + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, mode) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(tmp, mode) < 0 && errno != EEXIST) return -1;
    return 0;
}

/* A bind mount of a file needs an existing file as its mount point. */
int touch_p(const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        if (mkdir_p(dir, 0755) < 0) return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return errno == EEXIST ? 0 : -1;
    close(fd);
    return 0;
}

/* The exit file is what orchd reads after a restart: written to a temporary file and renamed, so a
 * reader sees either nothing or the whole record, and the page cache keeps it across a kill of orchd.
 * No fsync: it lives in the exec root (/run, gone at reboot), so a power loss takes it either way. */
void write_exit_file(const char *path, int code) {
    if (!path || !*path) return;
    char tmp[4096], buf[64];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int n = snprintf(buf, sizeof buf, "%d\n%lld\n", code, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    write_all(fd, buf, (size_t)n);
    close(fd);
    rename(tmp, path);
}

int status_to_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 255;
}

void set_winsize(int fd, const char *text) {
    unsigned rows = 0, cols = 0;
    if (sscanf(text, "%u %u", &rows, &cols) != 2) return;
    struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
    ioctl(fd, TIOCSWINSZ, &ws);
}

int stdio_prepare(struct stdio_set *io, int tty, int open_stdin) {
    memset(io, 0, sizeof *io);
    io->in_fd = io->out_fd = io->err_fd = -1;
    io->child_in = io->child_out = io->child_err = -1;
    io->console[0] = io->console[1] = -1;
    io->tty = tty;
    if (tty) {
        /* The pty is opened by the child inside the container's own devpts (so that ttyname(3)
         * and /dev/pts/N work there), and its master handed to us over this socketpair. */
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, io->console) < 0) return -1;
        io->tty = open_stdin ? 2 : 1;
        return 0;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    io->out_fd = p[0]; io->child_out = p[1];
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    io->err_fd = p[0]; io->child_err = p[1];
    if (open_stdin) {
        if (pipe2(p, O_CLOEXEC) < 0) return -1;
        io->child_in = p[0]; io->in_fd = p[1];
    }
    return 0;
}

/* In the child: make the prepared ends fds 0, 1, 2 (dup2 clears O_CLOEXEC). With a tty this
 * happens later, in console_child. */
void stdio_child(struct stdio_set *io) {
    if (io->tty) return;
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int in = io->child_in >= 0 ? io->child_in : null;
    int out = io->child_out >= 0 ? io->child_out : null;
    int err = io->child_err >= 0 ? io->child_err : null;
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
}

int console_child(struct stdio_set *io) {
    if (!io->tty) return 0;
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0 || unlockpt(m) < 0) return -1;
    char *name = ptsname(m);
    if (!name) return -1;
    int sl = open(name, O_RDWR | O_NOCTTY);
    if (sl < 0) return -1;
    char byte = 't';
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &m, sizeof(int));
    if (sendmsg(io->console[1], &msg, MSG_NOSIGNAL) < 0) return -1;
    close(m);
    close(io->console[1]);
    setsid();
    if (ioctl(sl, TIOCSCTTY, 0) < 0) return -1;
    dup2(sl, 0);
    dup2(sl, 1);
    dup2(sl, 2);
    if (sl > 2) close(sl);
    return 0;
}

static int recv_console(struct stdio_set *io) {
    char byte;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    ssize_t n;
    do n = recvmsg(io->console[0], &msg, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
    close(io->console[0]);
    io->console[0] = -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (n != 1 || !c || c->cmsg_type != SCM_RIGHTS) return -1;
    int m;
    memcpy(&m, CMSG_DATA(c), sizeof(int));
    io->out_fd = m;
    io->in_fd = io->tty == 2 ? m : -1;
    return 0;
}

void stdio_parent_close(struct stdio_set *io) {
    if (io->child_in >= 0) close(io->child_in);
    if (io->child_out >= 0) close(io->child_out);
    if (io->child_err >= 0) close(io->child_err);
    if (io->console[1] >= 0) close(io->console[1]);
    io->child_in = io->child_out = io->child_err = io->console[1] = -1;
}

/* orchd speaks to us over our stdin/stdout while it prepares the container:
 *   we write "pid N MONITOR\n"; it joins N to the cgroup and the network, then writes "go\n";
 *   we release the child and write "ok\n" once exec(2) succeeded, or "err CODE MESSAGE\n".
 * Returns 0 on success, or the exit code the failure maps to. */
int sync_with_orchd(pid_t child, int go_w, int err_r, struct stdio_set *io) {
    char line[64];
    int n = snprintf(line, sizeof line, "pid %d %d\n", (int)child, (int)getpid());
    if (write_all(1, line, (size_t)n) < 0) { kill(child, SIGKILL); return 125; }
    char c = 0;
    char buf[16];
    size_t got = 0;
    while (got < sizeof buf - 1) {
        ssize_t r = read(0, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        buf[got++] = c;
        if (c == '\n') break;
    }
    buf[got] = 0;
    if (strcmp(buf, "go\n") != 0) {
        /* orchd gave up (setup failed or it died): the child must never run. */
        kill(child, SIGKILL);
        return 125;
    }
    /* A run child that failed its rootfs setup before "go" has exited: the write fails (EPIPE) and the
     * error pipe below holds its reason. */
    int released = write_all(go_w, "g", 1) == 0;
    if (!released) kill(child, SIGKILL);
    close(go_w);
    /* A child that fails before sending its pty closes the socketpair: recv_console fails and
     * the error pipe below carries the reason. */
    if (io->tty) recv_console(io);
    char msg[1024];
    size_t m = 0;
    for (;;) {
        ssize_t r = read(err_r, msg + m, sizeof msg - 1 - m);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        m += (size_t)r;
        if (m >= sizeof msg - 1) break;
    }
    close(err_r);
    msg[m] = 0;
    if (m == 0 && !released) {
        const char *gone = "err 125 container init exited before it was started\n";
        write_all(1, gone, strlen(gone));
        return 125;
    }
    if (m == 0) {
        write_all(1, "ok\n", 3);
        return 0;
    }
    /* msg is "CODE MESSAGE" */
    char out[1100];
    n = snprintf(out, sizeof out, "err %s\n", msg);
    write_all(1, out, (size_t)n);
    return atoi(msg) ? atoi(msg) : 125;
}
