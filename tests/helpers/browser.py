"""A real browser for the web pages' tests: Debian's ``chromium`` driven by Selenium through
Debian's ``/usr/bin/chromedriver`` (nothing downloaded), headless, ONE browser for the whole
test session; each test gets a :class:`Page` on it with the cookies of the last test gone.

Window sizes: :data:`PHONE` (390×844) and :data:`DESKTOP` (1366×900); :meth:`Page.screenshot`
saves the page as a PNG."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE = (390, 844)
DESKTOP = (1366, 900)
#: Seconds a test waits for a page to show what it expects.
WAIT_S = 10.0


class Page:
    """The browser as a test uses it: open a URL, fill and press by element id, read text."""

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
            "mobile": width < 600})
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

    def text(self, element_id: str) -> str:
        """The visible text of the element."""
        return self.element(element_id).text

    def wait_for(self, element_id: str, seconds: float = WAIT_S) -> WebElement:
        """Wait until the page (perhaps a later one) has the element."""
        try:
            return WebDriverWait(self.driver, seconds, poll_frequency=0.05).until(
                lambda d: d.find_element(By.ID, element_id))
        except TimeoutException:
            raise AssertionError(f"#{element_id} never came on {self.driver.current_url}"
                                 ) from None

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


def _gone(element: WebElement) -> bool:
    try:
        element.tag_name  # noqa: B018 - touching a stale element raises
    except Exception:
        return True
    return False


@pytest.fixture(scope="session")
def chromium() -> Iterator[webdriver.Chrome]:
    """One headless Chromium for the whole test session."""
    for needed in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(needed):
            pytest.fail(f"{needed} is missing: `sudo apt-get install chromium chromium-driver` "
                        "(packaging/apt-packages.txt)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--disable-extensions", "--no-first-run", "--lang=zh-CN",
                 f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
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
