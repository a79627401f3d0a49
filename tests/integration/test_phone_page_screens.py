"""Screenshots of the citizen's phone page in real Chromium, at a phone's size (390×844) and a
desktop's, in Chinese and English, against a real hall node: a ticket waiting, one whose turn
is near, one called, a no-show, a finished one to rate, and an unknown link. Each is checked
for what it must say before it is taken.

``HALLQ_WEB_SCREENSHOTS=docs/screenshots/web`` also writes them there (the README's)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers.browser import DESKTOP, PHONE, Page
from tests.helpers.hall_servers import Hall

#: What each state's page must show before its picture is taken: (element, text) per language.
SAYS = {
    "waiting": {"zh": ("detail", "前面还有 7 人"), "en": ("detail", "7 ahead of you")},
    "near": {"zh": ("near", "快到您了"), "en": ("near", "Your turn is near")},
    "called": {"zh": ("status", "请到 20 号窗口办理"), "en": ("status", "go to window 20")},
    "no_show": {"zh": ("noshow", "过号请到服务台重新签到"), "en": ("noshow", "service desk")},
    "rate": {"zh": ("rate", "请为本次服务评价"), "en": ("rate", "Please rate the service")},
}


def _hall_day(start_hall: Callable[..., Hall]) -> tuple[Hall, dict[str, str]]:
    """A hall with a ticket in each state; each state's page address."""
    hall = start_hall(no_show_min_recalls=0, no_show_min_wait_s=0)
    kiosk, admin = hall.client("kiosk"), hall.client("admin")
    admin.window_action("1", "open")
    a_line = [kiosk.issue("A01") for _ in range(8)]
    for window in ("20", "14", "21"):
        admin.window_action(window, "open")
    called = kiosk.issue("C")
    admin.call("20")
    missed = kiosk.issue("B")
    admin.call("14")
    admin.window_action("14", "no-show")
    served = kiosk.issue("C")
    admin.call("21")
    admin.window_action("21", "finish")
    pages = {"waiting": a_line[7], "near": a_line[2], "called": called, "no_show": missed,
             "rate": served}
    return hall, {state: hall.url + urlsplit(t["url"]).path for state, t in pages.items()}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_phone_page_screenshots(start_hall: Callable[..., Hall],
                                phone_browser: Callable[..., Page], tmp_path: Path,
                                lang: str) -> None:
    hall, pages = _hall_day(start_hall)
    shots: list[Path] = []
    for size_name, size, states in (("phone", PHONE, list(SAYS)),
                                    ("desktop", DESKTOP, ["near", "rate"])):
        browser = phone_browser(size)
        for state in states:
            browser.open(f"{pages[state]}?lang={lang}")
            element, text = SAYS[state][lang]
            browser.wait_text(element, text)
            assert browser.text("conn") == "", "the stream is connected"
            shots.append(browser.screenshot(tmp_path / f"phone_{state}_{lang}_{size_name}.png"))
        if lang == "zh":
            browser.open(hall.url + "/t/20240101-Z001.abc")
            assert "没有找到该号码" in browser.body() and "Ticket not found" in browser.body()
            shots.append(browser.screenshot(tmp_path / f"phone_missing_{size_name}.png"))
    for shot in shots:
        assert shot.stat().st_size > 5_000, shot
    wanted = os.environ.get("HALLQ_WEB_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        for shot in shots:
            shutil.copy(shot, Path(wanted) / shot.name)
