"""Technician glue for PC/SC readers: list them, test one with a card, run the virtual card."""

from __future__ import annotations

import argparse
import signal
import threading
from urllib.parse import quote

from devices.base import DeviceError
from devices.registry import open_device
from devices.smartcard import service
from devices.smartcard.errors import ServiceDown, SmartCardError
from devices.smartcard.vcard import DEFAULT_UID, VirtualCard

#: How long self_test waits for a card to be presented.
CARD_WAIT = 5.0


def discover() -> list[tuple[str, str]]:
    """The PC/SC readers pcscd lists, as ``pcsc://?reader=<name>`` URLs (empty if pcscd is down)."""
    try:
        readers = service.list_readers()
    except ServiceDown:
        return []
    return [(f"pcsc://?reader={quote(name)}", f"PC/SC 读卡器 / reader: {name}")
            for name in readers]


def self_test(url: str) -> str:
    """Wait a few seconds for a card at ``url``; report the reader, ATR and UID."""
    reader = open_device(url)
    try:
        reader.open()
        lines = [f"reader: {reader.reader_name}", f"state: {reader.state.value}"]
        atr = reader.wait_for_card(CARD_WAIT)
        lines.append(f"ATR: {atr.hex(' ').upper()}")
        try:
            lines.append(f"UID: {reader.read_uid()}")
        except SmartCardError as exc:
            lines.append(f"UID: none ({exc.code}: card or reader has no UID command)")
        return "\n".join(lines)
    finally:
        reader.close()


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the standalone virtual card."""
    parser.add_argument("--uid", default=DEFAULT_UID.hex().upper(),
                        help="card UID in hex (answered to FF CA 00 00 00)")
    parser.add_argument("--slot", type=int, default=0,
                        help="vpcd reader slot: 0 = 'Virtual PCD 00 00' (port 35963), 1 = next")


def run_sim(args: argparse.Namespace) -> int:
    """Insert a virtual card into vpcd (starting pcscd if needed) until SIGINT or SIGTERM."""
    try:
        uid = bytes.fromhex(args.uid)
    except ValueError:
        print(f"--uid must be hex, got {args.uid!r}")
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        pcscd = service.ensure_pcscd()
    except DeviceError as exc:
        print(exc.describe())
        return 1
    card = VirtualCard(uid=uid, port=service.vpcd_port(args.slot))
    try:
        card.insert()
        name = service.vpcd_reader_name(args.slot)
        print(f"virtual card inserted: vpcd 127.0.0.1:{card.port}, reader {name!r}, "
              f"URL pcsc://?reader={quote(name)}", flush=True)
        if pcscd.started_here:
            print("pcscd was started for this simulator and stops with it", flush=True)
        stop.wait()
    except DeviceError as exc:
        print(exc.describe())
        return 1
    finally:
        card.remove()
        pcscd.stop()
    return 0
