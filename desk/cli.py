"""The ``hallq desk-agent`` command: the service desk's reader and printer beside the desk's
browser (mounted by ``hallq/cli.py`` through :func:`register`).

  hallq desk-agent --hall-url http://hall.local:8470 --token @desk-token.txt \\
                   --idcard ga467:///dev/ttyUSB0 --printer escpos+tcp://192.168.1.60:9100

The token is a ``desk`` device's (``hallq pair desk --name desk-1``): staff choose that name
on the web sign-in page, so cards swiped here open on their page and their reprints come out
here. ``--token`` takes the value, ``@FILE`` or, left out, ``HALLQ_DESK_TOKEN`` (or the file
``HALLQ_TOKEN_FILE`` names: ``packaging/systemd/hallq-desk-agent.service``). Device URLs
are those of ``devices/registry.py`` (``sim://idcard``, ``sim://printer?out=DIR`` simulate).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from hall.logs import setup_logging


def _token(value: str | None) -> str:
    value = value or os.environ.get("HALLQ_DESK_TOKEN")
    if not value and os.environ.get("HALLQ_TOKEN_FILE"):     # the systemd unit's
        value = "@" + os.environ["HALLQ_TOKEN_FILE"]
    if not value:
        raise SystemExit("hallq desk-agent: 请提供 --token（或设置 HALLQ_DESK_TOKEN） / "
                         "give --token (or set HALLQ_DESK_TOKEN)")
    if value.startswith("@"):
        return Path(value[1:]).read_text(encoding="utf-8").strip()
    return value


def cmd_desk_agent(args: argparse.Namespace) -> int:
    """Run the desk's reader and printer until SIGINT/SIGTERM."""
    from desk.agent import DeskAgent
    from devices.base import DeviceError, DeviceURLError
    from devices.registry import open_device
    from hall.client import HallApiError

    setup_logging(getattr(args, "verbose", False))
    try:
        reader = open_device(args.idcard) if args.idcard else None
        printer = open_device(args.printer) if args.printer else None
        agent = DeskAgent(args.hall_url, _token(args.token), reader, printer)
    except (DeviceURLError, DeviceError) as bad:
        print(f"hallq desk-agent: 设备地址有误 / bad device: {bad}", file=sys.stderr)
        return 2
    except HallApiError as refused:
        print(f"hallq desk-agent: {refused.message_zh} / {refused.message_en}",
              file=sys.stderr)
        return 2
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    print(f"hallq desk-agent: {agent.name} at {args.hall_url} (reader: "
          f"{args.idcard or 'none'}, printer: {args.printer or 'none'})", flush=True)
    try:
        agent.run(done)
    finally:
        for device in (reader, printer):
            if device is not None:
                device.close()
    return 0


def register(subparsers: Any) -> None:
    """Add ``desk-agent`` to ``hallq``."""
    agent = subparsers.add_parser("desk-agent", help="the service desk's ID-card reader and "
                                                     "ticket printer (服务台读卡器和打印机)")
    agent.add_argument("--hall-url", default="http://127.0.0.1:8470", help="the hall node")
    agent.add_argument("--token", help="a desk device's token (hallq pair desk), or @FILE")
    agent.add_argument("--idcard", help="the desk's ID-card reader, e.g. ga467:///dev/ttyUSB0")
    agent.add_argument("--printer", help="the desk's ticket printer, e.g. "
                                         "escpos+tcp://192.168.1.60:9100")
    agent.set_defaults(func=cmd_desk_agent)
