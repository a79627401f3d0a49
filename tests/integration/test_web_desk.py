"""The service desk's web page in a real browser (Chromium) against a real hall node: staff
sign in with a PIN or a badge (wrong, locked, expired, forged forms refused), then re-check-in
a no-show — and the window calls that number again, as the wall shows it — put a ticket on the
green channel with a reason, cancel, reprint on the desk's printer, issue a number for a
citizen without a card, and find a citizen by the ID card swiped at the desk's reader. Every
change is in the event log with the staff member who made it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date

import httpx
import pytest

from display.viewmodel import DisplayModel
from tests.helpers.browser import Page
from tests.helpers.clocks import DatetimeClock
from tests.helpers.hall_servers import Hall

DESK = "test-desk"        # the desk device the hall fixture pairs


@pytest.fixture
def desk_hall(start_hall: Callable[..., Hall], hall_clock: DatetimeClock) -> Hall:
    """The example hall on Tuesday 10:00 (Shanghai), its clock moved by the test."""
    return start_hall(clock=hall_clock)


def sign_in(page: Page, hall: Hall, staff: str = "S001", pin: str = "1234",
            desk: str | None = DESK) -> Page:
    """Sign in on the browser's sign-in page."""
    page.open(f"{hall.url}/staff/sign-in")
    page.fill("staff_id", staff).fill("pin", pin)
    if desk:
        page.choose("desk", desk)
    return page.press("sign-in")


def events_of(hall: Hall, kind: str) -> list[dict]:
    """The hall's events of one kind, oldest first."""
    return [e for e in hall.client("admin").events()["events"] if e["kind"] == kind]


def no_show(hall: Hall, clock: DatetimeClock) -> dict:
    """A ticket of theme A called at window 1 and marked a no-show."""
    ticket = hall.client("kiosk").issue("A")
    console = hall.client("caller-1")
    console.sign_in("1", "S003", "3456")
    assert console.call("1")["number"] == ticket["number"]
    clock.advance(seconds=61)
    console.window_action("1", "no-show")
    return ticket


# ---------------------------------------------------------------------- sign-in
def test_sign_in_with_a_pin_opens_the_desk_with_a_strict_httponly_cookie(
        page: Page, desk_hall: Hall) -> None:
    page.open(f"{desk_hall.url}/")
    assert page.url.endswith("/staff/sign-in")     # the node's address opens the sign-in
    page.open(f"{desk_hall.url}/desk")
    assert "/staff/sign-in?next=/desk" in page.url  # not signed in: sent to sign in
    sign_in(page, desk_hall)
    assert page.url.endswith("/desk")
    assert "王晓明" in page.text("who")
    cookie = page.cookie("hallq_staff")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert len(cookie["value"]) >= 40


def test_a_badge_signs_in_too(page: Page, desk_hall: Hall) -> None:
    page.open(f"{desk_hall.url}/staff/sign-in")
    page.fill("badge_uid", "04a1b2c3d4e5f6").press("sign-in")      # S001's, in lower case
    assert page.url.endswith("/desk")


def test_a_wrong_pin_is_refused_and_no_session_is_made(page: Page, desk_hall: Hall) -> None:
    sign_in(page, desk_hall, pin="9999")
    assert page.text("error") == "工号、工牌或密码错误"
    assert page.cookie("hallq_staff") is None
    page.open(f"{desk_hall.url}/desk")
    assert "/staff/sign-in" in page.url


def test_five_wrong_pins_lock_the_staff_id_for_the_right_pin_too(
        page: Page, desk_hall: Hall) -> None:
    for _ in range(5):
        sign_in(page, desk_hall, pin="0000")
    sign_in(page, desk_hall)                       # the right PIN, while locked
    assert page.text("error") == "工号、工牌或密码错误"   # the same answer: tells nothing
    assert page.cookie("hallq_staff") is None
    locked = events_of(desk_hall, "staff.locked")
    assert [e["data"]["staff"] for e in locked] == ["S001"]
    assert locked[0]["data"]["device"].startswith("web:")


def test_staff_without_a_web_role_are_refused(page: Page, desk_hall: Hall) -> None:
    sign_in(page, desk_hall, staff="S003", pin="3456")       # S003: a window's console only
    assert "没有网页使用权限" in page.text("error")
    assert page.cookie("hallq_staff") is None


def test_an_idle_session_expires(page: Page, desk_hall: Hall, hall_clock: DatetimeClock
                                 ) -> None:
    sign_in(page, desk_hall)
    hall_clock.advance(minutes=19)
    page.open(f"{desk_hall.url}/desk")
    assert page.url.endswith("/desk")              # still signed in: each page restarts it
    hall_clock.advance(minutes=21)
    page.open(f"{desk_hall.url}/desk")
    assert "/staff/sign-in" in page.url


def test_an_idle_desk_page_goes_back_to_sign_in_by_itself(
        page: Page, desk_hall: Hall, hall_clock: DatetimeClock) -> None:
    sign_in(page, desk_hall)                       # the desk page polls its card reader
    hall_clock.advance(minutes=19)
    time.sleep(2.5)                                # polls meanwhile: no sign of a person
    hall_clock.advance(minutes=2)
    page.wait_for("sign-in-form")                  # left alone, the page signs itself out
    assert "/staff/sign-in" in page.url


def test_sign_out_ends_the_session(page: Page, desk_hall: Hall) -> None:
    sign_in(page, desk_hall)
    page.press("sign-out")
    assert "/staff/sign-in" in page.url
    chosen = page.element("desk").get_attribute("value")
    assert chosen == DESK                          # the desk PC keeps its desk for next time
    page.open(f"{desk_hall.url}/desk")
    assert "/staff/sign-in" in page.url


def _signed_in_http(hall: Hall) -> tuple[httpx.Client, str]:
    """An HTTP client signed in as S001, and its session's CSRF token."""
    http = hall.http()
    form = http.get("/staff/sign-in")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    signed = http.post("/staff/sign-in", data={"csrf": token.group(1), "staff_id": "S001",
                                               "pin": "1234"}, headers={"origin": hall.url})
    assert signed.status_code == 303
    desk = http.get("/desk")
    csrf = re.search(r'name="csrf" value="([^"]+)"', desk.text)
    assert csrf is not None
    return http, csrf.group(1)


def test_a_form_without_its_token_or_from_another_site_changes_nothing(desk_hall: Hall
                                                                       ) -> None:
    http, csrf = _signed_in_http(desk_hall)
    ticket = desk_hall.client("kiosk").issue("A")
    cancel = f"/desk/tickets/{ticket['id']}/cancel"
    missing = http.post(cancel, data={"reason": ""}, headers={"origin": desk_hall.url})
    wrong = http.post(cancel, data={"csrf": "x" * 43}, headers={"origin": desk_hall.url})
    elsewhere = http.post(cancel, data={"csrf": csrf}, headers={"origin": "http://evil.example"})
    no_origin = http.post(cancel, data={"csrf": csrf})
    for refused in (missing, wrong, elsewhere, no_origin):
        assert refused.status_code == 403
        assert "表单已失效" in refused.text
    assert desk_hall.client("admin").ticket(ticket["id"])["status"] == "waiting"
    done = http.post(cancel, data={"csrf": csrf}, headers={"origin": desk_hall.url})
    assert done.status_code == 303
    assert desk_hall.client("admin").ticket(ticket["id"])["status"] == "cancelled"


def test_the_sign_in_form_needs_its_own_token(desk_hall: Hall) -> None:
    http = desk_hall.http()
    forged = http.post("/staff/sign-in", data={"staff_id": "S001", "pin": "1234"},
                       headers={"origin": desk_hall.url})
    assert forged.status_code == 403 and "hallq_staff" not in forged.headers.get(
        "set-cookie", "")


# ---------------------------------------------------------------------- the desk's actions
def test_the_desk_rechecks_in_a_no_show_and_the_wall_shows_the_number_again(
        page: Page, desk_hall: Hall, hall_clock: DatetimeClock) -> None:
    missed = no_show(desk_hall, hall_clock)
    wall = wall_after(desk_hall)
    assert [m.number for m in wall.missed] == [missed["number"]]     # "过号" on the wall
    sign_in(page, desk_hall)
    assert missed["number"] in page.text("no-shows")
    page.fill("q", missed["number"].lower()).press("find")       # "a001" finds A001
    assert page.text("ticket-number") == missed["number"]
    page.press("recheck-in")
    assert "已重新签到" in page.text("notice")
    assert page.text("ticket-status") == "等待中"
    rechecked = events_of(desk_hall, "ticket.rechecked_in")
    assert rechecked[-1]["data"]["by_staff"] == "S001"
    assert rechecked[-1]["data"]["desk"] == DESK
    assert wall_after(desk_hall).missed == []                   # off the wall's no-show list
    called = desk_hall.client("caller-1").call("1")
    assert called is not None and called["number"] == missed["number"]
    shown = wall_after(desk_hall).current_calls(5)
    assert [(c.number, c.window) for c in shown][:1] == [(missed["number"], "1")]


def wall_after(hall: Hall) -> DisplayModel:
    """The wall display's model fed the hall's event log, as the wall's stream feeds it."""
    wall = DisplayModel(timezone="Asia/Shanghai")
    for event in hall.client("display").events()["events"]:
        wall.apply(event, live=False)
    return wall


def test_the_green_channel_needs_a_reason_and_records_it(page: Page, desk_hall: Hall) -> None:
    ticket = desk_hall.client("kiosk").issue("A")
    sign_in(page, desk_hall)
    page.open(f"{desk_hall.url}/desk/tickets/{ticket['id']}")
    page.press("green-on")                          # no reason given
    assert "请填写绿色通道的原因" in page.text("error")
    assert desk_hall.client("admin").ticket(ticket["id"])["green"] is False
    page.fill("reason", "孕妇").press("green-on")
    assert page.has("ticket-green")
    assert desk_hall.client("admin").ticket(ticket["id"])["green"] is True
    green = events_of(desk_hall, "ticket.prioritized")[-1]["data"]
    assert (green["green"], green["reason"], green["by_staff"]) == (True, "孕妇", "S001")
    page.press("green-off")
    assert desk_hall.client("admin").ticket(ticket["id"])["green"] is False


def test_the_desk_cancels_a_waiting_ticket(page: Page, desk_hall: Hall) -> None:
    ticket = desk_hall.client("kiosk").issue("A")
    sign_in(page, desk_hall)
    page.open(f"{desk_hall.url}/desk/tickets/{ticket['id']}")
    page.driver.execute_script("window.confirm = function () { return true; };")
    page.press("cancel")
    assert page.text("ticket-status") == "已取消"
    assert events_of(desk_hall, "ticket.cancelled")[-1]["data"]["by_staff"] == "S001"


def test_a_reprint_goes_to_the_desks_printer(page: Page, desk_hall: Hall) -> None:
    ticket = desk_hall.client("kiosk").issue("A")
    sign_in(page, desk_hall)
    page.open(f"{desk_hall.url}/desk/tickets/{ticket['id']}")
    page.press("reprint")
    assert "已发送到本台打印机" in page.text("notice")
    printed = events_of(desk_hall, "ticket.printed")[-1]["data"]
    assert (printed["number"], printed["printer"], printed["reprint"], printed["by_staff"]) == (
        ticket["number"], DESK, True, "S001")


def test_without_a_desk_there_is_no_reprint_button(page: Page, desk_hall: Hall) -> None:
    ticket = desk_hall.client("kiosk").issue("A")
    sign_in(page, desk_hall, desk=None)
    page.open(f"{desk_hall.url}/desk/tickets/{ticket['id']}")
    assert not page.has("reprint")


def test_a_number_for_a_citizen_without_a_card(page: Page, desk_hall: Hall) -> None:
    sign_in(page, desk_hall)
    page.choose("service", "B").press("issue")
    number = page.text("ticket-number")
    assert number.startswith("B") and "已取号" in page.text("notice")
    issued = events_of(desk_hall, "ticket.issued")[-1]["data"]
    assert (issued["number"], issued["channel"], issued["by_staff"]) == (number, "staff", "S001")
    printed = events_of(desk_hall, "ticket.printed")[-1]["data"]       # on the desk's printer
    assert (printed["number"], printed["printer"], printed["reprint"]) == (number, DESK, False)


def test_an_unknown_number_says_so(page: Page, desk_hall: Hall) -> None:
    sign_in(page, desk_hall)
    page.fill("q", "Z999").press("find")
    assert "未找到今日号码" in page.text("notice")


def test_a_card_swiped_at_the_desk_opens_the_citizens_tickets(
        page: Page, desk_hall: Hall, id_number: Callable[..., str]) -> None:
    card = id_number(date(1980, 5, 17))
    ticket = desk_hall.client("kiosk").issue("A", id_number=card)
    sign_in(page, desk_hall)
    answer = desk_hall.client("desk").desk_card(card)       # the desk's reader
    assert answer["tickets_today"] == 1
    page.wait_for("swiped-tickets")                # the page follows without a click
    assert ticket["number"] in page.text("swiped-tickets")
    assert card not in page.driver.page_source     # the masked number only
    assert page.text("swiped-id") == answer["id_masked"]


def test_the_english_switch_is_kept(page: Page, desk_hall: Hall) -> None:
    sign_in(page, desk_hall)
    page.press("lang-switch")
    assert page.url.endswith("/desk")
    assert "Find a ticket" in page.driver.page_source
    page.open(f"{desk_hall.url}/desk")
    assert "Find a ticket" in page.driver.page_source
