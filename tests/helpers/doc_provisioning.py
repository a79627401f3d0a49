"""packaging/README.md's provisioning path, run as root inside a private mount namespace
(``unshare --mount``) that the docs test starts: /etc/hallq and /var/lib/hallq are this run's
own folders (tmpfs), so the commands run exactly as written and the machine's are untouched.

``python -m tests.helpers.doc_provisioning WORK REPORT COMMAND…``, the commands in the order
the README gives: provision the hall, make a kiosk's and a window's pairing codes, provision the
kiosk (the code typed at its prompt), provision the window controller (a keypad simulator on
this box's ``/dev/hallq-doctest-bus``) and start it from the config written. The hall node runs
between them as its unit would. Writes a JSON report of what each command printed and did."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from devices.keypad.simulator import KeypadSimulator
from tests.helpers.doc_terminal import Terminal
from tests.helpers.serial_lines import SharedBus

NODE = "http://127.0.0.1:8470"
#: What the hall's unit runs (packaging/systemd/hallq-hall.service), with no systemd here.
HALL_UNIT = "hallq hall --config /etc/hallq/hall.toml --data-dir /var/lib/hallq --port 8470"
BUS_LINK = Path("/dev/hallq-doctest-bus")


def main(work: Path, report: Path, commands: list[str]) -> int:
    """Run ``commands`` as the technician would; write ``report``."""
    for folder in ("/etc/hallq", "/var/lib/hallq"):
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0750", "tmpfs", folder], check=True)
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    term = Terminal(work, logs)
    runs: list[dict] = []
    found: dict = {"runs": runs}
    provision_hall, kiosk_code, caller_code, provision_kiosk, provision_window, controller = \
        commands
    keypad_sim = KeypadSimulator([4])
    keypad = SharedBus(keypad_sim)
    try:
        runs.append(_ran(term.run(provision_hall)))
        term.start(HALL_UNIT, ready_url=f"{NODE}/api/v1/health")
        codes = []
        for command in (kiosk_code, caller_code):
            ran = term.run(command)
            runs.append(_ran(ran))
            codes.append(_code(ran.output))
        ran = term.run(provision_kiosk, typed=[codes[0]])
        runs.append(_ran(ran))
        config = Path("/etc/hallq/kiosk.toml")
        found["kiosk_config_mode"] = oct(config.stat().st_mode & 0o777)
        token = re.search(r'token = "([^"]+)"', config.read_text(encoding="utf-8"))
        found["kiosk_token_works"] = token is not None and httpx.get(
            f"{NODE}/api/v1/hall", headers={"Authorization": f"Bearer {token.group(1)}"}
        ).status_code == 200
        before = config.read_bytes()
        found["second_run"] = _ran(term.run(provision_kiosk))
        found["second_run_unchanged"] = config.read_bytes() == before
        keypad.start()
        BUS_LINK.unlink(missing_ok=True)
        BUS_LINK.symlink_to(keypad.port)      # what the udev rules make for a bus adapter
        runs.append(_ran(term.run(provision_window, typed=[codes[1]])))
        started = term.start(controller)
        time.sleep(6)
        runs.append({"command": controller, "code": started.poll(),
                     "output": term.output_of(started) + "\n" + keypad_sim.display(4)})
    finally:
        term.stop_all()
        BUS_LINK.unlink(missing_ok=True)
        keypad.stop()
        report.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def _ran(ran: object) -> dict:
    return {"command": ran.command, "code": ran.code, "output": ran.output}  # type: ignore[attr-defined]


def _code(output: str) -> str:
    found = re.search(r"pairing code: (\d{6})", output)
    if found is None:
        raise SystemExit(f"no pairing code in: {output}")
    return found.group(1)


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]))
