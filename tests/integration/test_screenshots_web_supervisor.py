"""Screenshots of the supervisor's web pages (大厅管理) — the hall now, the day so far with its
plots, the ratings — at phone (390×844) and desktop (1366×900) sizes, in Chinese and English,
taken in Chromium against a real hall node after a simulated morning. Each page is checked for
its words in its language and for fitting the phone's width (no sideways scroll).

``HALLQ_WEB_SCREENSHOTS=docs/screenshots/web`` writes the PNGs there
(``packaging/make_screenshots.sh web``); otherwise they go to the test's temporary folder."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers.browser import DESKTOP, PHONE, Page
from tests.helpers.clocks import DatetimeClock
from tests.helpers.hall_servers import Hall

SIZES = {"phone": PHONE, "desktop": DESKTOP}
#: Each page's address and the words it shows, per language.
PAGES = {"supervisor": ("/supervisor", {"zh": "大厅实况", "en": "The hall now"}),
         "supervisor-day": ("/supervisor/day", {"zh": "今日统计", "en": "The day so far"}),
         "supervisor-ratings": ("/supervisor/ratings", {"zh": "好差评", "en": "Ratings"})}
#: The level each finished ticket is rated, in turn (mostly pleased, a few not).
LEVELS = (5, 5, 4, 5, 3, 4, 5, 2, 5, 4, 1, 5)


def shots_folder(tmp_path: Path) -> Path:
    """Where the PNGs go."""
    chosen = os.environ.get("HALLQ_WEB_SCREENSHOTS")
    return Path(chosen) if chosen else tmp_path


def busy_morning(hall: Hall, clock: DatetimeClock) -> None:
    """09:00–14:40: numbers issued every hour, three windows calling, finishing and rated;
    then window 2 at lunch, a printer out of paper, a notice, B's quota cut, S002 assigned."""
    kiosk = hall.client("kiosk")
    consoles = {n: hall.client(f"caller-{n}") for n in ("1", "2", "3")}
    clock.set(9, 0)
    consoles["1"].sign_in("1", "S003", "3456")
    consoles["2"].sign_in("2", "S001", "1234")
    hall.client("supervisor").window_action("3", "open")
    rated = 0
    for hour in range(9, 15):
        clock.set(hour, 2)
        for theme, count in (("A", 4 + hour % 3), ("B", 2), ("C", 1 + hour % 2)):
            for _ in range(count):
                kiosk.issue(theme)
        for _ in range(2):
            for number, console in consoles.items():
                called = console.call(number)
                if called is None:
                    continue
                clock.advance(minutes=6)
                console.window_action(number, "finish")
                kiosk.rate(called["id"], LEVELS[rated % len(LEVELS)])
                rated += 1
    clock.set(14, 40)
    consoles["2"].window_action("2", "pause", {"reason": "lunch"})
    consoles["1"].call("1")
    kiosk.device_status("printer", "paper_out", where="kiosk-2")
    supervisor = hall.http("supervisor")
    supervisor.post("/api/v1/notice", json={
        "text_zh": "今日 15:00 起 B 类业务暂停取号", "text_en": "B stops issuing at 15:00 today",
        "minutes": 120}).raise_for_status()
    supervisor.put("/api/v1/themes/B/today", json={"daily_quota": 20}).raise_for_status()
    supervisor.put("/api/v1/windows/5/assignment", json={"staff_id": "S002"}).raise_for_status()
    hall.http("sync").post("/api/v1/sync/status", json={
        "events_behind": 12, "seconds_behind": 95}).raise_for_status()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_supervisor_page_at_phone_and_desktop_size(
        page: Page, start_hall: Callable[..., Hall], hall_clock: DatetimeClock,
        tmp_path: Path, lang: str) -> None:
    hall = start_hall(clock=hall_clock)
    busy_morning(hall, hall_clock)
    out = shots_folder(tmp_path)
    # long pages: no scroll bar eating the shot's width (as on a phone)
    page.driver.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": True})
    page.open(f"{hall.url}/lang?to={lang}&back=/staff/sign-in")
    page.fill("staff_id", "S002").fill("pin", "2345").press("sign-in")
    for name, (url, words) in PAGES.items():
        for size_name, size in SIZES.items():
            page.size(size).open(f"{hall.url}{url}")
            assert words[lang] in page.driver.page_source, f"{name} ({lang})"
            if lang == "en":
                assert not re.search(r"[\u4e00-\u9fff]{2,}", _visible(page)), f"{name}: Chinese"
            wide = page.driver.execute_script("return document.documentElement.scrollWidth")
            assert wide <= size[0], f"{name} is {wide}px wide at {size_name} ({size[0]}px)"
            shot = page.screenshot(out / f"web-{name}-{lang}-{size_name}.png")
            with Image.open(shot) as png:
                assert png.size[0] == size[0]
    page.driver.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": False})


def _visible(page: Page) -> str:
    """The page's visible text but the names people and the hall carry in Chinese, and the
    switch back to Chinese (中文)."""
    text = page.driver.execute_script("return document.body.innerText")
    return re.sub(r"王晓明|李娜|陈建国|福田区[\u4e00-\u9fff]*|\n中文\n", "\n", text)
