"""The back office's web pages at central (``central/web/``) in a real browser (Chromium)
against central on PostgreSQL: a submission made through central's API as a hall's agent
makes it (three photos, uploaded and verified) is found in the queue, accepted — and the
citizen's public progress page says 已受理 — or rejected with a reason, which the progress page
shows; every move is recorded with the back-office staff id. Sign-in: wrong PINs lock the
staff id, an idle session expires, a session without the role is refused, a forged form is
refused and changes nothing; the photos are served only to a back-office session, never
cached."""

from __future__ import annotations

import hashlib
import io
import re
import time

import httpx
from PIL import Image

from central import submissions
from central.appointments import CODE_ALPHABET
from central.server import CentralServer
from tests.helpers.browser import Page
from tests.helpers.central_office import (
    HALL,
    ID_HASH,
    Office,
    document_photo,
    hall_now,
    hand_in,
    sign_in,
)


def open_from_queue(page: Page, receipt: str) -> Page:
    """Open a submission by its receipt code from the queue of received ones."""
    page.open(page.url.split("/office")[0] + "/office")
    links = page.driver.find_elements("link text", receipt)
    assert links, f"{receipt} is not in the queue"
    links[0].click()
    return page.wait_for("receipt") and page


def test_a_submission_accepted_in_the_back_office_shows_accepted_to_the_citizen(
        page: Page, office: Office) -> None:
    sub = hand_in(office, "K7M2P9QXRT", "k1-1")
    page.open(f"{office.url}/office")
    assert "/staff/sign-in?next=/office" in page.url          # not signed in: sign in first
    sign_in(page, office)
    assert page.url.endswith("/office") and "陈静" in page.text("who")
    assert "K7M2P9QXRT" in page.text("queue") and "住房公积金提取" in page.text("queue")
    assert "张晓明" not in page.text("queue")                  # the list holds no personal data
    open_from_queue(page, "K7M2P9QXRT")
    assert page.text("id-masked") == "4403**********1234"
    fields = page.text("fields")
    assert "张晓明" in fields and "13812345678" in fields      # the back office checks them
    assert "手机号码" in fields                                 # labels of the hall's catalog
    thumbs = page.driver.find_elements("css selector", "img.thumb")
    assert len(thumbs) == 3
    assert all(page.driver.execute_script("return arguments[0].naturalWidth", t) == 270
               for t in thumbs)                                # thumbnails, loaded
    page.press("accept")
    assert page.text("notice") == "已受理"
    assert page.text("status") == "已受理"
    assert "S9001" in page.text("history")
    assert submissions.moves(office.db, sub["id"])[0]["by"] == "office:S9001"
    page.open(f"{office.url}/progress/K7M2P9QXRT")             # the citizen's phone page
    assert "已受理" in page.driver.page_source
    assert "张晓明" not in page.driver.page_source
    page.open(f"{office.url}/office/submissions/{sub['id']}")
    page.press("progress")
    page.press("done")
    assert page.text("status") == "已办结" and not page.has("accept")
    page.open(f"{office.url}/progress/K7M2P9QXRT")
    assert "已办结" in page.driver.page_source
    page.open(f"{office.url}/office")
    page.press("sign-out")                                     # signed out: sign in again
    page.open(f"{office.url}/office")
    assert "/staff/sign-in" in page.url


def test_a_rejection_needs_its_reason_and_the_citizen_sees_it(
        page: Page, office: Office) -> None:
    sub = hand_in(office, "R4T7W2XKMP", "k1-2")
    sign_in(page, office)
    page.open(f"{office.url}/office/submissions/{sub['id']}")
    page.driver.execute_script(                                # past the browser's own check
        "document.getElementById('reason_zh').removeAttribute('required');"
        "document.getElementById('reason_en').removeAttribute('required')")
    page.press("reject")
    assert page.text("error") == "不予受理须写明理由（中文和英文）"
    assert submissions.get(office.db, sub["id"])["status"] == "received"   # nothing changed
    page.fill("reason_zh", "购房合同照片不清晰")
    page.fill("reason_en", "The contract's photos are unclear")
    page.press("reject")
    assert page.text("status") == "不予受理"
    assert "购房合同照片不清晰" in page.text("reason")
    page.open(f"{office.url}/progress/R4T7W2XKMP")
    source = page.driver.page_source
    assert "不予受理" in source and "购房合同照片不清晰" in source
    public = httpx.get(f"{office.url}/api/v1/public/submissions/R4T7W2XKMP").json()
    assert (public["reason_zh"], public["reason_en"]) == (
        "购房合同照片不清晰", "The contract's photos are unclear")


def test_the_queue_filters_by_status_and_pages_oldest_first(
        page: Page, office: Office) -> None:
    with httpx.Client(base_url=office.url, headers=office.hall_headers) as api:
        for n in range(23):               # without photos: received at once
            api.post(f"/api/v1/halls/{HALL}/submissions", json={
                "client_id": f"q-{n}", "form": "C07" if n % 2 else "B01", "fields": {},
                "receipt": f"QUEUE{CODE_ALPHABET[n]}AAAA"})
    sign_in(page, office)
    assert "23" in page.text("count")
    receipts = [e.text for e in page.driver.find_elements("css selector", "a.receipt")]
    assert len(receipts) == 20 and receipts[0] == "QUEUEAAAAA"   # the oldest first
    page.press("next")
    assert len(page.driver.find_elements("css selector", "a.receipt")) == 3
    page.open(f"{office.url}/office?status=received&item=B01")
    assert "12" in page.text("count")
    page.open(f"{office.url}/office?status=done")
    assert page.has("empty")


def test_photos_are_only_for_a_back_office_session_and_never_cached(
        page: Page, office: Office) -> None:
    sub = hand_in(office, "P3H8N6CV2D", "k1-3")
    photo = f"{office.url}/office/submissions/{sub['id']}/photos/bank_card-1.jpg"
    refused = httpx.get(photo)
    assert refused.status_code == 401 and refused.json()["message_zh"] == "请先登录后台"
    assert refused.headers["cache-control"] == "no-store"
    forged = httpx.get(photo, cookies={"hallq_staff": "x" * 43})
    assert forged.status_code == 401
    sign_in(page, office)
    cookie = page.cookie("hallq_staff")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    shown = httpx.get(photo, cookies={"hallq_staff": cookie["value"]})
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["cache-control"] == "no-store"
    assert hashlib.sha256(shown.content).hexdigest() == next(
        f["sha256"] for f in sub["files"] if f["name"] == "bank_card-1.jpg")
    thumb = httpx.get(photo + "?thumb=1", cookies={"hallq_staff": cookie["value"]})
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert max(small.size) == 360
    assert thumb.headers["cache-control"] == "no-store"


def test_a_session_without_the_back_office_role_is_refused(page: Page, office: Office
                                                           ) -> None:
    sub = hand_in(office, "M5J9B3FQ7L", "k1-4")
    desk = office.site.sessions.start("S001", "王晓明", ("desk",), None)
    page.open(f"{office.url}/staff/sign-in")
    page.driver.add_cookie({"name": "hallq_staff", "value": desk.id, "path": "/"})
    page.open(f"{office.url}/office")
    assert "没有使用“后台受理”页面的权限" in page.text("error")
    photo = httpx.get(f"{office.url}/office/submissions/{sub['id']}/photos/bank_card-1.jpg",
                      cookies={"hallq_staff": desk.id})
    assert photo.status_code == 403
    posted = httpx.post(f"{office.url}/office/submissions/{sub['id']}/accept",
                        data={"csrf": desk.csrf}, cookies={"hallq_staff": desk.id},
                        headers={"Origin": office.url})
    assert posted.status_code == 403
    assert submissions.get(office.db, sub["id"])["status"] == "received"


def test_a_form_from_another_site_changes_nothing(page: Page, office: Office) -> None:
    sub = hand_in(office, "F2G6K8M4PR", "k1-5")
    sign_in(page, office)
    cookie = page.cookie("hallq_staff")
    assert cookie is not None
    session = office.site.sessions.find(cookie["value"])
    assert session is not None
    for headers, token in (({"Origin": "http://evil.example"}, session.csrf),
                           ({"Origin": office.url}, "not-the-token")):
        forged = httpx.post(f"{office.url}/office/submissions/{sub['id']}/accept",
                            data={"csrf": token}, cookies={"hallq_staff": cookie["value"]},
                            headers=headers)
        assert forged.status_code == 403
    assert submissions.get(office.db, sub["id"])["status"] == "received"
    whole = submissions.create(office.db, office.data_key, HALL, "old-1", "C07",  # an older
                               {"name": "张晓明", "id_number": "44030419900307123X"}, [])  # hall's
    shown = httpx.get(f"{office.url}/office/submissions/{whole['id']}",
                      cookies={"hallq_staff": cookie["value"]})
    assert "4403**********123X" in shown.text and "44030419900307123X" not in shown.text


def test_wrong_pins_lock_the_staff_id_and_an_idle_session_expires(
        page: Page, office: Office) -> None:
    sign_in(page, office, pin="0000")
    assert page.text("error") == "工号、工牌或密码错误"
    assert page.cookie("hallq_staff") is None
    for _ in range(4):
        sign_in(page, office, pin="0000")
    sign_in(page, office)                                      # the right PIN, while locked
    assert page.text("error") == "工号、工牌或密码错误"
    with office.db.transaction() as tx:                        # the lock is over
        tx.execute("UPDATE office_staff SET locked_until = 0 WHERE id = 'S9001'")
    sign_in(page, office)
    assert page.url.endswith("/office")
    office.site.sessions.idle_s = 1.0
    time.sleep(1.2)
    page.open(f"{office.url}/office")
    assert "/staff/sign-in" in page.url


def test_a_reused_document_is_named_with_its_dates_and_shown(page: Page, office: Office
                                                             ) -> None:
    first = hand_in(office, "D8E3F7G2HJ", "k1-6")
    submissions.set_status(office.db, first["id"], "accepted", by="office:S9001")
    card = document_photo("BANK CARD", 170)
    with httpx.Client(base_url=office.url, headers=office.hall_headers, timeout=10) as api:
        [doc] = api.post(f"/api/v1/halls/{HALL}/reusable", json={
            "id_hash": ID_HASH, "materials": ["purchase_contract"],
            "today": hall_now()[:10]}).json()["documents"]
        second = api.post(f"/api/v1/halls/{HALL}/submissions", json={
            "client_id": "k1-7", "form": "C07", "fields": {"name": "张晓明"},
            "files": [{"name": "bank_card-1.jpg", "size": len(card),
                       "sha256": hashlib.sha256(card).hexdigest()}],
            "receipt": "D9E4F8G3HK", "id_hash": ID_HASH, "submitted_at": hall_now(),
            "reuse": [doc["doc_id"]],
            "materials": [{"id": "purchase_contract", "name_zh": "购房合同", "reused": True},
                          {"id": "bank_card", "name_zh": "银行卡", "pages": 1}]}).json()
        api.put(f"/api/v1/submissions/{second['id']}/files/bank_card-1.jpg?offset=0",
                content=card)
    sign_in(page, office)
    page.open(f"{office.url}/office/submissions/{second['id']}")
    reused = page.driver.find_element("css selector", "p.reused").text
    assert f"{hall_now()[:10]} 提交" in reused and "有效期至" in reused
    sources = [i.get_attribute("src") for i in
               page.driver.find_elements("css selector", "img.thumb")]
    assert len(sources) == 3                       # two pages reused, one photographed
    assert sum(f"/office/submissions/{first['id']}/photos/" in s for s in sources) == 2
    assert all(page.driver.execute_script("return arguments[0].naturalWidth", i) > 0
               for i in page.driver.find_elements("css selector", "img.thumb"))


def test_any_worker_of_central_serves_a_signed_in_session(page: Page, office: Office) -> None:
    hand_in(office, "W6X2Y8Z3AB", "k1-8")
    sign_in(page, office)
    cookie = page.cookie("hallq_staff")
    assert cookie is not None
    other = CentralServer(office.db_url, port=0,                       # another worker
                          data_key_file=office.server.data_key_file).start_in_thread()
    try:
        queue = httpx.get(f"{other.url}/office", cookies={"hallq_staff": cookie["value"]})
        assert queue.status_code == 200 and "W6X2Y8Z3AB" in queue.text
        with office.db.transaction() as tx:   # the database holds no usable session id
            [(held,)] = tx.all("SELECT id_hash FROM office_sessions")
        assert held != cookie["value"] and len(held) == 64
        httpx.post(f"{other.url}/staff/sign-out", data={"csrf": _csrf_of(queue.text)},
                   cookies={"hallq_staff": cookie["value"]}, headers={"Origin": other.url})
    finally:
        other.stop()
    page.open(f"{office.url}/office")                  # signed out at the other worker
    assert "/staff/sign-in" in page.url


def _csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)
