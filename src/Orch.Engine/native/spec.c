/* The spec file written by orchd (Orch.Engine.Runtime.LaunchSpec): a sequence of records
 * KEY \0 COUNT \0 ARG1 \0 ... ARGn \0. Strings point into one buffer that lives until exec. */
#include "launch.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *next_tok(char **p, char *end) {
    if (*p >= end) return NULL;
    char *t = *p;
    char *z = memchr(t, 0, (size_t)(end - t));
    if (!z) return NULL;
    *p = z + 1;
    return t;
}

#define NEED(n) do { if (count != (n)) die("spec: %s wants %d args, has %d", key, (n), count); } while (0)

int spec_load(const char *path, struct spec *s) {
    memset(s, 0, sizeof *s);
    s->uid = 0;
    s->gid = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("open spec %s: %m", path);
    struct stat st;
    if (fstat(fd, &st) < 0) die("stat spec: %m");
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) die("out of memory");
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) die("read spec: %m");
        got += (size_t)n;
    }
    close(fd);
    buf[got] = 0;
    char *p = buf, *end = buf + got;
    char *key;
    while ((key = next_tok(&p, end)) != NULL) {
        char *cnt = next_tok(&p, end);
        if (!cnt) die("spec: truncated after %s", key);
        int count = atoi(cnt);
        char *a[MAX_LIST];
        if (count < 0 || count > MAX_LIST) die("spec: bad count for %s", key);
        for (int i = 0; i < count; i++) {
            a[i] = next_tok(&p, end);
            if (!a[i]) die("spec: truncated in %s", key);
        }
        if (!strcmp(key, "sock")) { NEED(1); s->sock = a[0]; }
        else if (!strcmp(key, "log")) { NEED(1); s->log = a[0]; }
        else if (!strcmp(key, "exit")) { NEED(1); s->exit_file = a[0]; }
        else if (!strcmp(key, "rootfs")) { NEED(1); s->rootfs = a[0]; }
        else if (!strcmp(key, "hostname")) { NEED(1); s->hostname = a[0]; }
        else if (!strcmp(key, "netns")) { NEED(1); s->netns = a[0]; }
        else if (!strcmp(key, "cwd")) { NEED(1); s->cwd = a[0]; }
        else if (!strcmp(key, "clone")) { NEED(1); s->clone_flags = (int)strtol(a[0], NULL, 0); }
        else if (!strcmp(key, "tty")) { NEED(0); s->tty = 1; }
        else if (!strcmp(key, "stdin")) { NEED(0); s->open_stdin = 1; }
        else if (!strcmp(key, "lo")) { NEED(0); s->lo_up = 1; }
        else if (!strcmp(key, "nsenter")) { NEED(1); s->nsenter_pid = atoi(a[0]); }
        else if (!strcmp(key, "user")) {
            if (count < 2 || count - 2 > 64) die("spec: bad user");
            s->uid = (uid_t)strtoul(a[0], NULL, 10);
            s->gid = (gid_t)strtoul(a[1], NULL, 10);
            s->ngroups = count - 2;
            for (int i = 2; i < count; i++) s->groups[i - 2] = (gid_t)strtoul(a[i], NULL, 10);
        }
        else if (!strcmp(key, "args")) { for (int i = 0; i < count; i++) s->args[i] = a[i]; s->nargs = count; s->args[count] = NULL; }
        else if (!strcmp(key, "env")) { for (int i = 0; i < count; i++) s->env[i] = a[i]; s->nenv = count; s->env[count] = NULL; }
        else if (!strcmp(key, "caps")) {
            if (count > 64) die("spec: too many caps");
            for (int i = 0; i < count; i++) s->caps[i] = atoi(a[i]);
            s->ncaps = count;
        }
        else if (!strcmp(key, "mount")) {
            NEED(6);
            if (s->nmounts >= MAX_LIST) die("spec: too many mounts");
            struct mount_op *m = &s->mounts[s->nmounts++];
            m->src = a[0]; m->target = a[1]; m->fstype = a[2];
            m->flags = strtoul(a[3], NULL, 0); m->data = a[4]; m->is_file = !strcmp(a[5], "file");
        }
        else if (!strcmp(key, "symlink")) { NEED(2); if (s->nlinks >= 64) die("spec: too many links"); s->links[s->nlinks][0] = a[0]; s->links[s->nlinks++][1] = a[1]; }
        else if (!strcmp(key, "mask")) { NEED(1); if (s->nmasks >= 64) die("spec: too many masks"); s->masks[s->nmasks++] = a[0]; }
        else if (!strcmp(key, "ro")) { NEED(1); if (s->nropaths >= 64) die("spec: too many ro paths"); s->ropaths[s->nropaths++] = a[0]; }
        else die("spec: unknown key %s", key);
    }
    if (s->nargs == 0) die("spec: no command");
    return 0;
}
