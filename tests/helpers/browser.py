"""A real browser for the web pages' tests: Debian's ``chromium`` driven by Selenium through
Debian's ``/usr/bin/chromedriver`` (nothing downloaded), headless. Missing browsers are an
error, never a skip: ``make test`` installs them (packaging/apt-packages.txt).

One set-up, :func:`launch`, at a size: :data:`PHONE` (390×844, a mobile user agent and touch)
or :data:`DESKTOP` (1366×900). Two fixtures use it:

- ``page``: a :class:`Page` on ONE desktop browser for the whole test session, the cookies of
  the last test gone (the staff's and the back office's pages);
- ``phone_browser(size=PHONE)``: a :class:`Page` on a browser of its own, quit after the test
  (the citizen's phone page, which keeps its language in the browser's storage).

Before any page's own script runs, the browser records what the page asks of the phone
(``navigator.vibrate`` and ``Notification``, permission granted) in ``window.__buzz``, since a
headless browser neither vibrates nor shows notifications: :meth:`Page.buzzes`.
:func:`page_state` reads the state a phone page opens on from its HTML, without a browser."""

from __future__ import annotations

import base64
import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    NoAlertPresentException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: A phone's screen and a desktop's window, in CSS pixels.
PHONE = (390, 844)
DESKTOP = (1366, 900)
#: Seconds a test waits for a page to show what it expects.
WAIT_S = 10.0
_MOBILE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                 "Gecko) Chrome/130.0 Mobile Safari/537.36")
#: Installed before each page's own script: what the page asks of the phone, recorded.
_SPIES = """
window.__buzz = [];
navigator.vibrate = function (pattern) { window.__buzz.push(["vibrate", pattern]); return true; };
(function () {
  var Spy = function (title, options) {
    window.__buzz.push(["notification", title, options && options.body]);
  };
  Spy.permission = "granted";
  Spy.requestPermission = function () { return Promise.resolve("granted"); };
  window.Notification = Spy;
})();
"""


def _is_phone(width_height: tuple[int, int]) -> bool:
    return width_height[0] < 600


def launch(size: tuple[int, int]) -> webdriver.Chrome:
    """A headless Chromium showing pages at ``size`` (PHONE or DESKTOP): a phone's with a
    mobile user agent and touch, a desktop's otherwise; what pages ask of the phone recorded."""
    for needed in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(needed):
            pytest.fail(f"{needed} is missing: `sudo apt-get install chromium chromium-driver` "
                        "(packaging/apt-packages.txt)")
    width, height = size
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--disable-extensions", "--no-first-run", "--lang=zh-CN", "--hide-scrollbars",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    if _is_phone(size):
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0,
                              "touch": True},
            "userAgent": _MOBILE_AGENT})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _SPIES})
    return driver


class Page:
    """The browser as a test uses it: open a URL, fill, press and click by element id, read
    text, wait for what the page shows, take its picture."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver

    def open(self, url: str) -> Page:
        """Load ``url`` and wait for it."""
        self.driver.get(url)
        return self

    def size(self, width_height: tuple[int, int]) -> Page:
        """Set the page's viewport to ``(width, height)`` CSS pixels (PHONE or DESKTOP)."""
        width, height = width_height
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1,
            "mobile": _is_phone(width_height)})
        return self

    def element(self, element_id: str) -> WebElement:
        """The element with this id (waited for)."""
        try:
            return WebDriverWait(self.driver, WAIT_S, poll_frequency=0.05).until(
                lambda d: d.find_element(By.ID, element_id))
        except TimeoutException:
            raise AssertionError(f"no #{element_id} on {self.driver.current_url}") from None

    def has(self, element_id: str) -> bool:
        """Whether the page has an element with this id now."""
        return bool(self.driver.find_elements(By.ID, element_id))

    def fill(self, element_id: str, text: str) -> Page:
        """Type ``text`` into the field (cleared first)."""
        field = self.element(element_id)
        field.clear()
        field.send_keys(text)
        return self

    def choose(self, element_id: str, value: str) -> Page:
        """Choose the option with this value in a select."""
        self.element(element_id).find_element(By.CSS_SELECTOR, f"option[value='{value}']").click()
        return self

    def press(self, element_id: str) -> Page:
        """Click the element (a button submits its form) and wait for the next page."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.element(element_id).click()
        WebDriverWait(self.driver, WAIT_S, poll_frequency=0.05).until(lambda d: _gone(old))
        return self

    def click(self, element_id: str) -> None:
        """Click the element with that id, staying on the page (its script answers)."""
        self.driver.find_element(By.ID, element_id).click()

    def click_button(self, label: str) -> None:
        """Click the button that says ``label``."""
        for button in self.driver.find_elements(By.TAG_NAME, "button"):
            if button.is_displayed() and button.text == label:
                button.click()
                return
        raise AssertionError(f"no button {label!r}; the page said:\n{self.body()}")

    def text(self, element_id: str) -> str:
        """The visible text of the element ("" when hidden)."""
        return self.element(element_id).text

    def body(self) -> str:
        """The page's visible text."""
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def wait_for(self, element_id: str, seconds: float = WAIT_S) -> WebElement:
        """Wait until the page (perhaps a later one) has the element."""
        try:
            return WebDriverWait(self.driver, seconds, poll_frequency=0.05).until(
                lambda d: d.find_element(By.ID, element_id))
        except TimeoutException:
            raise AssertionError(f"#{element_id} never came on {self.driver.current_url}"
                                 ) from None

    def wait_until(self, check: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
        """Wait until ``check()`` is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or check}; the page said:\n"
                                     f"{self.body()}")
            time.sleep(0.05)

    def wait_text(self, element_id: str, contains: str, timeout: float = 15.0) -> str:
        """Wait until the element's visible text contains ``contains``; the text."""
        return str(self.wait_until(lambda: contains in (t := self._shown(element_id)) and t,
                                   timeout, f"#{element_id} to say {contains!r}"))

    def accept_confirm(self) -> str:
        """Accept the page's confirm dialog; its text."""
        def dialog() -> Any:
            try:
                return self.driver.switch_to.alert
            except NoAlertPresentException:
                return None
        alert = self.wait_until(dialog, 5.0, "a confirm dialog")
        text = str(alert.text)
        alert.accept()
        return text

    def buzzes(self) -> list[list[Any]]:
        """What the page asked of the phone so far: ``["vibrate", pattern]`` and
        ``["notification", title, body]``."""
        return list(self.driver.execute_script("return window.__buzz || [];"))

    @property
    def url(self) -> str:
        """The page's address now."""
        return self.driver.current_url

    def cookie(self, name: str) -> dict | None:
        """The browser's cookie of this name for the page's site."""
        return self.driver.get_cookie(name)

    def screenshot(self, path: Path) -> Path:
        """Save the page as a PNG at ``path`` (the whole page's height up to 3000 px)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        width = int(metrics["cssLayoutViewport"]["clientWidth"])
        height = min(int(metrics["cssContentSize"]["height"]), 3000)
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def _shown(self, element_id: str) -> str:
        """The element's visible text now, "" when it is hidden or not (yet) there."""
        found = self.driver.find_elements(By.ID, element_id)
        return found[0].text if found and found[0].is_displayed() else ""


def _gone(element: WebElement) -> bool:
    try:
        element.tag_name  # noqa: B018 - touching a stale element raises
    except Exception:
        return True
    return False


@pytest.fixture(scope="session")
def chromium() -> Iterator[webdriver.Chrome]:
    """One headless desktop Chromium for the whole test session."""
    driver = launch(DESKTOP)
    yield driver
    driver.quit()


@pytest.fixture
def page(chromium: webdriver.Chrome) -> Iterator[Page]:
    """A page on the session's browser, desktop-sized, with no cookies left from a test
    before."""
    made = Page(chromium).size(DESKTOP)
    yield made
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    chromium.get("about:blank")


@pytest.fixture
def phone_browser() -> Iterator[Callable[..., Page]]:
    """``phone_browser(size=PHONE)``: a page on a headless Chromium of its own (nothing kept
    from another test), quit after the test."""
    opened: list[webdriver.Chrome] = []

    def open_browser(size: tuple[int, int] = PHONE) -> Page:
        opened.append(launch(size))
        return Page(opened[-1]).size(size)

    yield open_browser
    for driver in opened:
        try:
            driver.quit()
        except WebDriverException:
            pass


def page_state(html: str) -> dict:
    """The ticket's state a phone page opens on (its ``<script id="state">``), read from the
    page's HTML as served (the page's script says it in words)."""
    start = html.index('<script id="state" type="application/json">')
    text = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(text)
