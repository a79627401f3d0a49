"""Technician glue for ID-card readers, used by the ``hallq devices`` CLI.

``discover`` lists serial ports as candidate ``ga467://`` URLs, ``self_test`` checks the SAM
and tries a read (printing masked fields only), ``run_sim`` serves a simulated reader on a
pty, and ``read_json`` backs ``hallq devices read-idcard URL --json``.
"""

from __future__ import annotations

import argparse
import base64
import time
from typing import Any

from devices.idcard.photo import decode_photo
from devices.idcard.samples import SAMPLE_CARDS
from devices.idcard.serial_reader import DEFAULT_BAUD, IdCardReader
from devices.idcard.simulator import DEFAULT_SAM_ID, IdCardSimulator
from devices.registry import open_device
from devices.techkit import serial_ports, serve_until_signal

#: USB-serial bridges found in ID-card readers (CH340, PL2303, CP210x, FTDI).
_KNOWN_BRIDGES = {(0x1A86, 0x7523), (0x067B, 0x2303), (0x10C4, 0xEA60), (0x0403, 0x6001)}


def discover() -> list[tuple[str, str]]:
    """Every serial port on this machine as a candidate ``ga467://`` URL with a description."""
    found = []
    for port in serial_ports():
        description = f"串口 / serial port: {port.description}"
        if port.vid is not None and port.pid is not None:
            likely = (port.vid, port.pid) in _KNOWN_BRIDGES
            description += f" [USB {port.vid:04x}:{port.pid:04x}"
            description += ", 常见于身份证阅读器 / common in ID-card readers]" if likely else "]"
        found.append((f"ga467://{port.device}?baud={DEFAULT_BAUD}", description))
    return found


def _open(url: str) -> IdCardReader:
    reader = open_device(url)
    if not isinstance(reader, IdCardReader):
        reader.close()
        raise TypeError(f"{url} is not an ID-card reader")
    return reader


def self_test(url: str) -> str:
    """SAM status and id, then one read with masked fields; raises DeviceError on failure."""
    reader = _open(url)
    lines = [f"身份证阅读器自检 / ID-card reader self-test: {url}"]
    try:
        lines.append(f"SAM 状态 / SAM status: {reader.sam_status()}")
        lines.append(f"SAM 编号 / SAM id: {reader.sam_id()}")
        started = time.monotonic()
        info = reader.read_card()
        took_ms = (time.monotonic() - started) * 1000
        if info is None:
            lines.append("未放置证件 / no card on the reader: place one to test reading")
        else:
            lines += [
                f"读卡成功 / card read in {took_ms:.0f} ms: {info.card_type.title_zh}",
                f"  姓名 / name: {info.masked_name}",
                f"  证件号码 / number: {info.masked_id}",
                f"  性别 / sex: {info.sex}   出生 / born: {info.birth_date.year}",
                f"  有效期至 / valid until: {info.valid_until or '长期 / long-term'}",
                f"  照片 / photo: {len(info.photo_wlt)} bytes WLT; "
                f"{decode_photo(info.photo_wlt).reason or '已解码 / decoded'}",
            ]
        lines.append(f"状态 / state: {reader.state.value}")
    finally:
        reader.close()
    return "\n".join(lines)


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the standalone simulator."""
    parser.add_argument("--card", choices=["none", *SAMPLE_CARDS], default="resident",
                        help="sample card on the reader at start (default: resident)")
    parser.add_argument("--baud", type=int, default=DEFAULT_BAUD,
                        help="baud rate to pace answers at (bits/s, default 115200)")
    parser.add_argument("--pace", action="store_true",
                        help="write answers at the real speed of --baud (a pty ignores baud)")
    parser.add_argument("--sam-id", default=DEFAULT_SAM_ID, help="SAM id the reader reports")


def run_sim(args: argparse.Namespace) -> int:
    """Serve a simulated reader on a pty until SIGINT/SIGTERM; prints where it listens."""
    card = None if args.card == "none" else SAMPLE_CARDS[args.card]
    simulator = IdCardSimulator(card, sam_id=args.sam_id, baudrate=args.baud, pace=args.pace)
    simulator.start()
    serve_until_signal(simulator, [
        f"模拟身份证阅读器 / simulated GA 467 ID-card reader on {simulator.port} "
        f"(link {simulator.link}), card: {args.card}",
        f"URL: ga467://{simulator.link}?baud={args.baud}"])
    return 0


def read_json(url: str, include_personal: bool = False,
              fingerprint: bool = False) -> dict[str, Any]:
    """One read as a JSON-ready dict; ID, names and address masked unless include_personal.

    ``{"url": ..., "present": False}`` when no card is on the reader. The photo is the raw
    WLT in base64 (``photo_wlt``), plus ``photo_image`` when a decoder is installed.
    """
    reader = _open(url)
    try:
        info = reader.read_card_with_fingerprint() if fingerprint else reader.read_card()
    finally:
        reader.close()
    if info is None:
        return {"url": url, "present": False}
    photo = decode_photo(info.photo_wlt)
    return {
        "url": url,
        "present": True,
        **info.to_dict(include_personal=include_personal),
        "photo_image": base64.b64encode(photo.image).decode("ascii") if photo.image else None,
        "photo_reason": photo.reason,
    }
