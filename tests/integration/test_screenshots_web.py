"""Screenshots of every staff web page — sign-in, the service desk, a no-show's page, a
waiting ticket's page, a card swiped at the desk — at phone (390×844) and desktop (1366×900)
sizes, in Chinese and English, taken in Chromium against a real hall node. Each page is
checked for its words in its language and for fitting the phone's width (no sideways scroll).

``HALLQ_WEB_SCREENSHOTS=docs/screenshots/web`` writes the PNGs there
(``packaging/make_screenshots.sh web``); otherwise they go to the test's temporary folder."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers.browser import DESKTOP, PHONE, Page
from tests.helpers.clocks import DatetimeClock
from tests.helpers.hall_servers import Hall

SIZES = {"phone": PHONE, "desktop": DESKTOP}
#: Words each page shows, per language.
WORDS = {"sign-in": {"zh": "员工登录", "en": "Staff sign-in"},
         "desk": {"zh": "今日过号", "en": "Today's no-shows"},
         "no-show": {"zh": "过号重新签到", "en": "Check a no-show in again"},
         "waiting": {"zh": "绿色通道", "en": "Green channel"},
         "swipe": {"zh": "身份证", "en": "ID card"}}


def shots_folder(tmp_path: Path) -> Path:
    """Where the PNGs go."""
    chosen = os.environ.get("HALLQ_WEB_SCREENSHOTS")
    return Path(chosen) if chosen else tmp_path


def busy_desk(hall: Hall, clock: DatetimeClock, card: str) -> dict[str, str]:
    """A morning at the desk: a no-show, a citizen waiting with a card, another theme's."""
    kiosk = hall.client("kiosk")
    missed = kiosk.issue("A")
    console = hall.client("caller-1")
    console.sign_in("1", "S003", "3456")
    console.call("1")
    clock.advance(seconds=61)
    console.window_action("1", "no-show")
    waiting = kiosk.issue("A", id_number=card)
    kiosk.issue("B")
    hall.client("desk").desk_card(card)
    return {"no-show": missed["id"], "waiting": waiting["id"]}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_staff_page_at_phone_and_desktop_size(
        page: Page, start_hall: Callable[..., Hall], hall_clock: DatetimeClock,
        id_number: Callable[..., str], tmp_path: Path, lang: str) -> None:
    hall = start_hall(clock=hall_clock)
    tickets = busy_desk(hall, hall_clock, id_number(date(1958, 4, 2)))
    out = shots_folder(tmp_path)
    page.open(f"{hall.url}/lang?to={lang}&back=/staff/sign-in")
    pages = {"sign-in": "/staff/sign-in"}
    for name, url in pages.items():
        _shoot(page, f"{hall.url}{url}", out, name, lang)
    page.fill("staff_id", "S002").fill("pin", "2345").choose("desk", "test-desk")
    page.press("sign-in")
    pages = {"desk": "/desk", "no-show": f"/desk/tickets/{tickets['no-show']}",
             "waiting": f"/desk/tickets/{tickets['waiting']}", "swipe": "/desk/swipe/1"}
    for name, url in pages.items():
        _shoot(page, f"{hall.url}{url}", out, name, lang)


def _shoot(page: Page, url: str, out: Path, name: str, lang: str) -> None:
    for size_name, size in SIZES.items():
        page.size(size).open(url)
        source = page.driver.page_source
        assert WORDS[name][lang] in source, f"{name} ({lang}) lacks {WORDS[name][lang]!r}"
        if lang == "en":
            assert not re.search(r"[\u4e00-\u9fff]{4,}", _visible(page)), f"{name}: Chinese"
        wide = page.driver.execute_script("return document.documentElement.scrollWidth")
        assert wide <= size[0], f"{name} is {wide}px wide at {size_name} ({size[0]}px)"
        shot = page.screenshot(out / f"web-{name}-{lang}-{size_name}.png")
        with Image.open(shot) as png:
            assert png.size[0] == size[0]


def _visible(page: Page) -> str:
    """The page's visible text but names people and halls carry in Chinese (the hall's
    and the staff member's names are proper names, kept as they are)."""
    text = page.driver.execute_script("return document.body.innerText")
    return re.sub(r"王晓明|李娜|福田区[\u4e00-\u9fff]*", "", text)
