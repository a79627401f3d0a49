"""The demo's simulated people: the appointment QR shown to the kiosk camera, the citizens who
rate at the pads, the staff at window 14's keypad (and the panel that plays them)."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QPushButton

from devices.camera.qr import QrScanner
from devices.keypad.keys import Key
from devices.registry import open_device
from hall.node import HallNode
from hallq.demo import demo_config, demo_tokens, device_urls
from hallq.demo_devices import KEYPAD_WINDOW, DemoRater, book_appointment
from hallq.demo_windows import SimulatorPanel
from kiosk.citizen import check_in, parse_appointment_code
from tests.helpers.hall_servers import Hall
from ui.qt import ensure_app, screenshot

ROUNDS = 40
#: Where to keep the panel's picture to look at (HALLQ_SHOTS), else the test's folder.
SHOTS = Path(os.environ["HALLQ_SHOTS"]) if os.environ.get("HALLQ_SHOTS") else None


def ratings(seed: int) -> list[int]:
    """What the demo's citizens press on a simulated pad over ROUNDS prompts."""
    pad = open_device("sim://rating?addr=14")
    rater = DemoRater(seed=seed, delay=0.0)
    rater.attach(pad)
    pressed = []
    try:
        for round_ in range(ROUNDS):
            pad.prompt(f"A{round_:03d}")
            key = pad.read_rating(timeout=2)  # the pad thanks once a key came
            assert key is not None, f"no key after prompt {round_}"
            pressed.append(int(key))
    finally:
        pad.close()
    return pressed


def test_the_demo_pads_rate_mostly_well_sometimes_badly_and_alike_per_seed() -> None:
    first = ratings(seed=14)
    counts = Counter(first)
    assert counts[5] + counts[4] >= ROUNDS * 0.6
    assert counts[5] < ROUNDS  # not always 5 any more
    assert any(level <= 3 for level in first)
    assert set(first) <= {1, 2, 3, 4, 5}
    assert ratings(seed=14) == first


def test_the_appointment_qr_shown_to_the_camera_checks_the_citizen_in(hall: Hall) -> None:
    code = book_appointment(hall.client("admin"), time.time())
    camera = open_device("sim://camera?codes=none&size=640x360")
    scanner = QrScanner(camera)
    try:
        assert scanner.poll(0.5) == []  # nobody holds a code yet
        camera.play([code])
        seen: list[str] = []
        deadline = time.monotonic() + 10
        while code not in seen and time.monotonic() < deadline:
            seen += scanner.poll(0.5)
    finally:
        camera.close()
    assert code in seen
    parsed = parse_appointment_code(code)
    assert parsed is not None
    ticket = check_in(hall.client("kiosk"), [], parsed[0], parsed[1], None)
    assert ticket["number"].startswith("A") and ticket["channel"] == "appointment"


def test_demo_tokens_pair_the_keypad_in_an_older_demo(tmp_path: Path) -> None:
    node = HallNode(demo_config(8470), tmp_path / "demo")
    old = {"demo-admin": node.store.pair("admin", "demo-admin", None)}
    (node.data_dir / "demo-tokens.json").write_text(json.dumps(old))
    tokens = demo_tokens(node)
    assert tokens["demo-admin"] == old["demo-admin"]
    assert f"demo-keypad-{KEYPAD_WINDOW}" in tokens
    assert json.loads((node.data_dir / "demo-tokens.json").read_text()) == tokens
    urls = device_urls(tmp_path)
    assert urls[f"keypad-{KEYPAD_WINDOW}"] == f"sim://keypad?addr={KEYPAD_WINDOW}"
    assert "auto=" not in urls["rating-14"]


def test_the_panel_presses_keypad_keys_and_shows_its_display(tmp_path: Path) -> None:
    # Every label of the panel is Chinese then English, so one picture shows both.
    ensure_app()
    keypad = open_device(f"sim://keypad?addr={KEYPAD_WINDOW}")
    camera = open_device("sim://camera?codes=none&size=320x240")
    panel = SimulatorPanel({f"keypad-{KEYPAD_WINDOW}": keypad, "camera": camera},
                           "hallq:appt:DEMO000001:A")
    try:
        keypad.show("14号窗口 A001", "请按叫号")
        panel.show_keypad()
        assert panel.keypad_display.text() == "14号窗口 A001\n请按叫号"
        buttons = {button.text(): button for button in panel.findChildren(QPushButton)}
        assert "出示预约码 / Show the appointment QR" in buttons
        buttons["叫号 / Call"].click()
        buttons["办结 / Finish"].click()
        assert keypad.poll_keys() == [Key.CALL, Key.FINISH]
        shot = screenshot(panel, SHOTS / "demo-panel.png" if SHOTS else tmp_path / "panel.png",
                          QSize(440, 560))
        assert shot.stat().st_size > 5000
    finally:
        panel.timer.stop()
        panel.close()
        keypad.close()
        camera.close()
