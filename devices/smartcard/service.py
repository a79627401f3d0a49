"""Make sure pcscd (the PC/SC service) runs, with Debian's vpcd virtual reader.

On a kiosk pcscd is started by systemd; on a developer's machine or in a container without
systemd, :func:`ensure_pcscd` starts ``pcscd --foreground`` itself (root is needed) and the
returned :class:`PcscdService` stops it again only if it was started here.

Error codes: smartcard.service_down (pcscd missing, cannot start, or not answering),
smartcard.no_reader (the vpcd reader never showed up).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

from smartcard import scard

from devices.smartcard.errors import NoReader, ServiceDown

log = logging.getLogger("hallq.devices.smartcard")

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
VPCD_DEFAULT_PORT = 35963
#: vpcd names its readers "Virtual PCD 00 00", "Virtual PCD 00 01", ... one per TCP port.
VPCD_READER_PREFIX = "Virtual PCD"


def vpcd_port(slot: int = 0, conf: Path = VPCD_CONF) -> int:
    """The TCP port vpcd listens on for ``slot`` (CHANNELID in its reader.conf, plus the slot)."""
    base = VPCD_DEFAULT_PORT
    try:
        match = re.search(r"^\s*CHANNELID\s+(\S+)", conf.read_text(), re.MULTILINE)
        if match:
            base = int(match.group(1), 0)
    except (OSError, ValueError):
        pass
    return base + slot


def vpcd_reader_name(slot: int = 0) -> str:
    """The PC/SC name of vpcd's reader ``slot``."""
    return f"{VPCD_READER_PREFIX} 00 {slot:02X}"


def pcscd_socket() -> Path:
    """pcscd's socket (libpcsclite honours PCSCLITE_CSOCK_NAME, so this does too)."""
    return Path(os.environ.get("PCSCLITE_CSOCK_NAME") or PCSCD_SOCKET)


def pcscd_running() -> bool:
    """True when something accepts connections on pcscd's socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(str(pcscd_socket()))
        except OSError:
            return False
    return True


def list_readers() -> list[str]:
    """The readers pcscd knows; :class:`ServiceDown` when it does not answer."""
    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hr & 0xFFFFFFFF != scard.SCARD_S_SUCCESS:
        raise ServiceDown(scard.SCardGetErrorMessage(hr))
    try:
        hr, readers = scard.SCardListReaders(ctx, [])
    finally:
        scard.SCardReleaseContext(ctx)
    hr &= 0xFFFFFFFF
    if hr == scard.SCARD_E_NO_READERS_AVAILABLE:
        return []
    if hr != scard.SCARD_S_SUCCESS:
        raise ServiceDown(scard.SCardGetErrorMessage(hr))
    return [str(name) for name in readers]


def wait_card_state(reader: str, present: bool, timeout: float = 2.0) -> bool:
    """Wait until pcscd reports a card in ``reader`` (or none); False when it did not in time.

    pcscd polls vpcd a few times a second, so it sees a virtual card come or go a little late.
    """
    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hr & 0xFFFFFFFF != scard.SCARD_S_SUCCESS:
        return False
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            hr, states = scard.SCardGetStatusChange(
                ctx, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
            if hr & 0xFFFFFFFF != scard.SCARD_S_SUCCESS:
                return False
            if bool(states[0][1] & scard.SCARD_STATE_PRESENT) == present:
                return True
            time.sleep(0.02)
        return False
    finally:
        scard.SCardReleaseContext(ctx)


class PcscdService:
    """A running pcscd; :meth:`stop` ends it only when this object started it."""

    def __init__(self, process: subprocess.Popen[bytes] | None) -> None:
        self.process = process

    @property
    def started_here(self) -> bool:
        """True when this object started pcscd (and so will stop it)."""
        return self.process is not None

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the pcscd started here (SIGTERM, then SIGKILL); leave any other pcscd alone."""
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        log.info("pcscd (pid %d) stopped", process.pid)


def _pcscd_binary() -> str:
    found = shutil.which("pcscd") or ("/usr/sbin/pcscd" if Path("/usr/sbin/pcscd").exists()
                                      else None)
    if found is None:
        raise ServiceDown("pcscd is not installed (apt-get install pcscd vsmartcard-vpcd)")
    return found


#: The pcscd this process started, if any, so later callers know it is not the system's.
_started_in_this_process: subprocess.Popen[bytes] | None = None


def ensure_pcscd(timeout: float = 10.0, *, need_vpcd: bool = True) -> PcscdService:
    """Return a running pcscd, starting ``pcscd --foreground`` when none runs.

    With ``need_vpcd`` also wait until vpcd's first reader ("Virtual PCD 00 00") is listed.
    """
    global _started_in_this_process
    ours = _started_in_this_process
    if ours is not None and ours.poll() is None and pcscd_running():
        # started earlier by this process (another device, a test): still ours to manage
        return PcscdService(ours)
    service = PcscdService(None)
    if not pcscd_running():
        if os.geteuid() != 0:
            raise ServiceDown("pcscd is not running and only root can start it "
                              "(systemctl start pcscd)")
        process = subprocess.Popen([_pcscd_binary(), "--foreground"], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        service = PcscdService(process)
        _started_in_this_process = process
        log.info("started pcscd (pid %d)", process.pid)
    try:
        _wait_until_ready(service, timeout, need_vpcd)
    except Exception:
        service.stop()
        raise
    return service


def _wait_until_ready(service: PcscdService, timeout: float, need_vpcd: bool) -> None:
    deadline = time.monotonic() + timeout
    wanted = vpcd_reader_name(0)
    readers: list[str] = []
    while time.monotonic() < deadline:
        if service.process is not None and service.process.poll() is not None:
            raise ServiceDown(f"pcscd exited at once with status {service.process.returncode} "
                              "(another pcscd running? run `pcscd -f -d` to see why)")
        if pcscd_running():
            try:
                readers = list_readers()
            except ServiceDown:
                readers = []
            else:
                if not need_vpcd or wanted in readers:
                    return
        time.sleep(0.05)
    if not pcscd_running():
        raise ServiceDown(f"pcscd did not open {pcscd_socket()} within {timeout:g} s")
    raise NoReader(f"pcscd runs but lists {readers}, not {wanted!r} "
                   f"(is vsmartcard-vpcd installed, {VPCD_CONF} present?)")
