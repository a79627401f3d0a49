#!/usr/bin/env bash
# `make package-test`: build the Debian packages, list them, install hallq-common and
# hallq-hall on this machine (as root), run the installed node, upgrade to a rebuilt package
# (the day's ticket is still there); then make this box a kiosk of that node with the
# technician's commands of packaging/README.md (apt-get install the kiosk's packages, a pairing
# code, `hallq provision --role kiosk` with a simulated serial printer plugged in), start the
# installed kiosk from the config written; remove and purge everything. Every unit checked
# with `systemd-analyze verify`. No systemd runs here, so postinst enables nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "package-test: run as root (it installs with dpkg -i)" >&2; exit 2; }
PYTHON=${PYTHON:-.venv/bin/python}
OUT=build/deb
PORT=${HALLQ_PACKAGE_TEST_PORT:-18470}
started=$SECONDS
say() { echo "package-test: $*"; }
fail() { echo "package-test: FAILED: $*" >&2; exit 1; }
# The kiosk's part runs a hall in /var/lib/hallq and writes /etc/hallq, as a real box does:
# refuse a machine whose folders hold anything; leave them as they were found.
for dir in /var/lib/hallq /etc/hallq; do
    [ ! -e "$dir" ] || [ -z "$(ls -A "$dir")" ] \
        || { echo "package-test: $dir is not empty; move it away first" >&2; exit 2; }
done
var_was=$(stat -c '%u:%g %a' /var/lib/hallq 2>/dev/null || true)
etc_was=$(stat -c '%u:%g %a' /etc/hallq 2>/dev/null || true)
data=$(mktemp -d /tmp/hallq-package-test.XXXXXX)
PRINTER_LINK=/dev/hallq-package-test-printer
node_pid=""
printer_pid=""
put_back() {     # put_back DIR "UID:GID MODE" (empty: it was not there)
    rm -rf "$1"
    [ -z "$2" ] || { mkdir "$1"; chown "${2% *}" "$1"; chmod "${2#* }" "$1"; }
}
cleanup() {
    [ -z "$node_pid" ] || kill "$node_pid" 2>/dev/null || true
    [ -z "$printer_pid" ] || kill "$printer_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$data"
    put_back /var/lib/hallq "$var_was"
    put_back /etc/hallq "$etc_was"
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
verify_units() {
    for unit in /lib/systemd/system/hallq-*; do
        out=$(systemd-analyze verify "$unit" 2>&1) || true
        [ -z "$out" ] || fail "systemd-analyze verify $unit: $out"
    done
    say "units verified: $(ls /lib/systemd/system/hallq-* | xargs -n1 basename | tr '\n' ' ')"
}
verify_units

chown hallq:hallq "$data"
as_hallq() { setpriv --reuid hallq --regid hallq --init-groups -- "$@"; }  # exec, no fork
start_node() {   # [--data-dir DIR, advertised on the LAN]; default: $data, not advertised
    local where=(--data-dir "$data" --no-advertise)
    [ $# -eq 0 ] || where=("$@")
    setpriv --reuid hallq --regid hallq --init-groups -- /usr/bin/hallq hall \
        "${where[@]}" --port "$PORT" --bind 127.0.0.1 --open-all-day >>"$OUT/node.log" 2>&1 &
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

# ------------------------------------------------------------------ a kiosk, as the README says
# packaging/README.md, "From a bare Debian 12 box" and "Provisioning": this box is the hall's
# server (the upgraded node runs in /var/lib/hallq, advertised on the LAN) and a bare kiosk the
# technician brings to a provisioned one with at most five commands, each shown and counted.
steps=0
exec 3>&1        # say's output, whatever a technician's command is redirected to
technician() {   # technician WHERE COMMAND [CODE]: a command of the README run as written,
                 # CODE typed at its prompt (unseen) by packaging/package_test_kiosk.py
    steps=$((steps + 1))
    say "technician's command $steps, on the $1: $2" >&3
    local hands=()
    [ $# -lt 3 ] || hands=("$PWD/packaging/package_test_kiosk.py" typed "$3")
    (cd "$box" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "${hands[@]}" bash -c "$2")
}
say "a kiosk, by packaging/README.md"
start_node --data-dir /var/lib/hallq
halls=$(/opt/hallq/venv/bin/python -c 'from hall.discovery import find_halls
print(" ".join(hall.url for hall in find_halls(3)))')
[ "$halls" = "http://127.0.0.1:$PORT" ] \
    || fail "the LAN shows ${halls:-no hall}, not this node alone: stop the other hallq nodes"
PYTHONPATH=$PWD "$PYTHON" packaging/package_test_kiosk.py printer "$PRINTER_LINK" \
    "$data/printed" >"$OUT/printer.log" 2>&1 &
printer_pid=$!
for _ in $(seq 50); do [ -L "$PRINTER_LINK" ] && break; sleep 0.2; done
[ -L "$PRINTER_LINK" ] || { cat "$OUT/printer.log"; fail "the simulated printer did not start"; }
say "a simulated serial ticket printer plugged in: $PRINTER_LINK"
mkdir "$data/stick" "$data/kiosk"
cp "$OUT"/*_"$version"-2_*.deb "$data/stick"
box=$data/kiosk
dpkg-query -W -f '${Package}\n' | sort >"$data/before"
technician kiosk "cp $data/stick/hallq-*.deb ."
technician kiosk "apt-get install -y ./hallq-common_*.deb ./hallq-screen_*.deb ./hallq-kiosk_*.deb" \
    >>"$OUT/install.log" 2>&1 || { tail -20 "$OUT/install.log"; fail "apt-get install"; }
dpkg-query -W -f '${Package}\n' | sort | comm -13 "$data/before" - | grep -v '^hallq-' \
    | tr '\n' ' ' >"$data/new"
say "apt-get brought $(wc -w <"$data/new") Debian packages: $(cat "$data/new")"
for package in hallq-screen hallq-kiosk; do
    grep -q -- --no-index "/var/lib/dpkg/info/$package.postinst" || fail "$package postinst uses an index"
done
qt=$(/opt/hallq/venv/bin/python -c 'import PySide6, cv2; print(PySide6.__file__)') \
    || fail "PySide6 or OpenCV missing from hallq's environment"
[ "${qt#/opt/hallq/venv/}" != "$qt" ] || fail "PySide6 from $qt, not the package's wheels"
technician "hall's server" \
    "runuser -u hallq -- hallq pair --role kiosk --code --data-dir /var/lib/hallq" \
    >"$OUT/pair.log" 2>&1 || { cat "$OUT/pair.log"; fail "hallq pair --code"; }
code=$(sed -n 's/.*pairing code: \([0-9]\{6\}\).*/\1/p' "$OUT/pair.log")
[ -n "$code" ] || { cat "$OUT/pair.log"; fail "no pairing code"; }
technician kiosk "hallq provision --role kiosk" "$code" >"$OUT/provision.log" 2>&1 \
    || { cat "$OUT/provision.log"; fail "hallq provision"; }
grep -q "at http://127.0.0.1:$PORT" "$OUT/provision.log" || fail "provision found another hall"
grep -q "hallq-package-test-printer.*通过 / passed" "$OUT/provision.log" \
    || { cat "$OUT/provision.log"; fail "the printer's test did not pass"; }
[ "$steps" -le 5 ] || fail "$steps commands to a provisioned kiosk (the README promises five)"
say "kiosk provisioned in $steps commands; its devices:"
tr -d '\r' <"$OUT/provision.log" | grep -E '^  (身份证|小票|扫码)' | sed 's/^/    /'
config=/etc/hallq/kiosk.toml
[ "$(stat -c '%a %U' "$config")" = "600 hallq" ] || fail "$config is not 0600, hallq's"
kiosk_token=$(sed -n 's/^token = "\(.*\)"$/\1/p' "$config")
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $kiosk_token" \
    "http://127.0.0.1:$PORT/api/v1/hall")" = 200 ] || fail "the hall does not take $config's token"
grep -q "^HALLQ_KIOSK_ARGS=--config $config" /etc/hallq/kiosk.env || fail "kiosk.env lacks --config"
verify_units
kiosk_started=$SECONDS
env -i PATH=/usr/bin:/bin HOME=/var/lib/hallq LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
    timeout 120 setpriv --reuid hallq --regid hallq --init-groups -- \
    /usr/bin/hallq kiosk --config "$config" --exit-after-first-paint >"$OUT/kiosk.log" 2>&1 \
    || { tail -20 "$OUT/kiosk.log"; fail "the installed kiosk did not paint"; }
say "the installed kiosk started from $config and painted in $((SECONDS - kiosk_started)) s"
kill "$printer_pid"
wait "$printer_pid" || true
printer_pid=""
pages=$(find "$data/printed" -name '*.png' | wc -l)
[ "$pages" -ge 1 ] || fail "the printer's test printed nothing"
say "the simulated printer printed $pages page(s)"
stop_node

say "removing and purging the kiosk's packages"
dpkg -r hallq-kiosk hallq-screen >>"$OUT/install.log" 2>&1 || fail "dpkg -r the kiosk's"
! /opt/hallq/venv/bin/python -c 'import PySide6' 2>/dev/null || fail "PySide6 left in the venv"
! /opt/hallq/venv/bin/python -c 'import cv2' 2>/dev/null || fail "OpenCV left in the venv"
[ ! -e /opt/hallq/wheels/screen ] && [ ! -e /opt/hallq/wheels/camera ] \
    && [ ! -e /lib/systemd/system/hallq-kiosk.service ] || fail "remove left the kiosk's files"
/usr/bin/hallq --help >/dev/null || fail "hallq broken by removing the kiosk's packages"
dpkg -P hallq-kiosk hallq-screen >>"$OUT/install.log" 2>&1 || fail "dpkg -P the kiosk's"
[ ! -e /etc/pam.d/hallq-screen ] || fail "purge left /etc/pam.d/hallq-screen"

say "removing and purging"
dpkg -r hallq-hall hallq-common >>"$OUT/install.log" 2>&1 || fail "dpkg -r"
[ ! -e /usr/bin/hallq ] && [ ! -e /opt/hallq/venv ] || fail "remove left hallq behind"
getent passwd hallq >/dev/null || fail "remove dropped the user (only purge does)"
dpkg -P hallq-hall hallq-common >>"$OUT/install.log" 2>&1 || fail "dpkg -P"
[ ! -e /opt/hallq ] && [ ! -e /etc/hallq ] || fail "purge left /opt/hallq or /etc/hallq"
! getent passwd hallq >/dev/null || fail "purge kept the hallq user"
[ -d /var/lib/hallq ] || fail "purge deleted /var/lib/hallq (it keeps the hall's data)"
left=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' 'hallq*' 2>/dev/null \
    | awk '$1 !~ /^.n/ {printf "%s ", $2}' || true)
[ -z "$left" ] || fail "dpkg still knows $left"
say "passed in $((SECONDS - started)) s"
