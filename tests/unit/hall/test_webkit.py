"""The web kit's rules without a browser: sessions end after 20 idle minutes or 10 hours
whatever happens, the session cookie is HttpOnly, SameSite=Strict and Secure over https, a
form from another origin is refused, the language switch never sends a browser to another
site, a staff member's web roles are checked in the hall's TOML, and the hall and the back
office sign in on one form, each with its own words and fields."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from starlette.requests import Request
from starlette.responses import Response

from central.web import sign_in as office_sign_in
from central.web import site as office_site
from hall.config import EXAMPLE_HALL, ConfigError, load_config
from hall.errors import QueueError
from hall.web import sign_in as hall_sign_in
from hall.web import site as hall_site
from hall.webkit import csrf
from hall.webkit.routes import local_path
from hall.webkit.sessions import ABSOLUTE_S, IDLE_S, SessionStore, set_session_cookie
from hall.webkit.templating import WebTemplates
from tests.helpers.clocks import SecondsClock


def request(scheme: str = "http", headers: dict[str, str] | None = None) -> Request:
    """A request to the desk page as the server sees it."""
    return Request({"type": "http", "method": "POST", "scheme": scheme, "path": "/desk",
                    "query_string": b"", "server": ("hall.local", 8470),
                    "headers": [(k.lower().encode(), v.encode())
                                for k, v in {"host": "hall.local:8470",
                                             **(headers or {})}.items()]})


def test_an_idle_session_ends_after_twenty_minutes() -> None:
    clock = SecondsClock()
    sessions = SessionStore(clock)
    made = sessions.start("S001", "王晓明", ("desk",), None)
    clock.now += IDLE_S - 1
    assert sessions.find(made.id) is made
    clock.now += IDLE_S - 1                      # each request starts the idle time again
    assert sessions.find(made.id) is made
    clock.now += IDLE_S + 1
    assert sessions.find(made.id) is None
    assert sessions.find(made.id) is None        # gone for good


def test_a_pages_own_poll_does_not_keep_a_session_alive() -> None:
    clock = SecondsClock()
    sessions = SessionStore(clock)
    made = sessions.start("S001", "王晓明", ("desk",), None)
    for _ in range(int(IDLE_S) // 60):
        clock.now += 60
        assert sessions.find(made.id, touch=False) is made
    clock.now += 61
    assert sessions.find(made.id, touch=False) is None


def test_a_busy_session_ends_after_ten_hours() -> None:
    clock = SecondsClock()
    sessions = SessionStore(clock)
    made = sessions.start("S001", "王晓明", ("desk",), None)
    for elapsed in range(600, int(ABSOLUTE_S) + 1, 600):      # a click every 10 minutes
        clock.now = made.started + elapsed
        assert sessions.find(made.id) is made
    clock.now = made.started + ABSOLUTE_S + 1
    assert sessions.find(made.id) is None


def test_sign_out_ends_the_session_and_ids_are_unguessable() -> None:
    sessions = SessionStore(SecondsClock())
    one = sessions.start("S001", "王晓明", ("desk",), None)
    two = sessions.start("S001", "王晓明", ("desk",), None)
    assert one.id != two.id and len(one.id) >= 40 and one.csrf != two.csrf
    sessions.end(one.id)
    assert sessions.find(one.id) is None and sessions.find(two.id) is two
    assert sessions.find("") is None and sessions.find(None) is None


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_session_cookie_is_httponly_strict_and_secure_over_https(scheme: str) -> None:
    made = SessionStore(SecondsClock()).start("S001", "王晓明", ("desk",), None)
    response = Response()
    set_session_cookie(response, request(scheme), made, ABSOLUTE_S)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert ("Secure" in cookie) is (scheme == "https")


@pytest.mark.parametrize("headers", [
    {"origin": "http://evil.example"}, {"origin": "null"}, {},
    {"referer": "http://hall.local:9999/desk"}, {"origin": "https://hall.local:8470"}])
def test_a_form_from_elsewhere_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(QueueError) as refused:
        csrf.check(request(headers=headers), {"csrf": "token"}, "token")
    assert refused.value.status == 403 and "表单已失效" in refused.value.message_zh


def test_a_form_from_this_site_needs_the_sessions_token() -> None:
    here = {"origin": "http://hall.local:8470"}
    csrf.check(request(headers=here), {"csrf": "token"}, "token")
    csrf.check(request(headers={"referer": "http://hall.local:8470/desk"}), {"csrf": "token"},
               "token")
    for form in ({}, {"csrf": ""}, {"csrf": "other"}):
        with pytest.raises(QueueError):
            csrf.check(request(headers=here), form, "token")


@pytest.mark.parametrize("back, went", [
    ("/desk", "/desk"), ("/desk?x=1", "/desk?x=1"), ("//evil.example/x", "/"),
    ("http://evil.example/", "/"), ("/\\evil.example", "/"), ("", "/"), (None, "/")])
def test_the_language_switch_goes_back_only_to_this_site(back: str | None, went: str) -> None:
    assert local_path(back) == went


def test_web_roles_are_read_and_a_wrong_one_is_refused(tmp_path: Path) -> None:
    hall = load_config(EXAMPLE_HALL)
    assert hall.staff["S001"].roles == ("desk",)
    assert hall.staff["S002"].roles == ("desk", "supervisor")
    assert hall.staff["S003"].roles == ()
    text = EXAMPLE_HALL.read_text(encoding="utf-8").replace(
        'roles = ["desk"]', 'roles = ["boss"]')
    wrong = tmp_path / "hall.toml"
    wrong.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(wrong)
    assert "staff" in str(refused.value) and "roles" in str(refused.value)


def test_behind_a_tls_proxy_the_cookie_is_secure_and_the_origin_is_https() -> None:
    behind = {"x-forwarded-proto": "https", "origin": "https://hall.local:8470"}
    csrf.check(request(headers=behind), {"csrf": "token"}, "token")
    with pytest.raises(QueueError):     # a page over http is not the https site's own
        csrf.check(request(headers={**behind, "origin": "http://hall.local:8470"}),
                   {"csrf": "token"}, "token")
    made = SessionStore(SecondsClock()).start("S001", "王晓明", ("desk",), None)
    response = Response()
    set_session_cookie(response, request(headers=behind), made, ABSOLUTE_S)
    assert "Secure" in response.headers["set-cookie"]


def _sign_in_page(folder: Path, **words: object) -> str:
    """The kit's sign-in form as a site with templates in ``folder`` serves it."""
    templates = WebTemplates(folder, ZoneInfo("Asia/Shanghai"))
    page = templates.render(request(), "sign_in.html", csrf="token", next="", error=None,
                            notice=None,
                            site_name="大厅", **words)
    return bytes(page.body).decode()


def test_one_sign_in_form_serves_the_hall_and_the_back_office() -> None:
    hall = _sign_in_page(hall_site.TEMPLATES, heading=hall_sign_in.HEADING, badge=True,
                         desks=["desk-1"], chosen_desk="desk-1")
    office = _sign_in_page(office_site.TEMPLATES, heading=office_sign_in.HEADING)
    for page in (hall, office):
        assert 'action="/staff/sign-in"' in page and 'name="csrf" value="token"' in page
        assert 'id="staff_id"' in page and 'id="pin"' in page and 'id="sign-in"' in page
    assert "<h2>员工登录</h2>" in hall and "<title>员工登录 · 大厅</title>" in hall
    assert 'name="badge_uid"' in hall and '<option value="desk-1" selected>' in hall
    assert "<h2>后台受理人员登录</h2>" in office
    assert "badge_uid" not in office and 'name="desk"' not in office, "no badge, no desk there"
