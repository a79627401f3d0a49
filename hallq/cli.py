"""The ``hallq`` command: run a hall node, pair devices, run the demo, drive devices."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.cloudsim import cli as cloudsim_cli
from caller import window_controller
from central import cli as central_cli
from desk import cli as desk_cli
from devices import cli as devices_cli
from hall import idnumber, ratings
from hall.config import EXAMPLE_HALL, ConfigError, load_config
from hall.logs import setup_logging
from hallq import apps, backup, doctor, provision, staff, voice
from sync import cli as sync_cli

if TYPE_CHECKING:
    from hall.config import HallConfig
    from hall.store import Store

DESCRIPTION = """\
hallq — the software of a government service hall (政务服务大厅).

  hallq demo                         a whole hall in one process (the example hall)
  hallq hall --config HALL.toml      run a hall node (queue, API, LAN advert)
  hallq pair --role kiosk --code     a 6-digit code a new kiosk pairs with (hallq provision)
  hallq pair --role caller --window 3   print a token for a console of window 3
  hallq provision --role kiosk       on a new box: find the hall, pair, test devices, config
  hallq paired | revoke NAME         the paired devices; revoke a lost one
  hallq staff set-pin S001           staff PINs (hashed in the hall's database) and badges
  hallq status                       the node's health and devices: ok, or degraded and why (exit 3)
  hallq backup | restore FILE        copies of the hall's database, and putting one back
  hallq doctor                       check this box; a fix for each failure
  hallq voice check DIR | say A018 --window 3   a recorded clip set; a call to listen to
  hallq kiosk | caller | display     run one app against a hall found on the LAN
  hallq window-controller --window 3 --keypad URL   a window's keypad, LED screen, rating pad
  hallq devices …                    technicians: list, test and simulate devices
  hallq central …                    the city's central platform
  hallq sync …                       the sync agent beside a hall node
"""

#: Where an installed hall keeps its data (``packaging/systemd/hallq-hall.service``).
INSTALLED_DATA_DIR = "/var/lib/hallq"
#: The roles of ``hallq pair`` (``hall.store.ROLES``, not imported: the store loads only when
#: a command needs it) and what each may do (``hall.api.dependencies.PERMISSIONS``).
PAIR_ROLE_NAMES = ("kiosk", "caller", "desk", "supervisor", "display", "sync", "admin")
PAIR_ROLES = """\
Pair a device with the hall node and print its API token (shown once). Roles:
  kiosk       取号机: take numbers; cancel only a number it took, in the citizen's session
  caller      窗口: one window's console (--window N): call, serve, transfer; cancel,
              green channel and re-check-in only for a ticket at its own window
  desk        服务台: take numbers for citizens; cancel, green channel, re-check-in any ticket
  supervisor  大厅管理: what the desk may, and open a window with nobody signed in
  display     综合屏/窗口屏: read only
  sync        the sync agent: events up, appointments and cloud calling down
  admin       everything
"""


def _config(path: str | None) -> HallConfig:
    """The hall's TOML, or exit 2 with one line saying where it is wrong."""
    try:
        return load_config(path or EXAMPLE_HALL)
    except ConfigError as err:
        print(f"hallq: 大厅配置有误 / the hall config is wrong: {err.bilingual()}",
              file=sys.stderr)
    except OSError as err:
        print(f"hallq: 无法读取大厅配置 / cannot read the hall config: {err}", file=sys.stderr)
    raise SystemExit(2)


def cmd_hall(args: argparse.Namespace) -> int:
    """Run a hall node in the foreground."""
    from hall.node import HallNode
    from hall.server import HallServer
    from hall.store import DatabaseUnusable

    setup_logging(args.verbose)
    config = _config(args.config)
    if args.open_all_day:
        from dataclasses import replace
        config = replace(config, rules=replace(config.rules, open_all_day=True))
    try:
        held = backup.hold_data_dir(Path(args.data_dir))  # held while the node runs
    except backup.BackupError as err:
        print(f"hallq: {err.bilingual()}", file=sys.stderr)
        return 2
    with held:
        try:
            node = HallNode(config, Path(args.data_dir), id_key=_id_key(args.id_key_file))
        except DatabaseUnusable as err:
            print(f"hallq: {err.bilingual()}", file=sys.stderr)
            return 2
        except ValueError as err:       # a damaged link.key (hall/links.py)
            print(f"hallq: {err}", file=sys.stderr)
            return 2
        server = HallServer(node, host=args.bind, port=args.port,
                            advertise=not args.no_advertise,
                            log_level="info" if args.verbose else "warning")
        print(f"hallq: hall {config.hall_id} ({config.name_zh}) on {server.url}, "
              f"data in {args.data_dir}", flush=True)
        server.serve()
    return 0


def _id_key(path: str | None) -> bytes | None:
    """The city's key for hashing ID numbers (hex in a file), or None for the hall's own."""
    if path is None:
        return None
    try:
        return idnumber.read_key(path)
    except ValueError as err:
        raise SystemExit(f"hallq: {err}") from None


def cmd_pair(args: argparse.Namespace) -> int:
    """Pair a device with the hall in ``--data-dir``: print its token, or with ``--code`` a
    6-digit code it claims its token with (``hallq provision``); refuse (exit 2) a data
    directory with no hall database, a window the hall has not and a name already paired."""
    import time

    from hall.node import WINDOWS_META
    from hall.store import PAIRING_CODE_TTL_S

    store = _existing_store(args.data_dir)
    if store is None:
        return 2
    name = args.name or f"{args.role}-{args.window or ''}".strip("-")
    try:
        if args.replace and not args.code:
            store.revoke(name)      # a replaced device: its old token stops working
        refused = _pair_refusal(args.window, None if args.code else name,
                                store.get_meta(WINDOWS_META),
                                {d["name"] for d in store.devices() if not d["revoked"]})
        if refused:
            print(f"hallq pair: {refused}", file=sys.stderr)
            return 2
        if args.code:
            secret = store.add_pairing_code(args.role, args.window, args.name, time.time())
        else:
            secret = store.pair(args.role, name, args.window)
    except ValueError as err:
        print(f"hallq pair: {err}", file=sys.stderr)
        return 2
    finally:
        store.close()
    if args.json:
        print(json.dumps({"code" if args.code else "token": secret, "role": args.role,
                          "window": args.window}))
    elif args.code:
        minutes = round(PAIRING_CODE_TTL_S / 60)
        print(f"配对码 / pairing code: {secret}\n{minutes} 分钟内有效，仅可使用一次；在新设备上"
              f"运行 hallq provision / valid {minutes} minutes, once: on the new device run "
              "hallq provision")
    else:
        print(secret)
    return 0


def _pair_refusal(window: str | None, name: str | None, windows_json: str | None,
                  names: set[str]) -> str | None:
    """Why a device cannot be paired with ``window`` and ``name``, bilingual; None if it can."""
    if window is not None:
        known = json.loads(windows_json) if windows_json else None
        if known is None:
            return ("大厅节点尚未启动过，无法核对窗口号：请先启动节点 / the hall node never "
                    "started on this database, so the window cannot be checked: start it first")
        if window not in known:
            return (f"本厅没有 {window} 号窗口 / the hall has no window {window} "
                    f"(windows: {', '.join(sorted(known, key=_window_order))})")
    if name is not None and name in names:
        return (f"名称 {name} 已有设备使用：请用 --name 换一个，或先 hallq revoke {name} / "
                f"a device named {name} is paired already: give another --name, or run "
                f"hallq revoke {name} first")
    return None


def _window_order(number: str) -> tuple[int, str]:
    return (int(number), "") if number.isdigit() else (1 << 30, number)


def cmd_paired(args: argparse.Namespace) -> int:
    """List the paired devices."""
    store = _existing_store(args.data_dir)
    if store is None:
        return 1
    try:
        devices = store.devices()
    finally:
        store.close()
    if args.json:
        print(json.dumps(devices, ensure_ascii=False))
        return 0
    for device in devices:
        paired = datetime.fromtimestamp(device["paired_at"]).strftime("%Y-%m-%d %H:%M")
        window = f"window {device['window']}" if device["window"] else ""
        state = "REVOKED" if device["revoked"] else "valid"
        print(f"{device['name']:<24} {device['role']:<8} {window:<12} {paired}  {state}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    """Revoke the devices paired under a name."""
    store = _existing_store(args.data_dir)
    if store is None:
        return 1
    try:
        revoked = store.revoke(args.name)
    finally:
        store.close()
    if not revoked:
        print(f"hallq revoke: no valid device named {args.name!r} (see: hallq paired)",
              file=sys.stderr)
        return 1
    print(f"revoked {revoked} device(s) named {args.name!r}; a running node refuses them "
          "within seconds")
    return 0


def _existing_store(data_dir: str) -> Store | None:
    """The hall's store in ``data_dir``, or None (said on stderr) when there is none."""
    from hall.store import DatabaseUnusable, Store

    path = Path(data_dir) / "hall.sqlite3"
    if not path.exists():
        print(f"hallq: {data_dir} 中没有大厅数据库 / no hall database in {data_dir} (give "
              f"--data-dir: {INSTALLED_DATA_DIR} on an installed hall)", file=sys.stderr)
        return None
    try:
        return Store(path)
    except DatabaseUnusable as err:
        print(f"hallq: {err.bilingual()}", file=sys.stderr)
        return None


def cmd_status(args: argparse.Namespace) -> int:
    """Print the health of a hall node."""
    import httpx

    from hallq.status import report

    url = args.url
    if url is None:
        from hall.discovery import find_hall

        found = find_hall(timeout=args.timeout)
        if found is None:
            print("hallq status: no hall found on the LAN (give --url)", file=sys.stderr)
            return 1
        url = found.url
    try:
        health = httpx.get(f"{url}/api/v1/health", timeout=5).json()
    except httpx.HTTPError as err:
        print(f"hallq status: {url} does not answer: {err}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(health, ensure_ascii=False, indent=2))
    else:
        print("\n".join(report(health, url)))
    if health.get("status") == "ok":
        return 0
    if args.json:       # for machines: the reasons also said on standard error
        for reason in health.get("reasons", []):
            print(f"hallq status: {health.get('status')}: {reason['message_zh']} / "
                  f"{reason['message_en']}", file=sys.stderr)
    return 3


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the demo hall."""
    from hallq.demo import run_demo

    setup_logging(args.verbose)
    return run_demo(args)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(prog="hallq", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    hall = sub.add_parser("hall", help="run a hall node: queue engine, API, LAN advert")
    hall.add_argument("--config", help="the hall's TOML file (default: the example hall)")
    hall.add_argument("--data-dir", default="var/hall", help="where the database lives")
    hall.add_argument("--bind", default="0.0.0.0", help="address to listen on")
    hall.add_argument("--port", type=int, default=8470, help="TCP port (default 8470)")
    hall.add_argument("--no-advertise", action="store_true", help="do not advertise on the LAN")
    hall.add_argument("--id-key-file", help="hex key for hashing ID numbers, shared by every "
                      "hall of the city so appointments match by ID (default: the hall's own)")
    hall.add_argument("--open-all-day", action="store_true",
                      help="ignore opening hours and cutoffs (24-hour halls, trials)")
    hall.set_defaults(func=cmd_hall)

    pair = sub.add_parser("pair", help="pair a device: print its API token",
                          description=PAIR_ROLES,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    pair.add_argument("--role", required=True, choices=list(PAIR_ROLE_NAMES),
                      help="what the device may do (listed above)")
    pair.add_argument("--window", help="the window a caller console is bound to")
    pair.add_argument("--name", help="a name for the device (shown to technicians)")
    pair.add_argument("--data-dir", default="var/hall", help="the hall's data directory")
    pair.add_argument("--code", action="store_true",
                      help="print a 6-digit code valid 10 minutes instead of the token: the "
                           "new device claims its token with it (hallq provision)")
    pair.add_argument("--replace", action="store_true",
                      help="revoke a device already paired under this name first (a "
                           "replaced console, or the demo's window-3 keypad run again)")
    pair.add_argument("--json", action="store_true", help="print JSON")
    pair.set_defaults(func=cmd_pair)

    paired = sub.add_parser("paired", help="list the paired devices (never their tokens)")
    paired.add_argument("--data-dir", default="var/hall", help="the hall's data directory")
    paired.add_argument("--json", action="store_true", help="print JSON")
    paired.set_defaults(func=cmd_paired)

    revoke = sub.add_parser("revoke", help="revoke a paired device by its name (a lost tablet)")
    revoke.add_argument("name", help="the device's name, as `hallq paired` lists it")
    revoke.add_argument("--data-dir", default="var/hall", help="the hall's data directory")
    revoke.set_defaults(func=cmd_revoke)

    status = sub.add_parser("status", help="health of a hall node",
                            description="Print a hall node's health for people (its time, "
                            "reasons, sync, devices in the hall's time zone), or as JSON with "
                            "--json; exit 0 when it is ok, 3 when degraded, 1 when no node "
                            "answers.")
    status.add_argument("--json", action="store_true",
                        help="the health body as JSON (reasons also on stderr)")
    status.add_argument("--url", help="the node's URL (default: find it on the LAN)")
    status.add_argument("--timeout", type=float, default=5.0, help="seconds to browse the LAN")
    status.set_defaults(func=cmd_status)

    demo = sub.add_parser("demo", help="a whole hall in one process, with the example hall")
    demo.add_argument("--data-dir", default="var/demo", help="where the demo keeps its data")
    demo.add_argument("--port", type=int, default=8470, help="TCP port of the hall API")
    demo.add_argument("--headless", action="store_true", help="no windows: the node only")
    demo.set_defaults(func=cmd_demo)

    devices_cli.register(sub, key_labels=ratings.LABELS)
    for register in (apps.register, staff.register, backup.register, doctor.register,
                     provision.register, voice.register, window_controller.register,
                     central_cli.register, sync_cli.register, cloudsim_cli.register,
                     desk_cli.register):
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``hallq``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
