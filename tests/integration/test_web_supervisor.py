"""The supervisor's web pages (大厅管理) in a real browser (Chromium) against a real hall node:
the supervisor closes a window and changes a theme's quota and the kiosk's data shows it; a
window with a citizen at it is not closed; a notice posted reaches the wall display's data and
is taken down again; staff are assigned to windows; the figures follow the hall without a
reload; device faults and the sync lag show; the day's exports download and open; the ratings
over a period; a desk-only member of staff is refused. Every change is in the event log with
the supervisor who made it, and a refused one changes nothing."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from datetime import date

import httpx
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from hall.schemas import WindowBody
from tests.helpers.browser import Page
from tests.helpers.clocks import DatetimeClock
from tests.helpers.hall_servers import Hall


@pytest.fixture
def busy_hall(start_hall: Callable[..., Hall], hall_clock: DatetimeClock) -> Hall:
    """The example hall on Tuesday 10:00 (Shanghai): window 1 open with S003 signed in."""
    hall = start_hall(clock=hall_clock)
    hall.client("caller-1").sign_in("1", "S003", "3456")
    return hall


def supervisor(page: Page, hall: Hall, staff: str = "S002", pin: str = "2345") -> Page:
    """Sign in (S002: desk and supervisor) and open the supervisor's page."""
    page.open(f"{hall.url}/staff/sign-in")
    page.fill("staff_id", staff).fill("pin", pin).press("sign-in")
    return page.open(f"{hall.url}/supervisor")


def events_of(hall: Hall, kind: str) -> list[dict]:
    """The hall's events of one kind, oldest first."""
    return [e for e in hall.client("admin").events()["events"] if e["kind"] == kind]


def window(hall: Hall, number: str) -> WindowBody:
    """A window as the API shows it."""
    return next(w for w in hall.client("kiosk").windows() if w["number"] == number)


def live_text(page: Page, element_id: str) -> str:
    """The text of an element of the refreshed part, read at once (never a stale element)."""
    return str(page.driver.execute_script(
        "const e = document.getElementById(arguments[0]);"
        "return e ? e.innerText.trim() : '';", element_id))


def today(hall: Hall) -> dict:
    """GET /api/v1/today as a kiosk reads it."""
    return hall.http("kiosk").get("/api/v1/today").json()


def signed_in_http(page: Page, hall: Hall) -> httpx.Client:
    """An HTTP client carrying the browser's session cookie (to fetch what it downloads)."""
    cookie = page.cookie("hallq_staff")
    assert cookie is not None
    made = httpx.Client(base_url=hall.url, cookies={"hallq_staff": cookie["value"]},
                        timeout=10)
    hall._clients.append(made)          # closed with the hall's own after the test
    return made


def test_the_supervisor_closes_a_window_and_reopens_it(page: Page, busy_hall: Hall) -> None:
    supervisor(page, busy_hall)
    assert live_text(page, "window-1-status") == "空闲"
    page.press("close-1")
    assert page.text("notice") == "已关闭 1 号窗口"
    assert live_text(page, "window-1-status") == "未开启"
    assert window(busy_hall, "1")["status"] == "closed"       # what the kiosk and wall read
    closed = events_of(busy_hall, "window.closed")[-1]
    assert closed["data"]["window"] == "1" and closed["data"]["by_staff"] == "S002"
    page.press("open-1")                                     # nobody signed in: an override
    assert window(busy_hall, "1")["status"] == "open"
    opened = events_of(busy_hall, "window.opened")[-1]
    assert opened["data"]["by"] == "S002" and opened["data"]["staff"] is None


def test_a_window_with_a_citizen_at_it_is_not_closed(page: Page, busy_hall: Hall) -> None:
    ticket = busy_hall.client("kiosk").issue("A")
    busy_hall.client("caller-1").call("1")
    supervisor(page, busy_hall)
    page.press("close-1")
    assert page.text("error") == "请先办结或过号当前号码"
    assert window(busy_hall, "1")["current_ticket"] == ticket["id"]   # nothing changed
    assert window(busy_hall, "1")["status"] == "open"
    assert not events_of(busy_hall, "window.closed")


def test_a_quota_changed_on_the_page_is_what_the_kiosk_reads(page: Page, busy_hall: Hall
                                                              ) -> None:
    kiosk = busy_hall.client("kiosk")
    kiosk.issue("A")
    supervisor(page, busy_hall)
    page.fill("quota-A", "2").fill("cutoff-A", "15").press("save-A")
    assert page.text("notice") == "已调整 A 类业务今日设置"
    assert "1 / 2" in live_text(page, "theme-A-quota")
    a = next(s for s in kiosk.services() if s["prefix"] == "A")      # GET /api/v1/services
    assert (a["quota"], a["quota_left"]) == (2, 1)
    kiosk.issue("A")
    with pytest.raises(Exception, match="quota_reached|号已取完|放号"):
        kiosk.issue("A")                                 # the kiosk gives no third number
    adjusted = events_of(busy_hall, "theme.adjusted")[-1]["data"]
    assert (adjusted["theme"], adjusted["daily_quota"], adjusted["cutoff_min"],
            adjusted["by"]) == ("A", 2, 15, "S002")


def test_a_bad_quota_is_refused_in_both_languages_and_changes_nothing(
        page: Page, busy_hall: Hall) -> None:
    supervisor(page, busy_hall)
    page.fill("quota-A", "abc").press("save-A")
    assert page.text("error") == "放号量：须为不小于 0 的整数"
    assert not events_of(busy_hall, "theme.adjusted")
    page.open(f"{busy_hall.url}/lang?to=en&back=/supervisor")
    page.fill("quota-A", "-3").press("save-A")
    assert page.text("error") == "Quota: a whole number, 0 or more"
    assert today(busy_hall)["themes"]["A"]["changed"] is False


def test_a_notice_reaches_the_walls_data_and_is_taken_down(page: Page, busy_hall: Hall
                                                            ) -> None:
    supervisor(page, busy_hall)
    page.fill("notice-zh", "系统升级，B 类业务暂停").fill("notice-en", "B services paused")
    page.fill("notice-minutes", "30").press("post-notice")
    assert "系统升级" in live_text(page, "notice-up")
    wall = busy_hall.client("display").hall()                 # GET /api/v1/hall, as the wall
    assert wall["notice"] is not None
    assert (wall["notice"]["text_zh"], wall["notice"]["text_en"], wall["notice"]["by"]) == (
        "系统升级，B 类业务暂停", "B services paused", "S002")
    assert wall["notice"]["until"] - wall["notice"]["posted_at"] == 30 * 60
    assert events_of(busy_hall, "notice.posted")[-1]["data"]["by"] == "S002"
    page.press("clear-notice")
    assert busy_hall.client("display").hall()["notice"] is None
    assert events_of(busy_hall, "notice.cleared")[-1]["data"]["by"] == "S002"


def test_a_blank_notice_is_refused(page: Page, busy_hall: Hall) -> None:
    supervisor(page, busy_hall)
    page.fill("notice-zh", "   ").press("post-notice")
    assert page.text("error") == "text_zh：通知内容不能为空"
    assert busy_hall.client("display").hall()["notice"] is None


def test_staff_are_assigned_to_windows(page: Page, busy_hall: Hall) -> None:
    supervisor(page, busy_hall)
    page.choose("assign-window", "3").choose("assign-staff", "S001").press("assign")
    assert live_text(page, "window-3-assigned") == "王晓明 (S001)"
    page.choose("assign-window", "4").choose("assign-staff", "S001").press("assign")
    assert today(busy_hall)["assignments"] == {"4": "S001"}   # one window each
    assigned = events_of(busy_hall, "window.assigned")[-1]["data"]
    assert (assigned["window"], assigned["staff"], assigned["by"]) == ("4", "S001", "S002")
    page.choose("assign-window", "4").choose("assign-staff", "").press("assign")
    assert today(busy_hall)["assignments"] == {}


def test_the_figures_follow_the_hall_without_a_reload(page: Page, busy_hall: Hall) -> None:
    supervisor(page, busy_hall)
    assert live_text(page, "window-2-status") == "未开启"
    busy_hall.client("caller-2").sign_in("2", "S001", "1234")
    busy_hall.client("kiosk").issue("A")
    before = page.element("now")
    # read in one step of the page's own script: the part is replaced while the poll answers
    WebDriverWait(page.driver, 12, poll_frequency=0.2).until(
        lambda d: live_text(page, "window-2-status") == "空闲")
    assert before.is_displayed()                               # the same page, not reloaded
    assert live_text(page, "theme-A-quota").startswith("1 / ")


def test_device_faults_and_the_sync_lag_show(page: Page, busy_hall: Hall) -> None:
    busy_hall.client("kiosk").device_status("printer", "paper_out", where="kiosk-2",
                                            detail="缺纸")
    busy_hall.http("sync").post("/api/v1/sync/status", json={
        "events_behind": 40, "seconds_behind": 1800}).raise_for_status()
    supervisor(page, busy_hall)
    faults = live_text(page, "faults")
    assert "设备故障：kiosk-2 的 printer（paper_out, 缺纸）" in faults
    assert "中心落后本大厅 30 分钟" in faults
    assert "落后 30.0 分钟" in live_text(page, "sync")


def test_the_days_exports_download_and_open_without_personal_data(
        page: Page, busy_hall: Hall, id_number: Callable[..., str]) -> None:
    card = id_number(date(1958, 4, 2))
    kiosk = busy_hall.client("kiosk")
    first = kiosk.issue("A", id_number=card)
    kiosk.issue("B")
    console = busy_hall.client("caller-1")
    console.call("1")
    console.window_action("1", "finish")
    kiosk.rate(first["id"], 5)
    supervisor(page, busy_hall).open(f"{busy_hall.url}/supervisor/day")
    http = signed_in_http(page, busy_hall)
    got = http.get(page.element("export-csv").get_attribute("href") or "")
    assert got.headers["content-disposition"] == (
        f'attachment; filename="hallq-{busy_hall.config.hall_id}-2024-03-12.csv"')
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert [r["号码 / Number"] for r in rows] == [first["number"], "B001"]
    assert rows[0]["评价 / Rating"] == "5" and rows[0]["窗口 / Window"] == "1"
    assert card not in got.text and "*" not in got.text        # not even masked
    book = http.get(page.element("export-xlsx").get_attribute("href") or "")
    assert book.headers["content-disposition"].endswith('-2024-03-12.xlsx"')
    with zipfile.ZipFile(io.BytesIO(book.content)) as opened:
        sheets = opened.read("xl/workbook.xml").decode()
        assert "取号明细 Tickets" in sheets and "人员评价 Ratings by staff" in sheets
        everything = b"".join(opened.read(n) for n in opened.namelist())
    assert card.encode() not in everything


def test_the_plots_are_svg_drawn_on_the_server(page: Page, busy_hall: Hall) -> None:
    busy_hall.client("kiosk").issue("A")
    supervisor(page, busy_hall).open(f"{busy_hall.url}/supervisor/day")
    for name in ("issued", "waiting", "waits", "ratings"):
        shown = page.driver.execute_script(
            "const i = document.getElementById(arguments[0]);"
            "return i.complete && i.naturalWidth;", f"plot-{name}")
        assert shown and shown > 300, name
    http = signed_in_http(page, busy_hall)
    svg = http.get("/supervisor/plots/issued.svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert "每小时取号" in svg.text and "10:00" in svg.text
    assert not re.search(r"(src|href)=[\"']https?:", svg.text)         # nothing fetched
    unknown = http.get("/supervisor/plots/nope.svg")
    assert unknown.status_code == 422 and "没有这张图表" in unknown.text
    pdf = http.get("/supervisor/export.pdf")
    assert pdf.status_code == 422 and "只能导出 CSV 或 XLSX" in pdf.text


def test_the_ratings_over_a_chosen_period(page: Page, busy_hall: Hall,
                                          hall_clock: DatetimeClock) -> None:
    kiosk, console = busy_hall.client("kiosk"), busy_hall.client("caller-1")
    for level in (5, 2):
        ticket = kiosk.issue("A")
        console.call("1")
        console.window_action("1", "finish")
        kiosk.rate(ticket["id"], level)
    supervisor(page, busy_hall).open(f"{busy_hall.url}/supervisor/ratings")
    row = page.text("by-window-1")
    # window, ratings, mean, 满意率, 差评
    assert row.split()[:5] == ["1", "2", "3.5", "50.0%", "1"]
    assert page.text("by-staff-S003").startswith("S003 陈建国 2")
    page.fill("start", "03/11/2024").fill("end", "03/11/2024").press("show")
    assert "start=2024-03-11" in page.url
    assert "这段时间没有评价" in page.text("by-window")
    page.open(f"{busy_hall.url}/supervisor/ratings?start=2024-03-12&end=2024-03-01")
    assert page.text("error") == "结束日期不能早于开始日期"


def test_a_desk_only_member_of_staff_is_refused_the_supervisors_pages(
        page: Page, busy_hall: Hall) -> None:
    supervisor(page, busy_hall, staff="S001", pin="1234")
    assert page.text("error") == "您没有使用“大厅管理”页面的权限"
    for path in ("/supervisor/day", "/supervisor/ratings", "/supervisor/export.csv"):
        page.open(f"{busy_hall.url}{path}")
        assert page.text("error") == "您没有使用“大厅管理”页面的权限", path
    http = signed_in_http(page, busy_hall)
    assert http.get("/supervisor/export.csv").status_code == 403
    assert http.get("/supervisor/now").json() == {"go": "/staff/sign-in?next=/supervisor"}


def test_a_form_without_the_sessions_token_changes_nothing(page: Page, busy_hall: Hall
                                                           ) -> None:
    supervisor(page, busy_hall)
    http = signed_in_http(page, busy_hall)
    forged = http.post("/supervisor/windows/1/close", data={"csrf": "x"},
                       headers={"origin": busy_hall.url})
    assert forged.status_code == 403
    assert window(busy_hall, "1")["status"] == "open"
