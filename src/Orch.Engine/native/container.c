/* The container's init before exec(2): it runs in fresh pid, mount, uts, ipc (and usually net)
 * namespaces created by clone(2) in relay's process. Order follows runc's rootfs setup. */
#include "launch.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

void report_failure(int err_w, int code, const char *fmt, ...) {
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%d ", code);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
    for (int i = 0; i < n; i++) if (buf[i] == '\n') buf[i] = ' ';
    write_all(err_w, buf, (size_t)n);
    _exit(code);
}

static void do_mount(struct mount_op *m, int err_w) {
    struct stat st;
    if (m->is_file) {
        if (touch_p(m->target) < 0) report_failure(err_w, 125, "create mount point %s: %s", m->target, strerror(errno));
    } else if (stat(m->target, &st) < 0 || !S_ISDIR(st.st_mode)) {
        if (mkdir_p(m->target, 0755) < 0) report_failure(err_w, 125, "create mount point %s: %s", m->target, strerror(errno));
    }
    if (m->flags & MS_BIND) {
        if (mount(m->src, m->target, NULL, MS_BIND | MS_REC, NULL) < 0)
            report_failure(err_w, 125, "bind mount %s on %s: %s", m->src, m->target, strerror(errno));
        unsigned long extra = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        /* mount(2): MS_RDONLY and friends are ignored with MS_BIND until a MS_REMOUNT. */
        if (extra && mount(NULL, m->target, NULL, MS_BIND | MS_REMOUNT | extra, NULL) < 0)
            report_failure(err_w, 125, "remount %s read-only: %s", m->target, strerror(errno));
        return;
    }
    if (mount(m->src, m->target, m->fstype, m->flags, *m->data ? m->data : NULL) < 0)
        report_failure(err_w, 125, "mount %s on %s: %s", m->fstype, m->target, strerror(errno));
}

static void loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    close(s);
}

/* After pivot_root: hide what runc hides. Files get /dev/null bound over them, directories an
 * empty read-only tmpfs; paths the kernel lacks are skipped. */
static void mask_paths(struct spec *s, int err_w) {
    struct stat st;
    for (int i = 0; i < s->nmasks; i++) {
        const char *p = s->masks[i];
        if (stat(p, &st) < 0) continue;
        int r = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL)
                                    : mount("/dev/null", p, NULL, MS_BIND, NULL);
        if (r < 0) report_failure(err_w, 125, "mask %s: %s", p, strerror(errno));
    }
    for (int i = 0; i < s->nropaths; i++) {
        const char *p = s->ropaths[i];
        if (stat(p, &st) < 0) continue;
        if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
            mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
            report_failure(err_w, 125, "make %s read-only: %s", p, strerror(errno));
    }
}

void container_child(struct spec *s, struct stdio_set *io, int go_r, int err_w) {
    /* The root filesystem is set up while orchd puts us in our cgroup and network (the two overlap);
     * nothing of the image runs before its "go", which comes once both are done. */
    if (s->netns && *s->netns) {
        int fd = open(s->netns, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) report_failure(err_w, 125, "join network namespace %s: %s", s->netns, strerror(errno));
        close(fd);
    }
    if (s->lo_up) loopback_up();
    if (s->hostname && *s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
        report_failure(err_w, 125, "sethostname: %s", strerror(errno));

    /* Nothing we mount may propagate back to the host (or from it into us). */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        report_failure(err_w, 125, "make / rprivate: %s", strerror(errno));
    for (int i = 0; i < s->nmounts; i++) do_mount(&s->mounts[i], err_w);
    for (int i = 0; i < s->nlinks; i++) {
        if (symlink(s->links[i][0], s->links[i][1]) < 0 && errno != EEXIST)
            report_failure(err_w, 125, "symlink %s: %s", s->links[i][1], strerror(errno));
    }

    /* pivot_root(2) with new_root == put_old stacks the old root on top of the new one; a lazy
     * unmount of "." then drops it, so no path to the host's tree remains. */
    if (chdir(s->rootfs) < 0) report_failure(err_w, 125, "chdir rootfs: %s", strerror(errno));
    if (syscall(SYS_pivot_root, ".", ".") < 0) report_failure(err_w, 125, "pivot_root: %s", strerror(errno));
    if (umount2(".", MNT_DETACH) < 0) report_failure(err_w, 125, "unmount old root: %s", strerror(errno));
    if (chdir("/") < 0) report_failure(err_w, 125, "chdir /: %s", strerror(errno));
    mask_paths(s, err_w);

    char c;
    ssize_t r;
    do r = read(go_r, &c, 1); while (r < 0 && errno == EINTR);
    if (r != 1) _exit(125);
    close(go_r);
    stdio_child(io);
    if (console_child(io) < 0) report_failure(err_w, 125, "open a terminal in the container: %s", strerror(errno));
    finish_and_exec(s, err_w);
}

static int keep_cap(struct spec *s, int cap) {
    for (int i = 0; i < s->ncaps; i++) if (s->caps[i] == cap) return 1;
    return 0;
}

void finish_and_exec(struct spec *s, int err_w) {
    /* Bounding set first: dropping needs CAP_SETPCAP, which we still hold as root. */
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;
        if (!keep_cap(s, cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
            report_failure(err_w, 125, "drop capability %d: %s", cap, strerror(errno));
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (s->cwd && *s->cwd && mkdir_p(s->cwd, 0755) < 0)
        report_failure(err_w, 125, "create working directory %s: %s", s->cwd, strerror(errno));
    if (setgroups((size_t)s->ngroups, s->groups) < 0) report_failure(err_w, 125, "setgroups: %s", strerror(errno));
    if (setresgid(s->gid, s->gid, s->gid) < 0) report_failure(err_w, 125, "setgid %u: %s", s->gid, strerror(errno));
    /* setuid(2) from root to another uid clears the permitted and effective sets by itself. */
    if (setresuid(s->uid, s->uid, s->uid) < 0) report_failure(err_w, 125, "setuid %u: %s", s->uid, strerror(errno));
    if (s->uid == 0) {
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct data[2];
        memset(data, 0, sizeof data);
        for (int i = 0; i < s->ncaps; i++) {
            int cap = s->caps[i];
            data[cap / 32].effective |= 1u << (cap % 32);
            data[cap / 32].permitted |= 1u << (cap % 32);
        }
        if (syscall(SYS_capset, &hdr, data) < 0) report_failure(err_w, 125, "capset: %s", strerror(errno));
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) report_failure(err_w, 125, "no_new_privs: %s", strerror(errno));
    if (s->cwd && *s->cwd && chdir(s->cwd) < 0)
        report_failure(err_w, 125, "chdir to cwd (\"%s\") set in config.json failed: %s", s->cwd, strerror(errno));

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    /* execvp(3) looks PATH up in environ, so the container's environment must be in place. */
    environ = s->env;
    execvp(s->args[0], s->args);
    int e = errno;
    if (e == ENOENT) {
        if (strchr(s->args[0], '/'))
            report_failure(err_w, 127, "exec: \"%s\": stat %s: no such file or directory", s->args[0], s->args[0]);
        report_failure(err_w, 127, "exec: \"%s\": executable file not found in $PATH", s->args[0]);
    }
    if (e == EACCES) report_failure(err_w, 126, "exec: \"%s\": permission denied", s->args[0]);
    report_failure(err_w, 126, "exec: \"%s\": %s", s->args[0], strerror(e));
}
