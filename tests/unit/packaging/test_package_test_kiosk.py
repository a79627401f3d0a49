"""packaging/package_test_kiosk.py, the hands ``make package-test`` provisions a kiosk with: it
types the pairing code at a real terminal prompt read unseen (getpass), and serves a simulated
serial ticket printer on a pty link that the printer's self-test prints on."""

from __future__ import annotations

import grp
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HELPER = ROOT / "packaging" / "package_test_kiosk.py"
ASKS = ("import getpass; code = getpass.getpass('大厅显示的 6 位配对码 / the 6-digit pairing code "
        "the hall shows: '); print('got', code); raise SystemExit(7)")


def test_the_code_is_typed_at_the_prompt_and_the_exit_code_kept() -> None:
    done = subprocess.run([sys.executable, str(HELPER), "typed", "654321", sys.executable,
                           "-c", ASKS], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 7
    assert "pairing code the hall shows:" in done.stdout
    assert "got 654321" in done.stdout
    assert done.stdout.count("654321") == 1          # typed unseen: not echoed


def test_a_usage_error_says_how() -> None:
    done = subprocess.run([sys.executable, str(HELPER), "typed"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "printer LINK OUT" in done.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the pty is given to group dialout, as udev does")
def test_the_simulated_printer_prints_the_self_test_page(tmp_path: Path) -> None:
    grp.getgrnam("dialout")
    link, out = tmp_path / "hallq-printer", tmp_path / "printed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    printer = subprocess.Popen([sys.executable, str(HELPER), "printer", str(link), str(out)],
                               stdout=subprocess.PIPE, text=True, env=env)
    try:
        for _ in range(100):
            if link.is_symlink():
                break
            time.sleep(0.1)
        port = os.path.realpath(link)
        assert oct(os.stat(port).st_mode & 0o777) == "0o660"
        assert os.stat(port).st_gid == grp.getgrnam("dialout").gr_gid
        tested = subprocess.run([sys.executable, "-m", "hallq", "devices", "test",
                                 f"escpos+serial://{link}?baud=9600"], capture_output=True,
                                text=True, timeout=60, env=env)
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert "测试页已打印 / test page printed" in tested.stdout
    finally:
        printer.terminate()
        said, _ = printer.communicate(timeout=30)
    assert printer.returncode == 0
    assert "1 page(s) printed" in said
    assert len(list(out.glob("*.png"))) == 1
    assert not link.exists()                 # the link goes with the printer
