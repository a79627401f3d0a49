#!/usr/bin/env bash
# The README's screenshots: every screen of the wall display, the kiosk and the calling console,
# in Chinese and English, landscape and portrait (and the kiosk's elderly mode), rendered
# offscreen against scenario data into docs/screenshots/; the staff's web pages at phone and
# desktop sizes, taken in Chromium against a real hall node, into docs/screenshots/web/.
#   bash packaging/make_screenshots.sh [ROLE]   (ROLE: display, kiosk, caller or web; default all)
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/screenshots
mkdir -p "$out"
if [ "${1:-all}" = web ] || [ "${1:-all}" = all ]; then
  mkdir -p "$out/web"
  HALLQ_WEB_SCREENSHOTS="$out/web" QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q \
    -p no:cacheprovider tests/integration/test_screenshots_web.py \
    tests/integration/test_screenshots_office.py
    tests/integration/test_screenshots_web_supervisor.py
  [ "${1:-all}" = web ] && exit 0
fi
role=()
[ $# -gt 0 ] && role=(--role "$1")
QT_QPA_PLATFORM=offscreen .venv/bin/hallq screenshot --all "$out" "${role[@]}"
