"""The kiosk for the elderly, without Qt: a longer idle reset with a countdown and "还需要更多
时间吗？", item search by pinyin initials, the card reader's guide, and times in the hall's
time zone whatever the machine's."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.devices import KioskDevices
from kiosk.search import ItemSearch, pinyin_keys
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.clocks import SecondsClock
from tests.helpers.fake_devices import FakeTicketPrinter
from tests.helpers.fake_halls import FakeKioskHall
from ui.samples import sample_services


def make(**settings: Any) -> tuple[KioskModel, FakeKioskHall, SecondsClock]:
    hall, clock = FakeKioskHall(), SecondsClock()
    model = KioskModel(hall, KioskDevices(printer=FakeTicketPrinter()),  # type: ignore[arg-type]
                       KioskSettings(name="kiosk-1", **settings), clock=clock)
    model.start()
    return model, hall, clock


def test_the_last_15_seconds_count_down_and_yes_gives_more_time() -> None:
    model, _, clock = make(idle_timeout_s=60)
    model.walk_in()
    clock.now += 44
    assert not model.check_idle() and model.countdown() is None
    clock.now += 1
    before = model.revision
    assert not model.check_idle() and model.countdown() == 15
    assert model.revision == before + 1, "the dialog is drawn when the countdown starts"
    model.check_idle()
    assert model.revision == before + 1, "and redrawn only when its figure changes"
    clock.now += 6.5
    model.check_idle()
    assert model.countdown() == 9 and model.revision == before + 2
    model.more_time()  # "需要 / Yes"
    assert model.countdown() is None and model.screen == "themes"
    clock.now += 59
    assert not model.check_idle()
    clock.now += 1
    assert model.check_idle() and model.screen == "attract"
    assert model.countdown() is None, "no dialog on the start screen"


def test_elderly_mode_waits_twice_as_long_unless_told() -> None:
    model, _, clock = make(idle_timeout_s=60)
    model.walk_in()
    model.toggle_elderly()
    assert model.idle_timeout() == 120
    clock.now += 100
    assert not model.check_idle() and model.countdown() is None  # 20 s left: not yet
    clock.now += 5
    assert model.countdown() == 15
    clock.now += 15
    assert model.check_idle() and model.screen == "attract"
    model, _, _ = make(idle_timeout_s=60, elderly_idle_timeout_s=300)
    model.toggle_elderly()
    assert model.idle_timeout() == 300


def test_no_countdown_while_the_hall_is_asked() -> None:
    model, _, clock = make(idle_timeout_s=60)
    model.walk_in()
    model.busy = True
    clock.now += 70
    assert model.countdown() is None and not model.check_idle()


@pytest.mark.parametrize(("query", "found"), [
    ("sbk", ["C04"]), ("yyzz", ["A06"]), ("sfz", ["C01"]), ("shebao", ["C04"]),
    ("wfzjl", ["C14"]), ("SBK", ["C04"]), ("tax", ["A08"]), ("xyz", [])])
def test_search_by_pinyin_initials_whole_pinyin_or_english(query: str, found: list[str]) -> None:
    search = ItemSearch()
    for key in query:
        search.type(key)
    assert [i["code"] for i in search.results(sample_services())] == found


def test_initials_best_first_then_the_rest() -> None:
    search = ItemSearch(query="qy")
    names = [i["name_zh"] for i in search.results(sample_services())]
    assert names[:3] == ["企业设立登记", "企业变更登记", "企业注销登记"]  # starts with qy
    assert "户口迁移" in names[3:]  # hkqy: qy inside
    assert pinyin_keys("社保卡申领") == ("sbksl", "shebaokashenling")


def test_the_pinyin_dictionary_never_stays_in_the_kiosk() -> None:
    """pypinyin's phrase data (about 55 MB) is loaded by a child process, not the kiosk."""
    code = ("import sys, resource\n"
            "from kiosk.search import ItemSearch\n"
            "from ui.samples import sample_services\n"
            "search = ItemSearch(query='yhkh')\n"
            "search.results(sample_services())\n"
            "print('pypinyin' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "False", done.stderr
    assert pinyin_keys("重庆银行开户") == ("cqyhkh", "chongqingyinhangkaihu")   # phrases known


def test_search_in_a_theme_on_the_kiosk_keyboard_and_take_a_number() -> None:
    model, hall, _ = make()
    model.walk_in()
    model.choose_theme("C")
    model.toggle_elderly()
    assert model.page_count() == 3  # 综合服务: three pages in elderly mode
    model.open_search()
    assert (model.screen, model.search.scope) == ("search", "C")
    for key in "yyzz":  # 营业执照补领 is in 商事登记, not here
        model.type_key(key)
    assert model.search_results() == []
    model.clear_search()
    for key in "sbkx":
        model.type_key(key)
    model.erase_key()
    assert model.search.query == "sbk"
    assert [i["code"] for i in model.search_results()] == ["C04"]
    model.take_number("C04")
    assert hall.issued[-1]["service"] == "C04" and model.screen == "ticket"


def test_search_shows_a_screenful_and_back_returns_where_it_began() -> None:
    model, _, _ = make()
    model.walk_in()
    model.open_search()  # from the themes: every theme
    model.type_key("d")
    assert len(model.search_results()) == 6
    model.toggle_elderly()
    assert len(model.search_results()) == 4
    model.back()
    assert model.screen == "themes"
    model.choose_theme("A")
    model.open_search()
    model.back()
    assert model.screen == "items"


def test_the_card_tile_shows_where_the_reader_is() -> None:
    model, _, clock = make(idle_timeout_s=60)
    model.show_card_guide()
    assert model.screen == "card_guide"
    clock.now += 60
    assert model.check_idle() and model.screen == "attract"
    model.show_card_guide()
    model.back()
    assert model.screen == "attract"


@pytest.fixture
def machine_in_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_clock_is_the_halls_when_the_machine_is_utc(machine_in_utc: None) -> None:
    noon_utc = 1710244800.0  # 2024-03-12 12:00 UTC
    model = KioskModel(None, wall=lambda: noon_utc)
    assert model.local_now().strftime("%H:%M") == "12:00"  # the machine's until the hall answers
    model.hall_loaded({**FakeKioskHall().hall(), "timezone": "Asia/Shanghai"})
    assert model.local_now().strftime("%Y-%m-%d %H:%M %Z") == "2024-03-12 20:00 CST"
