/* orch-launch: shared declarations. The C side is deliberately small: orchd (C#) computes every
 * path, mount, id and capability and writes them to a spec file; this program only performs the
 * steps a multi-threaded .NET process cannot do safely after fork(2). */
#pragma once
#include <stddef.h>
#include <sys/types.h>

#define MAX_LIST 512

struct mount_op {
    const char *src, *target, *fstype, *data;
    unsigned long flags;
    int is_file; /* create the target as a file (bind of a file), else a directory */
};

struct spec {
    const char *sock, *log, *exit_file, *rootfs, *hostname, *netns, *cwd;
    int clone_flags, tty, open_stdin, lo_up, nsenter_pid;
    uid_t uid;
    gid_t gid;
    gid_t groups[64];
    int ngroups;
    char *args[MAX_LIST + 1];
    int nargs;
    char *env[MAX_LIST + 1];
    int nenv;
    int caps[64];
    int ncaps;
    struct mount_op mounts[MAX_LIST];
    int nmounts;
    const char *links[64][2];
    int nlinks;
    const char *masks[64];
    int nmasks;
    const char *ropaths[64];
    int nropaths;
};

/* spec.c */
int spec_load(const char *path, struct spec *s);

/* util.c */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
int write_all(int fd, const void *buf, size_t n);
int mkdir_p(const char *path, mode_t mode);
int touch_p(const char *path);
void write_exit_file(const char *path, int code);
int status_to_code(int status);
void set_winsize(int fd, const char *text);

/* Process stdio for the container or exec'd process, as the relay and the child see it. */
struct stdio_set {
    int child_in, child_out, child_err; /* ends given to the child (-1 = /dev/null) */
    int in_fd, out_fd, err_fd;           /* ends the relay keeps (-1 = none) */
    int tty;
    int console[2]; /* tty: socketpair; the child sends the pty master it opened inside the container */
};
int stdio_prepare(struct stdio_set *io, int tty, int open_stdin);
void stdio_child(struct stdio_set *io);
/* tty: in the child, once /dev is the container's: open a pty there, send its master to the
 * relay, make the slave the controlling terminal and fds 0-2. Returns -1 with errno on failure. */
int console_child(struct stdio_set *io);
void stdio_parent_close(struct stdio_set *io);

/* Sync with orchd over our stdin/stdout: report the pid, wait for "go", report exec result. */
int sync_with_orchd(pid_t child, int go_w, int err_r, struct stdio_set *io);

/* container.c: runs in the cloned init; never returns. */
void container_child(struct spec *s, struct stdio_set *io, int go_r, int err_w) __attribute__((noreturn));
/* Applies user, capabilities, no_new_privs, cwd, env; then execs. Reports failure on err_w. */
void finish_and_exec(struct spec *s, int err_w) __attribute__((noreturn));
void report_failure(int err_w, int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));

/* relay.c */
int relay_listen(const char *path);
int relay_run(int lsock, struct stdio_set *io, int logfd, pid_t child, const char *exit_file);

/* modes */
int mode_run(struct spec *s);
int mode_exec(struct spec *s);
int mode_init(int argc, char **argv);
