"""The citizen's phone page on the hall's LAN (``/t/<token>``), in real Chromium at a phone's
size against a real hall node: it follows the ticket from waiting to called without a reload
(server-sent events, no 15-s refresh), says "快到您了" with a vibration and a notification when
fewer than three are ahead, tells a no-show what to do by the hall's rule, gives the number up
after a confirm, takes one rating, speaks English on request, and an unknown link gets a proper
page."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from tests.helpers.browser import Page
from tests.helpers.hall_servers import Hall


def page_url(hall: Hall, ticket: dict) -> str:
    """The ticket's QR address, on this test's hall node."""
    return hall.url + urlsplit(ticket["url"]).path


def open_window(hall: Hall, window: str) -> None:
    hall.client("admin").window_action(window, "open")


def test_the_page_follows_the_ticket_to_its_call_without_a_reload(
        hall: Hall, phone_browser: Callable[..., Page]) -> None:
    kiosk = hall.client("kiosk")
    for _ in range(4):
        ticket = kiosk.issue("A")
    assert ticket["number"] == "A004"
    assert "<meta http-equiv=refresh" not in httpx.get(page_url(hall, ticket)).text
    phone = phone_browser()
    phone.open(page_url(hall, ticket))
    assert phone.wait_text("number", "A004") == "A004"
    phone.wait_text("detail", "前面还有 3 人")
    assert phone.text("status") == "等待中" and phone.text("near") == ""
    assert phone.buzzes() == []
    phone.driver.execute_script("window.__same = 'not reloaded';")
    open_window(hall, "1")
    console = hall.client("caller-1")
    assert console.call("1")["number"] == "A001"
    near = phone.wait_text("near", "快到您了")
    assert "前面还有 2 人" in near and phone.text("detail") == "前面还有 2 人"
    assert ["vibrate", [300, 150, 300]] in phone.buzzes()
    assert ["notification", "A004", near] in phone.buzzes()
    for number in ("A002", "A003", "A004"):
        console.window_action("1", "finish")
        assert console.call("1")["number"] == number
    phone.wait_text("status", "已叫号，请到 1 号窗口办理")
    assert phone.text("near") == "轮到您了！请到 1 号窗口"
    assert phone.buzzes()[-1] == ["notification", "A004", "轮到您了！请到 1 号窗口"]
    assert len([b for b in phone.buzzes() if b[0] == "vibrate"]) == 2, \
        "once when near (not again at 1 and 0 ahead), once when called"
    assert phone.driver.execute_script("return window.__same;") == "not reloaded"
    assert phone.text("cancel") == "", "a called number cannot be given up"


def test_a_citizen_gives_up_the_number_after_a_confirm(
        hall: Hall, phone_browser: Callable[..., Page]) -> None:
    ticket = hall.client("kiosk").issue("B")
    phone = phone_browser()
    phone.open(page_url(hall, ticket))
    phone.wait_text("cancel", "放弃排号")
    phone.click("cancel")
    assert "确定放弃 B001 号吗" in phone.accept_confirm()
    phone.wait_text("status", "已放弃")
    assert phone.text("cancel") == ""
    assert hall.client("kiosk").ticket(ticket["id"])["status"] == "cancelled"


def test_a_dismissed_confirm_keeps_the_number(
        hall: Hall, phone_browser: Callable[..., Page]) -> None:
    ticket = hall.client("kiosk").issue("B")
    phone = phone_browser()
    phone.open(page_url(hall, ticket))
    phone.wait_text("cancel", "放弃排号")
    phone.click("cancel")
    phone.wait_until(lambda: phone.driver.switch_to.alert, what="the confirm").dismiss()
    assert phone.text("status") == "等待中"
    assert hall.client("kiosk").ticket(ticket["id"])["status"] == "waiting"


def test_a_finished_service_is_rated_once(
        hall: Hall, phone_browser: Callable[..., Page]) -> None:
    ticket = hall.client("kiosk").issue("C")
    open_window(hall, "20")
    console = hall.client("caller-20")
    assert console.call("20")["id"] == ticket["id"]
    phone = phone_browser()
    phone.open(page_url(hall, ticket))
    phone.wait_text("status", "已叫号，请到 20 号窗口办理")
    console.window_action("20", "finish")
    phone.wait_text("rate", "请为本次服务评价")
    labels = [b.text for b in phone.driver.find_elements("css selector", "#levels button")]
    assert labels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    phone.click_button("满意")
    phone.wait_text("thanks", "感谢您的评价：满意")
    assert phone.text("rate") == ""
    assert hall.client("kiosk").ticket(ticket["id"])["rating"] == 4
    again = httpx.post(page_url(hall, ticket) + "/rating", json={"level": 1})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"


def test_a_no_show_is_told_the_halls_rule(
        start_hall: Callable[..., Hall], phone_browser: Callable[..., Page]) -> None:
    hall = start_hall(no_show_min_recalls=0, no_show_min_wait_s=0, recheckin_positions=5,
                      max_recheckins=2)
    ticket = hall.client("kiosk").issue("A")
    open_window(hall, "2")
    console = hall.client("caller-2")
    console.call("2")
    console.window_action("2", "no-show")
    phone = phone_browser()
    phone.open(page_url(hall, ticket))
    phone.wait_text("status", "已过号")
    assert phone.text("noshow") == ("过号请到服务台重新签到：重新签到后排在 5 位之后"
                                    "（每个号码可重新签到 2 次）。")
    phone.click("lang")
    assert phone.text("noshow").startswith("Missed your call? Check in again at the service "
                                           "desk: you go 5 places back")


def test_the_page_speaks_english_on_request_and_remembers_it(
        hall: Hall, phone_browser: Callable[..., Page]) -> None:
    hall.client("kiosk").issue("A")
    ticket = hall.client("kiosk").issue("A")
    phone = phone_browser()
    phone.open(page_url(hall, ticket))
    phone.wait_text("detail", "前面还有 1 人")
    assert phone.text("lang") == "English"
    phone.click("lang")
    phone.wait_text("detail", "1 ahead of you")
    assert phone.text("status") == "Waiting" and phone.text("cancel") == "Give up my number"
    assert phone.text("hall") == "Futian District Government Service Center"
    phone.open(page_url(hall, ticket))
    phone.wait_text("detail", "1 ahead of you")
    assert phone.driver.execute_script("return document.documentElement.lang;") == "en"


def test_an_unknown_link_gets_a_page_that_says_so(
        hall: Hall, phone_browser: Callable[..., Page]) -> None:
    ticket = hall.client("kiosk").issue("A")
    phone = phone_browser()
    for path in ("/t/20240101-Z001", urlsplit(ticket["url"]).path[:-1] + "x",
                 f"/t/{ticket['id']}"):
        phone.open(hall.url + path)
        body = phone.body()
        assert "没有找到该号码" in body and "Ticket not found" in body
        assert "请重新扫描小票上的二维码" in body


def test_the_stream_resumes_from_the_last_event_and_refuses_a_wrong_link(hall: Hall) -> None:
    open_window(hall, "1")
    ticket = hall.client("kiosk").issue("A")
    url = page_url(hall, ticket) + "/events"
    with httpx.stream("GET", url, timeout=10) as first:
        assert first.headers["content-type"].startswith("text/event-stream")
        lines = first.iter_lines()
        event_id = next(lines).removeprefix("id: ")
        assert next(lines) == "event: state"
        assert '"status":"waiting"' in next(lines)
    with httpx.stream("GET", url, params={"last": event_id}, timeout=10) as resumed:
        hall.client("kiosk").issue("A")         # changes nothing on A001's page …
        hall.client("caller-1").call("1")       # … this does
        lines = resumed.iter_lines()
        assert next(lines).startswith("id: ") and next(lines) == "event: state"
        assert '"status":"called"' in next(lines), "nothing sent twice"
    wrong = httpx.get(url.replace(ticket["id"], ticket["id"][:-1] + "9"))
    assert wrong.status_code == 404 and wrong.json()["code"] == "unknown_ticket"


def test_the_page_weighs_under_50_kb(hall: Hall) -> None:
    ticket = hall.client("kiosk").issue("A")
    page = httpx.get(page_url(hall, ticket))
    assert page.status_code == 200 and len(page.content) < 50_000
    assert "<script src" not in page.text and "<link " not in page.text, "one round trip"
    assert page.headers["cache-control"] == "no-store"

