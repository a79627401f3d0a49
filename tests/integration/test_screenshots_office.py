"""Screenshots of the back office's pages at central — sign-in, the queue, a received
submission with its photos, a rejected one — at phone (390×844) and desktop (1366×900)
sizes, in Chinese and English, taken in Chromium against central on PostgreSQL. Each page is
checked for its words in its language and for fitting the phone's width (no sideways scroll).

``HALLQ_WEB_SCREENSHOTS=docs/screenshots/web`` writes the PNGs there as ``office_*.png``;
otherwise they go to the test's temporary folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PIL import Image

from central import submissions
from tests.helpers.browser import DESKTOP, PHONE, Page
from tests.helpers.central_office import Office, hand_in, sign_in

SIZES = {"phone": PHONE, "desktop": DESKTOP}
#: Words each page shows, per language.
WORDS = {"sign-in": {"zh": "后台受理人员登录", "en": "Back-office sign-in"},
         "queue": {"zh": "先交先办", "en": "oldest first"},
         "submission": {"zh": "申请材料", "en": "Materials"},
         "rejected": {"zh": "不予受理理由", "en": "Reason not accepted"}}


def shots_folder(tmp_path: Path) -> Path:
    """Where the PNGs go."""
    chosen = os.environ.get("HALLQ_WEB_SCREENSHOTS")
    return Path(chosen) if chosen else tmp_path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_back_office_page_at_phone_and_desktop_size(
        page: Page, office: Office, tmp_path: Path, lang: str) -> None:
    received = hand_in(office, "K7M2P9QXRT", "k1-1")
    hand_in(office, "H4N8Q2WX6T", "k2-1", name="李华")
    rejected = hand_in(office, "R4T7W2XKMP", "k3-1", name="王芳")
    submissions.set_status(office.db, rejected["id"], "rejected", "购房合同照片不清晰",
                           "The contract's photos are unclear", by="office:S9001")
    out = shots_folder(tmp_path)
    page.open(f"{office.url}/lang?to={lang}&back=/staff/sign-in")
    _shoot(page, f"{office.url}/staff/sign-in", out, "sign-in", lang)
    sign_in(page, office)
    pages = {"queue": "/office?status=all",
             "submission": f"/office/submissions/{received['id']}",
             "rejected": f"/office/submissions/{rejected['id']}"}
    for name, url in pages.items():
        _shoot(page, f"{office.url}{url}", out, name, lang)


def _shoot(page: Page, url: str, out: Path, name: str, lang: str) -> None:
    for size_name, size in SIZES.items():
        page.size(size).open(url)
        page.driver.execute_script(      # the thumbnails loaded, no scroll bar in the shot
            "document.documentElement.style.scrollbarWidth = 'none';"
            "return Promise.all([...document.images].map(i => i.decode()))")
        source = page.driver.page_source
        assert WORDS[name][lang] in source, f"{name} ({lang}) lacks {WORDS[name][lang]!r}"
        if lang == "en":
            assert not re.search(r"[\u4e00-\u9fff]{4,}", _visible(page)), f"{name}: Chinese"
        wide = page.driver.execute_script("return document.documentElement.scrollWidth")
        assert wide <= size[0], f"{name} is {wide}px wide at {size_name} ({size[0]}px)"
        shot = page.screenshot(out / f"office_{name}-{lang}-{size_name}.png")
        with Image.open(shot) as png:
            assert png.size[0] == size[0]


def _visible(page: Page) -> str:
    """The page's visible text but what a citizen wrote (the form's values and the reason,
    kept as given) and the staff member's name."""
    return page.driver.execute_script(
        "const skip = document.querySelectorAll('#fields td, #reason, #who');"
        "skip.forEach(e => e.style.visibility = 'hidden');"
        "const text = document.body.innerText;"
        "skip.forEach(e => e.style.visibility = '');"
        "return text;")
