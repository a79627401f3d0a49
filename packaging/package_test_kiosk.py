#!/usr/bin/env python3
"""What ``make package-test`` needs around the installed packages to provision a kiosk as the
technician does (packaging/README.md, "Provisioning"), run from the source tree:

    python packaging/package_test_kiosk.py printer LINK OUT
        a simulated serial ESC/POS ticket printer on a pty, LINK a /dev/hallq-* symlink to it
        (what the udev rules make: group dialout, 0660), its printed pages as PNGs in OUT;
        serves until SIGTERM
    python packaging/package_test_kiosk.py typed CODE COMMAND...
        COMMAND at a terminal of its own; CODE typed at its pairing-code prompt (``hallq
        provision`` reads it unseen from /dev/tty); its output echoed, its exit code returned
"""

from __future__ import annotations

import fcntl
import grp
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

#: What ``hallq provision`` asks the code with (hallq/provision.py ``_code``).
PROMPT = b"pairing code the hall shows: "
TIMEOUT_S = 300


def serve_printer(link: Path, out: Path) -> int:
    """A simulated ticket printer on a pty linked at ``link`` until SIGTERM."""
    from devices.printer.simulator import EscposPrinterSimulator
    from devices.techkit import linked_port, stop_on_signals, wait_for

    simulator = EscposPrinterSimulator(out).start()
    port = simulator.attach_pty().port
    os.chown(port, -1, grp.getgrnam("dialout").gr_gid)
    os.chmod(port, 0o660)
    try:
        with stop_on_signals() as stop, linked_port(port, link):
            print(f"simulated ticket printer on {link} -> {port}", flush=True)
            wait_for(stop)
    finally:
        simulator.stop()
    print(f"{len(simulator.tickets)} page(s) printed", flush=True)
    return 0


def typed(code: str, command: list[str]) -> int:
    """Run ``command`` at a new terminal, type ``code`` at its prompt; its exit code."""
    controller, terminal = pty.openpty()

    def own_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(command, stdin=terminal, stdout=terminal, stderr=terminal,
                            preexec_fn=own_terminal)
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(controller, 4096)
        except OSError:     # the command ended: its terminal is gone
            break
        if not chunk:
            break
        sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        seen += chunk
        if PROMPT in seen:
            os.write(controller, f"{code}\n".encode())
            seen = b""
    os.close(controller)
    try:
        return proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        print(f"\n{command[0]}: no end after {TIMEOUT_S} s", flush=True)
        return 124


def main(argv: list[str]) -> int:
    """Dispatch ``printer`` or ``typed``."""
    if len(argv) == 3 and argv[0] == "printer":
        return serve_printer(Path(argv[1]), Path(argv[2]))
    if len(argv) >= 3 and argv[0] == "typed":
        return typed(argv[1], argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
