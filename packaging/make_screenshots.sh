#!/usr/bin/env bash
# The README's screenshots: every screen of the wall display, the kiosk and the calling console,
# in Chinese and English, landscape and portrait (and the kiosk's elderly mode), rendered
# offscreen against scenario data into docs/screenshots/.
#   bash packaging/make_screenshots.sh [ROLE]      (ROLE: display, kiosk or caller; default all)
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/screenshots
mkdir -p "$out"
role=()
[ $# -gt 0 ] && role=(--role "$1")
QT_QPA_PLATFORM=offscreen .venv/bin/hallq screenshot --all "$out" "${role[@]}"
