"""``hallq staff``: set a staff member's PIN or badge, list who can sign in, disable someone.

PINs are kept in the hall's store as scrypt hashes (:mod:`hall.pin_hash`), never in the TOML
and never on the command line: ``set-pin`` reads the PIN twice from the terminal, or once
from standard input with ``--pin-stdin``. Staff ids must be in the hall's TOML (``--config``).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from hall.config import EXAMPLE_HALL, ConfigError, Staff, load_config
from hall.pin_hash import hash_pin, valid_pin

if TYPE_CHECKING:
    from hall.store import Store

DB_NAME = "hall.sqlite3"


def set_pins(store: Store, pins: Mapping[str, str]) -> None:
    """Hash and store each staff id's PIN (4 to 8 digits; ``ValueError`` otherwise)."""
    for staff_id, pin in pins.items():
        if not valid_pin(pin):
            raise ValueError(f"the PIN of {staff_id} is not 4 to 8 digits")
        store.set_staff_secret(staff_id, pin_hash=hash_pin(pin))


def _fail(zh: str, en: str, code: int = 2) -> int:
    print(f"hallq staff: {zh} / {en}", file=sys.stderr)
    return code


def _staff(config: str | None) -> dict[str, Staff] | None:
    """The staff of the hall's TOML, or None (said on stderr)."""
    try:
        return load_config(config or EXAMPLE_HALL).staff
    except ConfigError as err:
        _fail("大厅配置有误", f"the hall config is wrong: {err.bilingual()}")
    except OSError as err:
        _fail("无法读取大厅配置", f"cannot read the hall config: {err}")
    return None


def _store(data_dir: str, create: bool) -> Store | None:
    """The hall's store in ``data_dir`` (made when ``create``), or None (said on stderr)."""
    path = Path(data_dir) / DB_NAME
    if not path.exists():
        if not create:
            _fail(f"{data_dir} 中没有大厅数据库（请给出 --data-dir）",
                  f"no hall database in {data_dir} (give --data-dir)", 1)
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
    from hall.store import Store  # sqlite-utils only for this command, not every hallq start

    return Store(path)


def _read_pin(from_stdin: bool) -> str | None:
    """The new PIN: one line of standard input, or typed twice at the terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    pin = getpass.getpass("新密码 / new PIN (4-8 digits): ")
    if getpass.getpass("再输一次 / the PIN again: ") != pin:
        _fail("两次输入的密码不一致", "the two PINs differ", 1)
        return None
    return pin


def cmd_staff(args: argparse.Namespace) -> int:
    """Run one ``hallq staff`` subcommand."""
    staff = _staff(args.config)
    if staff is None:
        return 2
    staff_id: str = getattr(args, "staff_id", "")
    if staff_id and staff_id not in staff:
        return _fail(f"配置文件中没有工号 {staff_id}",
                     f"no staff id {staff_id!r} in the hall config (see: hallq staff list)")
    pin = ""
    if args.action == "set-pin":
        read = _read_pin(args.pin_stdin)
        if read is None:
            return 1
        if not valid_pin(read):
            return _fail("密码须为 4 至 8 位数字", "a PIN is 4 to 8 digits")
        pin = read
    store = _store(args.data_dir, create=args.action in ("set-pin", "set-badge"))
    if store is None:
        return 1
    try:
        if args.action == "list":
            _print_list(staff, store)
        elif args.action == "set-pin":
            set_pins(store, {staff_id: pin})
            print(f"{staff_id}: 密码已设置 / PIN set")
        elif args.action == "set-badge":
            store.set_staff_secret(staff_id, badge_uid=args.uid.strip().upper())
            print(f"{staff_id}: 工牌已设置 / badge set")
        else:
            store.set_staff_secret(staff_id, disabled=True)
            print(f"{staff_id}: 已停用，设置密码或工牌后恢复 / disabled until a PIN or badge "
                  "is set again")
    finally:
        store.close()
    return 0


def _print_list(staff: Mapping[str, Staff], store: Store) -> None:
    """Each staff id of the TOML: its name, whether a PIN and a badge are set; no secret."""
    stored = store.staff_secrets()
    for person in staff.values():
        secret = stored.get(person.id)
        pin = "PIN set" if secret and secret.pin_hash else "no PIN"
        badge = "badge set" if (secret and secret.badge_uid) or person.badge_uid else "no badge"
        state = "  DISABLED" if secret and secret.disabled else ""
        print(f"{person.id:<12} {person.name_zh:<10} {pin:<8} {badge}{state}")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``hallq staff`` to ``hallq``."""
    staff = sub.add_parser("staff", help="staff PINs and badges: set-pin, set-badge, list, "
                           "disable")
    actions = staff.add_subparsers(dest="action", metavar="ACTION", required=True)
    set_pin = actions.add_parser("set-pin", help="set a PIN: typed twice, or --pin-stdin")
    set_pin.add_argument("staff_id")
    set_pin.add_argument("--pin-stdin", action="store_true",
                         help="read the PIN from one line of standard input")
    set_badge = actions.add_parser("set-badge", help="set the UID of a staff badge")
    set_badge.add_argument("staff_id")
    set_badge.add_argument("uid", help="the badge's UID in hex, as the reader reports it")
    actions.add_parser("list", help="the staff, with whether a PIN and a badge are set")
    disable = actions.add_parser("disable", help="refuse a staff id's PIN and badge")
    disable.add_argument("staff_id")
    for action in (set_pin, set_badge, disable, actions.choices["list"]):
        action.add_argument("--data-dir", default="var/hall", help="the hall's data directory")
        action.add_argument("--config", help="the hall's TOML file (default: the example hall)")
    staff.set_defaults(func=cmd_staff)
