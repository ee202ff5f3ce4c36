/* orch-launch
 *   orch-launch run SPEC    become a container's monitor (detached from orchd) and start its init
 *   orch-launch exec SPEC   run a process in a running container (orch exec)
 *   orch-launch init CMD…   minimal PID 1 for --init: forwards signals, reaps orphans
 * Protocol with orchd on stdin/stdout: see sync_with_orchd in util.c. */
#include "launch.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void detach_stdio(void) {
    int null = open("/dev/null", O_RDWR);
    if (null < 0) return;
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
}

int mode_run(struct spec *s) {
    /* Detach: orchd may be killed (even -9) or restarted while the container runs; the monitor
     * must not be its child, nor in its session. The pipes to orchd stay open in the grandchild. */
    pid_t p = fork();
    if (p < 0) die("fork: %m");
    if (p > 0) _exit(0);
    setsid();
    /* Orphans of the container's processes (after its init died) are reparented to us, not to
     * the host's init, so nothing escapes the monitor. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);

    int logfd = -1;
    if (s->log && *s->log && (logfd = open(s->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0)
        die("open log %s: %m", s->log);
    struct stdio_set io;
    if (stdio_prepare(&io, s->tty, s->open_stdin) < 0) die("stdio: %m");
    int lsock = relay_listen(s->sock);
    if (lsock < 0) die("listen %s: %m", s->sock);
    int go[2], err[2];
    if (pipe2(go, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) die("pipe: %m");

    /* clone(2) without a new stack behaves like fork(2) but with the namespace flags. */
    pid_t child = (pid_t)syscall(SYS_clone, (unsigned long)s->clone_flags | SIGCHLD, NULL, NULL, NULL, NULL);
    if (child < 0) die("clone: %m");
    if (child == 0) {
        close(go[1]);
        close(err[0]);
        if (io.console[0] >= 0) close(io.console[0]);
        container_child(s, &io, go[0], err[1]);
    }
    close(go[0]);
    close(err[1]);
    stdio_parent_close(&io);
    int rc = sync_with_orchd(child, go[1], err[0], &io);
    detach_stdio();
    if (rc != 0) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        write_exit_file(s->exit_file, rc);
        unlink(s->sock);
        return 0;
    }
    relay_run(lsock, &io, logfd, child, s->exit_file);
    unlink(s->sock);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "init")) {
        int skip = !strcmp(argv[2], "--") ? 3 : 2;
        if (argc <= skip) die("init: no command");
        return mode_init(argc - skip, argv + skip);
    }
    if (argc == 3 && (!strcmp(argv[1], "run") || !strcmp(argv[1], "exec"))) {
        static struct spec s;
        spec_load(argv[2], &s);
        return !strcmp(argv[1], "run") ? mode_run(&s) : mode_exec(&s);
    }
    fprintf(stderr, "usage: orch-launch run SPEC | exec SPEC | init CMD...\n");
    return 125;
}
