#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: the Debian packages hallq needs
# (installed with apt-get only when missing), then a virtual environment with hallq in it.
set -euo pipefail
cd "$(dirname "$0")/.."

wanted=$(grep -v '^#' packaging/apt-packages.txt | grep -v '^$')
missing=""
for pkg in $wanted; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    echo "hallq setup: installing Debian packages:$missing"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
fi

stamp=.venv/.hallq-installed
if [ ! -x .venv/bin/python ]; then
    echo "hallq setup: creating .venv"
    python3 -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "hallq setup: installing Python packages"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[dev]'
    touch "$stamp"
fi

# The announcer's default Mandarin voice: clips made once with espeak-ng's pinyin voice.
.venv/bin/python packaging/voice/make_default_voice.py >/dev/null 2>&1 \
    || echo "hallq setup: no default voice made (is espeak-ng installed?); the announcer will try again"
