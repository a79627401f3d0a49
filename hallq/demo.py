"""``hallq demo``: a whole hall in one process.

The example hall's node (open all day) serves its API on loopback; device simulators stand in
for the hardware (an ID-card reader, a ticket printer writing PNGs to ``DATA/tickets``, a QR
camera, an LED screen and a rating pad per console, whose citizens press a varied rating, and
window 14's calling keypad); a kiosk, the calling consoles of windows 1 and 14, a window
controller on window 14's keypad and the wall display open as windows on the desktop, with a
small panel to swipe the sample ID card, show the kiosk camera an appointment QR code booked at
start, and press the keypad's keys. Announcements go to the speakers, or to WAV files in
``DATA/announcements`` on a machine without sound. ``--headless`` runs the node and the
simulators only. Without a screen the demo says how to run it offscreen and exits with 3.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from hall.config import EXAMPLE_HALL, HallConfig, load_config
from hall.node import HallNode
from hall.server import HallServer
from hallq.backup import BackupError, hold_data_dir
from hallq.demo_devices import KEYPAD_WINDOW, DemoRater, book_appointment
from hallq.staff import set_pins

log = logging.getLogger("hallq.demo")

DEMO_DEVICES = (("admin", None, "demo-admin"), ("kiosk", None, "demo-kiosk"),
                ("display", None, "demo-wall"), ("caller", "1", "demo-caller-1"),
                ("caller", "14", "demo-caller-14"),
                ("caller", KEYPAD_WINDOW, f"demo-keypad-{KEYPAD_WINDOW}"))
#: The demo staff's PINs, set in the demo's store at each start (the TOML holds no PIN).
DEMO_PINS = {"S001": "1234", "S002": "2345", "S003": "3456"}
#: The windows that get a calling console.
CONSOLE_WINDOWS = ("1", "14")
#: The seed of the demo citizens' ratings: every run of the demo rates alike.
RATING_SEED = 14


def demo_config(port: int) -> HallConfig:
    """The example hall, open all day, with ticket pages served by the demo."""
    config = load_config(EXAMPLE_HALL)
    return replace(config, rules=replace(config.rules, open_all_day=True),
                   ticket_url=f"http://127.0.0.1:{port}/t/{{id}}")


def demo_tokens(node: HallNode) -> dict[str, str]:
    """Tokens of the demo devices, made once and kept in the demo's data directory (a device
    added since the file was written is paired then)."""
    path = node.data_dir / "demo-tokens.json"
    tokens: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [(role, window, name) for role, window, name in DEMO_DEVICES if name not in tokens]
    for role, window, name in missing:
        tokens[name] = node.store.pair(role, name, window)
    if missing:
        path.write_text(json.dumps(tokens, indent=2))
    return tokens


def device_urls(data_dir: Path) -> dict[str, str]:
    """The simulated devices of the demo, by role."""
    urls = {"idcard": "sim://idcard?card=none",
            "printer": f"sim://printer?out={data_dir / 'tickets'}",
            # nobody holds a code to it: a scan at start would greet the demo with an error
            "camera": "sim://camera?codes=none",
            # the kiosk's document camera: each page blurred (refused), then sharp
            "doc_camera": "sim://camera?document=3"}
    for window in CONSOLE_WINDOWS:
        urls[f"led-{window}"] = f"sim://led?addr={window}"
        urls[f"rating-{window}"] = f"sim://rating?addr={window}"  # DemoRater presses
    urls[f"keypad-{KEYPAD_WINDOW}"] = f"sim://keypad?addr={KEYPAD_WINDOW}"
    return urls


def print_banner(config: HallConfig, server: HallServer, tokens: dict[str, str],
                 urls: dict[str, str]) -> None:
    """What the demo runs, its tokens and a first thing to try."""
    print(f"hallq demo: {config.name_zh} / {config.name_en}")
    print(f"  API      {server.url}/api/v1/health   (OpenAPI: {server.url}/docs)")
    for name, token in tokens.items():
        print(f"  token    {name:<16} {token}")
    for staff_id, pin in DEMO_PINS.items():
        print(f"  staff    {staff_id:<16} PIN {pin}")
    for role, url in urls.items():
        print(f"  device   {role:<16} {url}")
    print(f"  try:     curl -X POST -H 'Authorization: Bearer {tokens['demo-kiosk']}' "
          f"-H 'Content-Type: application/json' -d '{{\"service\":\"A\"}}' "
          f"{server.url}/api/v1/tickets")
    print("  Ctrl-C stops the hall.", flush=True)


def open_devices(urls: dict[str, str]) -> dict[str, Any]:
    """Open every simulated device (each starts its simulator); skip those that fail."""
    from devices.registry import open_device

    opened = {}
    for role, url in urls.items():
        try:
            opened[role] = open_device(url)
        except Exception as err:
            log.warning("demo device %s (%s) did not start: %s", role, url, err)
    return opened


def close_devices(opened: dict[str, Any]) -> None:
    """Close the devices (and so stop their simulators)."""
    for role, device in opened.items():
        try:
            device.close()
        except Exception as err:
            log.warning("closing demo device %s failed: %s", role, err)


def run_demo(args: argparse.Namespace) -> int:
    """Start the demo hall; serve until interrupted (headless) or until the windows close."""
    headless = bool(getattr(args, "headless", False))
    if not headless:
        from hallq.startup import display_available, exit_code_for_missing_display

        if not display_available():
            print("hallq demo: `hallq demo --headless` runs the hall and the simulators only.")
            return exit_code_for_missing_display("hallq demo")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    data_dir = Path(args.data_dir)
    try:
        held = hold_data_dir(data_dir)  # held while the demo runs
    except BackupError as err:
        print(f"hallq demo: {err.bilingual()}")
        return 2
    with held:
        return _serve_demo(data_dir, args, headless)


def _serve_demo(data_dir: Path, args: argparse.Namespace, headless: bool) -> int:
    """The demo's node, devices and (unless headless) windows, until they end."""
    config = demo_config(args.port)
    node = HallNode(config, data_dir)
    tokens = demo_tokens(node)
    set_pins(node.store, DEMO_PINS)
    server = HallServer(node, host="127.0.0.1", port=args.port, advertise=True)
    urls = device_urls(data_dir)
    opened = open_devices(urls)
    rater = DemoRater(seed=RATING_SEED)
    for window in CONSOLE_WINDOWS:
        if f"rating-{window}" in opened:
            rater.attach(opened[f"rating-{window}"])
    print_banner(config, server, tokens, urls)
    try:
        if headless:
            try:
                server.serve()
            except KeyboardInterrupt:
                pass
            return 0
        server.start_in_thread()
        try:
            code = _book(server.url, tokens["demo-admin"])
            return run_windows(server.url, tokens, opened, data_dir,
                               getattr(args, "lang", "zh"), code)
        finally:
            server.stop()
    finally:
        close_devices(opened)


def _book(url: str, admin_token: str) -> str | None:
    """The demo appointment's QR text, booked now; None (and a warning) when it fails."""
    from hall.client import HallApiError, HallClient

    client = HallClient(url, admin_token)
    try:
        code = book_appointment(client, time.time())
    except (HallApiError, OSError) as err:
        log.warning("the demo appointment was not booked: %s", err)
        return None
    finally:
        client.close()
    print(f"  appointment QR code: {code}", flush=True)
    return code


def run_windows(url: str, tokens: dict[str, str], opened: dict[str, Any], data_dir: Path,
                lang: str = "zh", appointment_code: str | None = None) -> int:
    """Open the wall display, the kiosk, the consoles and the simulator panel; run Qt."""
    from hallq.demo_windows import DemoWindows
    from hallq.startup import quit_on_sigint
    from ui.qt import ensure_app

    app = ensure_app()
    keep = quit_on_sigint(app)
    windows = DemoWindows(url, tokens, opened, data_dir, lang, appointment_code)
    try:
        windows.open()
        return int(app.exec())
    finally:
        windows.close()
        keep.stop()
