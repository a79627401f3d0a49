#!/usr/bin/env bash
# `make package-test`: build the Debian packages, list them, install hallq-common and
# hallq-hall on this machine (as root), run the installed node, upgrade to a rebuilt package
# (the day's ticket is still there), remove and purge; every unit checked with
# `systemd-analyze verify`. No systemd runs here, so postinst enables nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "package-test: run as root (it installs with dpkg -i)" >&2; exit 2; }
PYTHON=${PYTHON:-.venv/bin/python}
OUT=build/deb
PORT=${HALLQ_PACKAGE_TEST_PORT:-18470}
started=$SECONDS
say() { echo "package-test: $*"; }
fail() { echo "package-test: FAILED: $*" >&2; exit 1; }
[ -e /var/lib/hallq ] && keep_var=1 || keep_var=0
data=$(mktemp -d /tmp/hallq-package-test.XXXXXX)
node_pid=""
cleanup() {
    [ -z "$node_pid" ] || kill "$node_pid" 2>/dev/null || true
    rm -rf "$data"
    [ "$keep_var" = 1 ] || rm -rf /var/lib/hallq
}
trap cleanup EXIT

say "building"
rm -f "$OUT"/*.deb
"$PYTHON" packaging/build_deb.py --out "$OUT" --revision 1 >"$OUT/build-1.log" 2>&1 \
    || { tail -20 "$OUT/build-1.log"; fail "make deb"; }
version=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
deb() { ls "$OUT"/"$1"_"$version"-"$2"_*.deb; }

say "contents"
for file in "$OUT"/*_"$version"-1_*.deb; do
    dpkg-deb -c "$file" >"${file%.deb}.contents"
    printf '  %-48s %6s  %4d files\n' "$(basename "$file")" "$(du -h "$file" | cut -f1)" \
        "$(grep -vc '/$' "${file%.deb}.contents")"
done
contents() { local file; file=$(deb "$1" 1); cat "${file%.deb}.contents"; }
for path in ./usr/bin/hallq ./lib/udev/rules.d/99-hallq-devices.rules \
        ./usr/share/hallq/voice/default/0.wav ./opt/hallq/wheels/common/hallq-; do
    contents hallq-common | grep -q " $path" || fail "hallq-common lacks $path"
done
contents hallq-hall | grep -q ' ./lib/systemd/system/hallq-hall.service' \
    || fail "hallq-hall lacks its unit"
! contents hallq-common | grep -qi 'pyside6\|opencv\|psycopg' || fail "Qt/OpenCV/psycopg in common"

say "installing hallq-common and hallq-hall"
dpkg -i "$(deb hallq-common 1)" "$(deb hallq-hall 1)" >"$OUT/install.log" 2>&1 \
    || DEBIAN_FRONTEND=noninteractive apt-get install -f -y -qq >>"$OUT/install.log" 2>&1 \
    || { tail -20 "$OUT/install.log"; fail "dpkg -i"; }
/usr/bin/hallq --help >/dev/null || fail "hallq --help from /usr/bin"
getent passwd hallq >/dev/null || fail "no hallq user"
[ "$(stat -c %a /etc/hallq)" = 750 ] || fail "/etc/hallq is not 0750"
for unit in /lib/systemd/system/hallq-*; do
    out=$(systemd-analyze verify "$unit" 2>&1) || true
    [ -z "$out" ] || fail "systemd-analyze verify $unit: $out"
done
say "units verified: $(ls /lib/systemd/system/hallq-* | xargs -n1 basename | tr '\n' ' ')"

chown hallq:hallq "$data"
as_hallq() { setpriv --reuid hallq --regid hallq --init-groups -- "$@"; }  # exec, no fork
start_node() {
    setpriv --reuid hallq --regid hallq --init-groups -- /usr/bin/hallq hall \
        --data-dir "$data" --port "$PORT" --bind 127.0.0.1 --no-advertise --open-all-day \
        >>"$OUT/node.log" 2>&1 &
    node_pid=$!
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && return 0
        sleep 0.2
    done
    tail "$OUT/node.log"; fail "the installed node did not answer"
}
stop_node() {
    kill "$node_pid"
    wait "$node_pid" || true
    node_pid=""
    ! curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null || fail "the node did not stop"
}
client() {
    /opt/hallq/venv/bin/python -c "import sys; from hall.client import HallClient
c = HallClient('http://127.0.0.1:$PORT', '$token')
print(c.issue('A')['id'] if sys.argv[1] == 'issue' else c.ticket(sys.argv[1])['number'])" "$1"
}
say "starting the installed node"
start_node      # then pair: `hallq pair` refuses a data dir with no hall database
token=$(as_hallq /usr/bin/hallq pair --role kiosk --name package-test --data-dir "$data") \
    || fail "hallq pair"
ticket=$(client issue) || fail "issuing a ticket"
number=$(client "$ticket")
say "ticket $number issued"
stop_node

say "upgrading to $version-2"
"$PYTHON" packaging/build_deb.py --out "$OUT" --revision 2 >"$OUT/build-2.log" 2>&1 \
    || { tail -20 "$OUT/build-2.log"; fail "the rebuild"; }
dpkg -i "$(deb hallq-common 2)" "$(deb hallq-hall 2)" >>"$OUT/install.log" 2>&1 \
    || { tail -20 "$OUT/install.log"; fail "the upgrade"; }
[ "$(dpkg-query -W -f '${Version}' hallq-hall)" = "$version-2" ] || fail "not upgraded"
[ -d /var/lib/hallq ] || fail "/var/lib/hallq lost on upgrade"
start_node
[ "$(client "$ticket")" = "$number" ] || fail "ticket $number lost on upgrade"
say "ticket $number still there after the upgrade"
stop_node

say "removing and purging"
dpkg -r hallq-hall hallq-common >>"$OUT/install.log" 2>&1 || fail "dpkg -r"
[ ! -e /usr/bin/hallq ] && [ ! -e /opt/hallq/venv ] || fail "remove left hallq behind"
getent passwd hallq >/dev/null || fail "remove dropped the user (only purge does)"
dpkg -P hallq-hall hallq-common >>"$OUT/install.log" 2>&1 || fail "dpkg -P"
[ ! -e /opt/hallq ] && [ ! -e /etc/hallq ] || fail "purge left /opt/hallq or /etc/hallq"
! getent passwd hallq >/dev/null || fail "purge kept the hallq user"
[ -d /var/lib/hallq ] || fail "purge deleted /var/lib/hallq (it keeps the hall's data)"
say "passed in $((SECONDS - started)) s"
