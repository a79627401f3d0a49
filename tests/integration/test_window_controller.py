"""The window controller end to end: a real hall node on loopback, the calling keypad, LED
screen and rating pad simulators on ptys, and the keys pressed as staff press them."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from caller.window_controller import Preset, WindowController
from devices.keypad.pad import open_url
from devices.keypad.simulator import KeypadSimulator
from devices.registry import open_device
from hall.client import HallClient
from tests.helpers.hall_servers import Hall

WINDOW = "3"  # skills: A only
REPO = Path(__file__).resolve().parents[2]


def wait_until(check: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll ``check`` until it is true; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not true within {timeout} s: {check.__doc__ or check}")
        time.sleep(0.02)


@dataclass
class Window:
    """Window 3 with its controller, the simulators behind it and the hall's clients."""

    hall: Hall
    keypad_sim: KeypadSimulator
    link: Path
    led: object
    rating: object
    controller: WindowController
    admin: HallClient
    console: HallClient

    def press(self, *keys: str) -> None:
        for key in keys:
            assert self.keypad_sim.press(key)

    def shown(self) -> str:
        return self.keypad_sim.display(4)

    def ticket(self, number: str) -> dict:
        found = [t for t in self.tickets if t["number"] == number]
        return dict(self.admin.ticket(found[0]["id"]))

    tickets: list[dict] = None  # type: ignore[assignment]

    def window(self) -> dict:
        return dict(next(w for w in self.admin.windows() if w["number"] == WINDOW))

    def device_reports(self) -> list[dict]:
        return [e["data"] for e in self.admin.events()["events"]
                if e["kind"] == "device.status" and e["data"]["device"] == "keypad"]


def plug(link: Path) -> KeypadSimulator:
    """A keypad simulator at address 4 behind ``link`` (the stable port a driver names)."""
    simulator = KeypadSimulator([4]).start()
    link.unlink(missing_ok=True)
    link.symlink_to(simulator.port)
    return simulator


@pytest.fixture
def window(hall: Hall, tmp_path: Path) -> Iterator[Window]:
    console = hall.client(f"caller-{WINDOW}")
    console.sign_in(WINDOW, staff_id="S001", pin="1234")
    admin = hall.client("admin")
    kiosk = hall.client("kiosk")
    tickets = [dict(kiosk.issue("A")) for _ in range(4)]
    link = tmp_path / "ttyKEYPAD"
    keypad_sim = plug(link)
    keypad = open_url(f"keypad://{link}?addr=4&timeout=0.2&retries=1")
    led = open_device("sim://led?addr=3")
    rating = open_device("sim://rating?addr=2&poll=0.02")
    controller = WindowController(
        HallClient(hall.url, hall.tokens[f"caller-{WINDOW}"]), WINDOW, keypad, led, rating,
        presets={1: Preset(to_service="B"), 2: Preset(to_window="14")}, name="keypad-3",
        poll_s=0.02, retry_s=0.2).start()
    made = Window(hall, keypad_sim, link, led, rating, controller, admin, console)
    made.tickets = tickets
    wait_until(lambda: made.shown().startswith("空闲 等候4人"))
    yield made
    controller.stop()
    controller.client.close()
    for device in (keypad, led, rating):
        device.close()  # type: ignore[attr-defined]
    made.keypad_sim.stop()


def test_idle_window_shows_the_line(window: Window) -> None:
    assert window.shown() == "空闲 等候4人 | Idle, 4 waiting"
    assert window.keypad_sim.keypads[4].leds == 0x01  # green: open


def test_every_key_moves_the_ticket(window: Window) -> None:
    led_sim = window.led.simulator  # type: ignore[attr-defined]
    rating_sim = window.rating.simulator  # type: ignore[attr-defined]

    window.press("call")
    wait_until(lambda: window.ticket("A001")["status"] == "called")
    wait_until(lambda: window.shown() == "A001 已叫号 | A001 called")
    wait_until(lambda: led_sim.screens[3].text == "A001 请到3号窗口")
    assert window.keypad_sim.keypads[4].leds == 0x05  # green + amber

    window.press("recall")
    wait_until(lambda: window.ticket("A001")["recalls"] == 1)
    window.press("start")
    wait_until(lambda: window.shown() == "A001 办理中 | A001 serving")
    assert window.ticket("A001")["status"] == "serving"

    window.press("finish")
    wait_until(lambda: rating_sim.pads[2].display == "A001 请评价")
    assert window.ticket("A001")["status"] == "finished"
    assert rating_sim.press(5)
    wait_until(lambda: window.ticket("A001")["rating"] == 5)

    window.press("call")
    wait_until(lambda: window.ticket("A002")["status"] == "called")
    window.press("no_show")        # too early: the hall wants a recall (or 60 s) first
    wait_until(lambda: window.shown() == "请先重呼或稍候 | Recall or wait")
    assert window.ticket("A002")["status"] == "called"
    window.press("recall")
    wait_until(lambda: window.ticket("A002")["recalls"] == 1)
    window.press("no_show")
    wait_until(lambda: window.ticket("A002")["status"] == "no_show")

    window.press("call")
    wait_until(lambda: window.ticket("A003")["status"] == "called")
    window.press("transfer")
    wait_until(lambda: window.shown() == "转移: 请按数字键 | 1=B 2=W14")
    window.press("1")
    wait_until(lambda: window.ticket("A003")["status"] == "waiting")
    assert window.ticket("A003")["service"] == "B"
    wait_until(lambda: window.shown() == "A003 已转B | Sent to B")   # after the hall's answer

    window.press("pause")
    wait_until(lambda: window.window()["status"] == "paused")
    assert window.window()["pause_reason"] == "away"     # the keypad's one key: 暂离
    wait_until(lambda: window.shown() == "暂停服务 | Paused")
    wait_until(lambda: led_sim.screens[3].text == "暂停服务")
    assert window.keypad_sim.keypads[4].leds == 0x02  # red
    window.press("pause")
    wait_until(lambda: window.window()["status"] == "open")
    wait_until(lambda: window.shown() == "空闲 等候1人 | Idle, 1 waiting")


def test_transfer_to_a_window_and_clear(window: Window) -> None:
    window.press("call")
    wait_until(lambda: window.ticket("A001")["status"] == "called")
    window.press("transfer", "clear", "2")  # cleared: the digit does nothing
    time.sleep(0.3)
    assert window.ticket("A001")["status"] == "called"
    window.press("transfer", "2")
    wait_until(lambda: window.ticket("A001")["status"] == "waiting")
    assert window.ticket("A001")["window"] == "14"


def test_a_refusal_is_shown_in_both_languages(window: Window) -> None:
    window.press("no_show")  # nobody called yet: the hall refuses
    wait_until(lambda: not window.shown().startswith("空闲"))
    zh, en = window.shown().split(" | ")
    assert re.search(r"[\u4e00-\u9fff]", zh) and re.fullmatch(r"[ -~]+", en)
    assert all(window.ticket(n)["status"] == "waiting" for n in ("A001", "A002"))
    wait_until(lambda: window.shown().startswith("空闲 等候4人"), timeout=6)  # the note passes


def test_display_follows_a_call_made_at_the_console(window: Window) -> None:
    window.console.call(WINDOW)
    wait_until(lambda: window.shown() == "A001 已叫号 | A001 called", timeout=2)
    led_sim = window.led.simulator  # type: ignore[attr-defined]
    wait_until(lambda: led_sim.screens[3].text == "A001 请到3号窗口")
    window.console.window_action(WINDOW, "serve")
    wait_until(lambda: window.shown() == "A001 办理中 | A001 serving", timeout=2)


@pytest.mark.allow_log("keypad offline", "no reply on")
def test_unplugged_keypad_is_reported_and_recovers(window: Window) -> None:
    window.keypad_sim.unplug()
    wait_until(lambda: any(r["state"] == "offline" for r in window.device_reports()))
    report = next(r for r in window.device_reports() if r["state"] == "offline")
    assert report == {"device": "keypad", "state": "offline", "where": "keypad-3",
                      "detail": report["detail"]}
    assert report["detail"] in ("keypad.disconnected", "keypad.timeout")
    window.keypad_sim.stop()
    window.keypad_sim = plug(window.link)  # plugged in again
    wait_until(lambda: any(r["state"] == "ready" for r in window.device_reports()))
    wait_until(lambda: window.shown() == "空闲 等候4人 | Idle, 4 waiting")
    window.press("call")
    wait_until(lambda: window.ticket("A001")["status"] == "called")


@pytest.mark.allow_log("bad reply on", "garbled frame")
def test_a_garbled_frame_is_skipped(window: Window, caplog: pytest.LogCaptureFixture) -> None:
    window.press("call")
    window.keypad_sim.inject("bad_checksum", count=2)  # both tries of one poll garbled
    wait_until(lambda: window.ticket("A001")["status"] == "called")
    garbled = [r for r in caplog.records if "garbled frame" in r.getMessage()]
    assert garbled and all(r.levelname == "WARNING" for r in garbled)
    assert "bus.checksum" in garbled[0].getMessage()
    assert not any(r["state"] == "offline" for r in window.device_reports())


def readme_commands() -> tuple[str, str]:
    """The keypad simulator and window controller lines of README's "try it" block."""
    text = (REPO / "README.md").read_text()
    block = text.split("<!-- window-controller-demo -->")[1].split("```")[1]
    lines = [line.split("  #")[0].strip() for line in block.splitlines()]
    sim = next(line for line in lines if line.startswith("hallq devices sim keypad"))
    controller = next(line for line in lines if line.startswith("hallq window-controller"))
    return sim, controller


def as_argv(line: str, replace: dict[str, str]) -> list[str]:
    """A README command line as argv, ``hallq`` run from this checkout."""
    for old, new in replace.items():
        line = line.replace(old, new)
    argv = shlex.split(line.removesuffix("&").strip())
    assert argv[0] == "hallq"
    return [sys.executable, "-m", "hallq", *argv[1:]]


def test_readme_commands_as_written(hall: Hall, tmp_path: Path) -> None:
    """README's two commands, with this test's hall URL and link path, drive a real window."""
    sim_line, controller_line = readme_commands()
    link = re.search(r"--link (\S+)", sim_line)
    assert link is not None and link.group(1) in controller_line
    replace = {"http://127.0.0.1:8470": hall.url, link.group(1): str(tmp_path / "keypad3")}
    env = {**os.environ, "HALLQ_TOKEN": hall.tokens[f"caller-{WINDOW}"],
           "PYTHONWARNINGS": "error"}
    hall.client(f"caller-{WINDOW}").sign_in(WINDOW, staff_id="S001", pin="1234")
    issued = hall.client("kiosk").issue("A")
    sim = subprocess.Popen(as_argv(sim_line, replace), cwd=REPO, env=env, text=True,
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert sim.stdin is not None and sim.stdout is not None
    assert any(line.startswith("URL: ") for line in sim.stdout)
    controller = subprocess.Popen(as_argv(controller_line, replace), cwd=REPO, env=env,
                                  text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        admin = hall.client("admin")
        wait_until(lambda: "等候1人" in sim.stdout.readline(), timeout=20)  # type: ignore[union-attr]
        sim.stdin.write("call\n")
        sim.stdin.flush()
        wait_until(lambda: admin.ticket(issued["id"])["status"] == "called", timeout=10)
    finally:
        for process in (controller, sim):
            process.send_signal(signal.SIGTERM)
        out, err = controller.communicate(timeout=15)
        sim.communicate(timeout=15)
    assert controller.returncode == 0, err
    assert "window 3" in out
