"""Real Chromium for the phone page's tests: Debian's ``chromium`` driven by Selenium through
Debian's ``chromium-driver`` (``/usr/bin/chromedriver``), headless, at a phone's size (390×844,
a mobile user agent and touch) or a desktop's. Missing browsers are an error, never a skip:
``make test`` installs them (packaging/apt-packages.txt).

The fixture ``phone_browser(size=PHONE)`` opens a browser and closes it after the test. Before
any page's own script runs, the browser records what the page asks of the phone
(``navigator.vibrate`` and ``Notification``, permission granted) in ``window.__buzz``, since a
headless browser neither vibrates nor shows notifications: :meth:`PhoneBrowser.buzzes`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: A phone's screen (CSS pixels) and a desktop's window.
PHONE = (390, 844)
DESKTOP = (1280, 800)
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


class PhoneBrowser:
    """One headless Chromium at a phone's or a desktop's size."""

    def __init__(self, size: tuple[int, int] = PHONE) -> None:
        width, height = size
        options = Options()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--lang=zh-CN", "--hide-scrollbars",
                         "--disable-extensions", f"--window-size={width},{height}"):
            options.add_argument(argument)
        if size == PHONE:
            options.add_experimental_option("mobileEmulation", {
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0,
                                  "touch": True},
                "userAgent": _MOBILE_AGENT})
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                    {"source": _SPIES})

    def open(self, url: str) -> None:
        """Load ``url`` (the page's own language choice forgotten)."""
        self.driver.get(url)

    def text(self, element_id: str) -> str:
        """The visible text of the element with that id ("" when hidden)."""
        found = self.driver.find_elements(By.ID, element_id)
        return found[0].text if found and found[0].is_displayed() else ""

    def body(self) -> str:
        """The page's visible text."""
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def wait_for(self, check: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
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
        return str(self.wait_for(lambda: contains in (t := self.text(element_id)) and t,
                                 timeout, f"#{element_id} to say {contains!r}"))

    def click(self, element_id: str) -> None:
        """Click the element with that id."""
        self.driver.find_element(By.ID, element_id).click()

    def click_button(self, label: str) -> None:
        """Click the button that says ``label``."""
        for button in self.driver.find_elements(By.TAG_NAME, "button"):
            if button.is_displayed() and button.text == label:
                button.click()
                return
        raise AssertionError(f"no button {label!r}; the page said:\n{self.body()}")

    def accept_confirm(self) -> str:
        """Accept the page's confirm dialog; its text."""
        def dialog() -> Any:
            try:
                return self.driver.switch_to.alert
            except NoAlertPresentException:
                return None
        alert = self.wait_for(dialog, 5.0, "a confirm dialog")
        text = str(alert.text)
        alert.accept()
        return text

    def buzzes(self) -> list[list[Any]]:
        """What the page asked of the phone so far: ``["vibrate", pattern]`` and
        ``["notification", title, body]``."""
        return list(self.driver.execute_script("return window.__buzz || [];"))

    def screenshot(self, path: Path) -> Path:
        """A PNG of what the window shows."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))
        return path

    def close(self) -> None:
        """Quit the browser."""
        try:
            self.driver.quit()
        except WebDriverException:
            pass


@pytest.fixture
def phone_browser() -> Iterator[Callable[..., PhoneBrowser]]:
    """``phone_browser(size=PHONE)``: a headless Chromium, quit after the test."""
    opened: list[PhoneBrowser] = []

    def open_browser(size: tuple[int, int] = PHONE) -> PhoneBrowser:
        browser = PhoneBrowser(size)
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.close()


def page_state(page: str) -> dict:
    """The ticket's state a phone page opens on (its ``<script id="state">``), read from the
    page's HTML as served (the page's script says it in words)."""
    start = page.index('<script id="state" type="application/json">')
    text = page[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(text)
