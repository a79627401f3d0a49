"""``hallq doctor``: a technician's checks of one box, each failure with the fix.

Checks what a hall box needs, whatever its role: the box's time zone is the hall's; the disk
of the data directory has room; the clock agrees with the hall node's; the hall node answers and
is healthy; serial ports can be opened by this user; pcscd answers (for a smart-card ID reader);
Chinese fonts are installed; there is a sound output. With ``--printer URL`` it also asks the
ticket printer for its paper. Each line says 正常 / ok, 注意 / warn or 失败 / FAIL; a failure
prints the command that fixes it. Exit 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import email.utils
import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Below this much free space on the data directory's disk the check fails; below 4× it warns.
MIN_FREE_BYTES = 512 * 2**20
#: A clock further than this from the hall node's fails (tickets and calls carry times).
MAX_SKEW_S = 2.0
#: Where pcscd listens (Debian's pcscd package).
PCSCD_SOCKET = "/run/pcscd/pcscd.comm"
#: The serial devices a hall box may use.
SERIAL_GLOBS = ("/dev/ttyUSB*", "/dev/ttyACM*", "/dev/hallq-*")


@dataclass(frozen=True)
class Check:
    """One check's outcome: what was checked, ``ok``/``warn``/``fail``, what was seen, the fix."""

    what_zh: str
    what_en: str
    outcome: str
    seen: str
    fix: str = ""

    def line(self) -> str:
        """The line ``hallq doctor`` prints (and the fix under it on a failure)."""
        mark = {"ok": "正常 / ok  ", "warn": "注意 / warn", "fail": "失败 / FAIL"}[self.outcome]
        text = f"[{mark}] {self.what_zh} / {self.what_en}: {self.seen}"
        return f"{text}\n    修复 / fix: {self.fix}" if self.fix else text


def check_timezone(hall_zone: str, box_zone: str | None) -> Check:
    """The box's own time zone is the hall's (screens show the hall's time anyway; logs and
    the system's timers use the box's)."""
    what = ("时区", "time zone")
    if box_zone != hall_zone:
        return Check(*what, "warn", f"this box is on {box_zone or 'UTC'}, the hall on "
                     f"{hall_zone}; screens and tickets show the hall's time",
                     f"sudo timedatectl set-timezone {hall_zone}")
    return Check(*what, "ok", hall_zone)


def box_zone(localtime: str = "/etc/localtime") -> str | None:
    """The box's time zone name (from where ``/etc/localtime`` points), or None."""
    target = os.path.realpath(localtime)
    _, found, name = target.partition("zoneinfo/")
    return name if found and os.path.exists(target) else None


def check_disk(data_dir: Path) -> Check:
    """Free space on the disk of the data directory (or of the folder it will be made in)."""
    what = ("磁盘空间", "disk space")
    folder = data_dir.absolute()
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    seen = f"{free // 2**20} MB free for {data_dir}"
    if not data_dir.exists():
        seen += " (not made yet)"
    if free < MIN_FREE_BYTES:
        return Check(*what, "fail", seen, f"free space on {folder} (old logs, old backups)")
    if free < 4 * MIN_FREE_BYTES:
        return Check(*what, "warn", seen)
    return Check(*what, "ok", seen)


def check_node(url: str | None, get: Callable[[str], Any]) -> list[Check]:
    """The hall node answers, is healthy, and its clock agrees with this box's."""
    what = ("大厅节点", "hall node")
    if url is None:
        return [Check(*what, "fail", "no hall node found on the LAN",
                      "check the network, or give --url http://<hall node>:8470")]
    sent = time.time()
    try:
        answer = get(f"{url}/api/v1/health")
        health = answer.json()
    except Exception as err:  # any failure to reach or read it is the finding
        return [Check(*what, "fail", f"{url} does not answer ({err})",
                      "systemctl status hallq-hall (on the hall server); check the cable")]
    found = [Check(*what, "ok" if health.get("status") == "ok" else "warn",
                   f"{url}: {health.get('status')}"
                   + "".join(f"; {r['message_zh']} / {r['message_en']}"
                             for r in health.get("reasons", [])))]
    found.append(_skew(answer.headers.get("date"), (sent + time.time()) / 2))
    return found


def _skew(date_header: str | None, local: float) -> Check:
    what = ("时钟", "clock")
    if not date_header:
        return Check(*what, "warn", "the hall node sent no Date header")
    # the header has whole seconds: the node's clock was somewhere in that second
    skew = local - email.utils.parsedate_to_datetime(date_header).timestamp() - 0.5
    seen = f"{skew:+.0f} s against the hall node (±1 s)"
    if abs(skew) > MAX_SKEW_S:
        return Check(*what, "fail", seen,
                     "sudo apt install chrony, and point it at the hall's time server")
    return Check(*what, "ok", seen)


def check_serial_ports(patterns: tuple[str, ...] = SERIAL_GLOBS) -> Check:
    """Every serial port of the box can be opened by this user."""
    what = ("串口权限", "serial ports")
    ports = sorted({p for pattern in patterns for p in glob.glob(pattern)})
    if not ports:
        return Check(*what, "ok", "no USB serial port attached")
    refused = [p for p in ports if not os.access(p, os.R_OK | os.W_OK)]
    if refused:
        return Check(*what, "fail", f"this user cannot open {', '.join(refused)}",
                     "sudo usermod -aG dialout $USER  (then log in again)")
    return Check(*what, "ok", ", ".join(ports))


def check_pcscd(path: str = PCSCD_SOCKET) -> Check:
    """pcscd answers on its socket (the smart-card ID readers go through it)."""
    what = ("智能卡服务", "pcscd")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        try:
            sock.connect(path)
        except OSError as err:
            return Check(*what, "warn", f"not running ({err.strerror or err}); needed only "
                         "for a smart-card ID reader",
                         "sudo apt install pcscd && sudo systemctl enable --now pcscd.socket")
    return Check(*what, "ok", f"answers on {path}")


def check_fonts(run: Callable[[list[str]], str]) -> Check:
    """A font with Chinese characters is installed (screens and tickets need one)."""
    what = ("中文字体", "Chinese fonts")
    try:
        fonts = [line for line in run(["fc-list", ":lang=zh", "family"]).splitlines() if line]
    except (OSError, subprocess.SubprocessError) as err:
        return Check(*what, "fail", f"fc-list: {err}", "sudo apt install fontconfig fonts-noto-cjk")
    if not fonts:
        return Check(*what, "fail", "none installed", "sudo apt install fonts-noto-cjk")
    return Check(*what, "ok", f"{len(fonts)} families, e.g. {sorted(fonts)[0]}")


def check_audio(cards: str = "/proc/asound/cards") -> Check:
    """A sound card for the wall display's announcements."""
    what = ("声音输出", "sound output")
    try:
        text = Path(cards).read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    if not text or "no soundcards" in text:
        return Check(*what, "warn", "no sound card; needed only where calls are spoken",
                     "plug in the speakers' USB card or HDMI audio; aplay -l lists them")
    return Check(*what, "ok", text.splitlines()[0].strip())


def check_printer(url: str) -> Check:
    """The ticket printer answers and has paper."""
    from devices.base import DeviceError
    from devices.registry import open_device

    what = ("票据打印机", "ticket printer")
    try:
        printer = open_device(url)
        try:
            state = printer.check_status()
        finally:
            printer.close()
    except DeviceError as err:
        return Check(*what, "fail", err.describe(), "check its cable and power; "
                     f"hallq devices test {url}")
    if state.value in ("ready", "paper_low"):
        return Check(*what, "warn" if state.value == "paper_low" else "ok", state.value,
                     "load a new roll soon" if state.value == "paper_low" else "")
    return Check(*what, "fail", state.value, "load paper and close the cover")


def run_checks(args: argparse.Namespace) -> list[Check]:
    """Every check of ``hallq doctor`` with its options."""
    import httpx

    from hall.config import EXAMPLE_HALL, ConfigError, load_config

    checks = []
    try:
        hall_zone = str(load_config(args.config or EXAMPLE_HALL).timezone)
        checks.append(check_timezone(hall_zone, box_zone()))
    except (ConfigError, OSError) as err:
        text = err.bilingual() if isinstance(err, ConfigError) else str(err)
        checks.append(Check("大厅配置", "hall config", "fail", text, "fix the file it names"))
    checks.append(check_disk(Path(args.data_dir)))
    checks.extend(check_node(_node_url(args), lambda url: httpx.get(url, timeout=5)))
    checks += [check_serial_ports(), check_pcscd(), check_fonts(_output), check_audio()]
    if args.printer:
        checks.append(check_printer(args.printer))
    return checks


def _node_url(args: argparse.Namespace) -> str | None:
    if args.url:
        return str(args.url)
    from hall.discovery import find_hall

    found = find_hall(timeout=args.timeout)
    return found.url if found else None


def _output(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, timeout=20,
                          check=True).stdout


def cmd_doctor(args: argparse.Namespace) -> int:
    """``hallq doctor``: print each check; exit 1 when one failed."""
    checks = run_checks(args)
    for check in checks:
        print(check.line())
    failed = sum(check.outcome == "fail" for check in checks)
    print(f"{failed} 项失败 / {failed} failed" if failed else "全部正常 / all checks passed")
    sys.stdout.flush()
    return 1 if failed else 0


def register(sub: Any) -> None:
    """Add ``hallq doctor`` to the command line."""
    doctor = sub.add_parser("doctor", help="check this box and print a fix for each failure")
    doctor.add_argument("--url", help="the hall node's URL (default: find it on the LAN)")
    doctor.add_argument("--config", help="the hall's TOML file (default: the example hall)")
    doctor.add_argument("--data-dir", default="var/hall", help="the data directory to check")
    doctor.add_argument("--printer", metavar="URL", help="also ask this ticket printer")
    doctor.add_argument("--timeout", type=float, default=5.0, help="seconds to browse the LAN")
    doctor.set_defaults(func=cmd_doctor)
