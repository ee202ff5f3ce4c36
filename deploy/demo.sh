#!/usr/bin/env bash
# The two-minute demo: builds orch, starts orchd, makes a busybox image, runs a web container with a
# published port and shows it answering. `deploy/demo.sh down` stops and removes everything it made.
# Uses its own data root, socket and bridge so it never touches a real /var/lib/orch.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEMO=/var/lib/orch-demo
SOCK=/run/orch-demo/orchd.sock
export ORCH_HOST="unix://$SOCK"
ORCH="$ROOT/out/bin/orch"
PORT=${DEMO_PORT:-18080}

if [[ $(id -u) -ne 0 ]]; then echo "demo: run as root (containers need it)" >&2; exit 1; fi

down() {
    if [[ -S $SOCK ]] && "$ORCH" version >/dev/null 2>&1; then
        ids=$("$ORCH" ps -aq || true)
        [[ -n $ids ]] && "$ORCH" rm -f $ids >/dev/null || true
    fi
    if [[ -f /run/orch-demo/orchd.pid ]]; then
        pid=$(cat /run/orch-demo/orchd.pid)
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        rm -f /run/orch-demo/orchd.pid
    fi
    echo "demo: stopped (state kept in $DEMO; rm -rf it to start over)"
}
if [[ ${1:-} == down ]]; then down; exit 0; fi

"$ROOT/deploy/build.sh"
mkdir -p /run/orch-demo "$DEMO"
if ! "$ORCH" version >/dev/null 2>&1; then
    "$ROOT/out/bin/orchd" --host "$ORCH_HOST" --data-root "$DEMO" --exec-root /run/orch-demo/exec \
        --bridge orchdemo0 --subnet 10.89.0.0/24 --cgroup-parent orch-demo \
        --log-file /run/orch-demo/orchd.log --cleanup-on-exit >/dev/null 2>&1 &
    echo $! > /run/orch-demo/orchd.pid
    for _ in $(seq 100); do "$ORCH" version >/dev/null 2>&1 && break; sleep 0.1; done
fi
echo "+ orch version"; "$ORCH" version | sed -n '/Server/,$p'

"$ROOT/deploy/images/busybox.sh" busybox:latest
echo "+ orch images"; "$ORCH" images

mkdir -p "$DEMO/www"
echo "<h1>hello from orch</h1>" > "$DEMO/www/index.html"
"$ORCH" rm -f demo-web >/dev/null 2>&1 || true
echo "+ orch run -d --name demo-web -p $PORT:8080 -v $DEMO/www:/www:ro busybox httpd -f -p 8080 -h /www"
"$ORCH" run -d --name demo-web -p "$PORT:8080" -v "$DEMO/www:/www:ro" busybox httpd -f -p 8080 -h /www
echo "+ orch ps"; "$ORCH" ps
for _ in $(seq 50); do
    # bash's /dev/tcp: no HTTP client needed on a fresh machine.
    if out=$(exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3 && cat <&3) 2>/dev/null \
        && [[ $out == *"hello from orch"* ]]; then
        echo "+ GET http://127.0.0.1:$PORT/"; echo "$out"; break
    fi
    sleep 0.1
done
cat <<TXT

The daemon keeps running. Try:
  export PATH=$ROOT/out/bin:\$PATH ORCH_HOST=$ORCH_HOST
  orch ps; orch logs demo-web; orch exec -it demo-web sh
Stop and clean up with: deploy/demo.sh down
TXT
