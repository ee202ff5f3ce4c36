/* orch exec: join a running container's namespaces and cgroup, then exec with the same
 * capabilities, no_new_privs and user handling as its init. We stay outside as the relay. */
#include "launch.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct { const char *name; int type; } namespaces[] = {
    { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET }, { "mnt", CLONE_NEWNS },
};

int mode_exec(struct spec *s) {
    signal(SIGPIPE, SIG_IGN);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    if (s->nsenter_pid <= 0) die("exec: no target pid");
    char path[64];
    int nsfd[4];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "/proc/%d/ns/%s", s->nsenter_pid, namespaces[i].name);
        if ((nsfd[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) die("open %s: %m", path);
    }
    snprintf(path, sizeof path, "/proc/%d/ns/pid", s->nsenter_pid);
    int pidns = open(path, O_RDONLY | O_CLOEXEC);
    /* setns(2) of a pid namespace applies to our children only, which is what we want. */
    if (pidns < 0 || setns(pidns, CLONE_NEWPID) < 0) die("join pid namespace: %m");
    close(pidns);

    struct stdio_set io;
    if (stdio_prepare(&io, s->tty, s->open_stdin) < 0) die("stdio: %m");
    int lsock = relay_listen(s->sock);
    if (lsock < 0) die("listen %s: %m", s->sock);
    int go[2], err[2];
    if (pipe2(go, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) die("pipe: %m");
    pid_t child = fork();
    if (child < 0) die("fork: %m");
    if (child == 0) {
        close(go[1]);
        close(err[0]);
        if (io.console[0] >= 0) close(io.console[0]);
        char c;
        ssize_t r;
        do r = read(go[0], &c, 1); while (r < 0 && errno == EINTR);
        if (r != 1) _exit(125);
        stdio_child(&io);
        for (int i = 0; i < 4; i++) {
            if (setns(nsfd[i], namespaces[i].type) < 0)
                report_failure(err[1], 125, "join %s namespace: %s", namespaces[i].name, strerror(errno));
        }
        /* Joining the mount namespace put us at its root, with the container's /dev. */
        if (console_child(&io) < 0) report_failure(err[1], 125, "open a terminal in the container: %s", strerror(errno));
        finish_and_exec(s, err[1]);
    }
    close(go[0]);
    close(err[1]);
    for (int i = 0; i < 4; i++) close(nsfd[i]);
    stdio_parent_close(&io);
    int rc = sync_with_orchd(child, go[1], err[0], &io);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (rc != 0) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        unlink(s->sock);
        return rc;
    }
    int code = relay_run(lsock, &io, -1, child, NULL);
    unlink(s->sock);
    return code;
}
