/* --init: PID 1 in the container. The kernel gives PID 1 no default signal actions, so a
 * program that never installed a SIGTERM handler would ignore `orch stop`; we forward every
 * signal to the real command and reap whatever gets reparented to us. */
#include "launch.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int mode_init(int argc, char **argv) {
    (void)argc;
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid_t child = fork();
    if (child < 0) { perror("orch-init: fork"); return 125; }
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        setpgid(0, 0);
        execvp(argv[0], argv);
        int e = errno;
        fprintf(stderr, "orch-init: exec %s: %s\n", argv[0], strerror(e));
        _exit(e == ENOENT ? 127 : 126);
    }
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig < 0) continue;
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        int status;
        pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
            if (p == child) return status_to_code(status);
        }
    }
}
