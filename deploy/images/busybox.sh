#!/usr/bin/env bash
# Makes a busybox image from Debian's busybox-static and imports it into the orchd that ORCH_HOST points at
# (default socket otherwise): /bin/busybox, a symlink per applet, /etc/passwd and /etc/group, /tmp, /www.
# Usage: deploy/images/busybox.sh [NAME[:TAG]]   (default busybox:latest; ORCH=path/to/orch to pick the CLI)
# Prints the image ID (sha256:…) as `orch import` does.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REF="${1:-busybox:latest}"
ORCH="${ORCH:-$ROOT/out/bin/orch}"
BUSYBOX=/bin/busybox
# The image has no libc: only a statically linked busybox runs in it (ldd fails on a static binary).
if ! "$BUSYBOX" --list >/dev/null 2>&1 || ldd "$BUSYBOX" >/dev/null 2>&1; then
    echo "busybox.sh: $BUSYBOX is missing or not static; install busybox-static (deploy/install-deps.sh)" >&2
    exit 1
fi
[[ -x $ORCH ]] || { echo "busybox.sh: $ORCH not found; run deploy/build.sh" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,home,tmp,var/www,www,proc,sys,dev}
chmod 0755 "$rootfs"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"
cp "$BUSYBOX" "$rootfs/bin/busybox"
# One symlink per applet, where busybox itself would install it (bin/ls, usr/bin/wget, sbin/ifconfig, …).
while read -r applet; do
    [[ $applet == bin/busybox || -e $rootfs/$applet ]] && continue
    ln -s /bin/busybox "$rootfs/$applet"
done < <("$BUSYBOX" --list-full)

cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
PASSWD
cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
bin:x:2:
tty:x:5:
www-data:x:33:
nogroup:x:65534:
GROUP
echo 'hosts: files dns' >"$rootfs/etc/nsswitch.conf"
echo '<h1>hello from orch busybox</h1>' >"$rootfs/www/index.html"

# Numeric root ownership, sorted names and one fixed mtime: the same busybox always gives the same layer
# (diff ID), so images made by separate runs share it. The tar streams straight to the daemon.
tar --numeric-owner --owner=0 --group=0 --sort=name --mtime="@${SOURCE_DATE_EPOCH:-$(stat -c %Y "$BUSYBOX")}" -C "$rootfs" -cf - . |
    "$ORCH" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["sh"]' \
        -m "busybox $("$BUSYBOX" | head -1 | awk '{print $2}') from Debian busybox-static" \
        - "$REF"
