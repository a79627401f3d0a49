"""``hallq staff``: add staff (one, or a CSV), set a PIN or badge, list who can sign in,
disable someone.

PINs are kept in the hall's store as scrypt hashes (:mod:`hall.pin_hash`), never in the TOML
and never on the command line: ``set-pin`` reads the PIN twice from the terminal, or once
from standard input with ``--pin-stdin``. Staff ids are the TOML's ``[[staff]]`` (``--config``)
and those added to the hall's roster with ``add`` or ``import``.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from hall.config import EXAMPLE_HALL, ConfigError, Staff, load_config
from hall.pin_hash import hash_pin, valid_pin

if TYPE_CHECKING:
    from hall.store import Store

DB_NAME = "hall.sqlite3"
#: What a staff id may be (as on a badge or a login): letters, digits, - and _.
STAFF_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


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
    toml_staff = _staff(args.config)
    if toml_staff is None:
        return 2
    if args.action in ("add", "import"):
        return _add(args, toml_staff)
    staff_id: str = getattr(args, "staff_id", "")
    pin = ""
    if args.action == "set-pin":
        read = _read_pin(args.pin_stdin)
        if read is None:
            return 1
        if not valid_pin(read):
            return _fail("密码须为 4 至 8 位数字", "a PIN is 4 to 8 digits")
        pin = read
    if staff_id and staff_id not in toml_staff and not (Path(args.data_dir) / DB_NAME).exists():
        return _unknown(staff_id)      # no roster yet: make no database for a typo
    store = _store(args.data_dir, create=args.action in ("set-pin", "set-badge"))
    if store is None:
        return 1
    try:
        staff = {**_roster(store), **toml_staff}
        if staff_id and staff_id not in staff:
            return _unknown(staff_id)
        _act(args, store, staff, staff_id, pin)
    finally:
        store.close()
    return 0


def _unknown(staff_id: str) -> int:
    return _fail(f"没有工号 {staff_id}（可用 hallq staff add 添加）",
                 f"no staff id {staff_id!r} in the hall config or the roster "
                 "(see: hallq staff list; add with hallq staff add)")


def _act(args: argparse.Namespace, store: Store, staff: Mapping[str, Staff], staff_id: str,
         pin: str) -> None:
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


def _roster(store: Store) -> dict[str, Staff]:
    """The staff added with ``hallq staff add`` or ``import``."""
    return {sid: Staff(id=sid, name_zh=name) for sid, name in store.staff_roster().items()}


class StaffFileError(ValueError):
    """A staff CSV that cannot be imported; says the line and the column."""


def check_member(staff_id: str, name_zh: str, where: str = "") -> tuple[str, str]:
    """A new staff member's id and name, checked; :class:`StaffFileError` says what is wrong."""
    staff_id, name_zh = staff_id.strip(), name_zh.strip()
    if not STAFF_ID.fullmatch(staff_id):
        raise StaffFileError(f"{where}id {staff_id!r}: 1 to 32 letters, digits, - or _")
    if not 1 <= len(name_zh) <= 200:
        raise StaffFileError(f"{where}name_zh: 1 to 200 characters")
    return staff_id, name_zh


def read_staff_csv(path: Path) -> list[tuple[str, str]]:
    """The staff of a UTF-8 CSV with the header ``id,name_zh`` (more columns refused: PINs are
    set one by one with ``set-pin``, never kept in a file)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise StaffFileError(f"{path}: not UTF-8 ({err.reason} at byte {err.start})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]] != ["id", "name_zh"]:
        raise StaffFileError(f"{path}: line 1 must be the header id,name_zh")
    members, seen = [], set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise StaffFileError(f"{path}: line {number}: 2 columns (id,name_zh), found "
                                 f"{len(row)}")
        member = check_member(row[0], row[1], f"{path}: line {number}: ")
        if member[0] in seen:
            raise StaffFileError(f"{path}: line {number}: id {member[0]} appears twice")
        seen.add(member[0])
        members.append(member)
    return members


def _add(args: argparse.Namespace, toml_staff: Mapping[str, Staff]) -> int:
    """``hallq staff add ID --name NAME`` or ``hallq staff import FILE``: all or none."""
    try:
        members = ([check_member(args.staff_id, args.name)] if args.action == "add"
                   else read_staff_csv(Path(args.file)))
    except StaffFileError as err:
        return _fail("员工信息有误，未导入任何人", f"nothing added: {err}")
    except OSError as err:
        return _fail("无法读取文件", f"cannot read the file: {err}")
    for staff_id, _ in members:
        if staff_id in toml_staff:
            return _fail(f"工号 {staff_id} 已在大厅配置中，未导入任何人",
                         f"nothing added: staff id {staff_id} is already in the hall config")
    store = _store(args.data_dir, create=False)
    if store is None:
        return 1
    try:
        store.add_staff(members)
    except ValueError as err:
        return _fail("工号已存在，未导入任何人", f"nothing added: {err}")
    finally:
        store.close()
    print(f"已添加 {len(members)} 人；请用 hallq staff set-pin 设置密码 / added "
          f"{len(members)}; set each PIN with hallq staff set-pin")
    return 0


def _print_list(staff: Mapping[str, Staff], store: Store) -> None:
    """Each staff member: name, whether a PIN and a badge are set; no secret."""
    stored = store.staff_secrets()
    for person in sorted(staff.values(), key=lambda p: p.id):
        secret = stored.get(person.id)
        pin = "PIN set" if secret and secret.pin_hash else "no PIN"
        badge = "badge set" if (secret and secret.badge_uid) or person.badge_uid else "no badge"
        state = "  DISABLED" if secret and secret.disabled else ""
        print(f"{person.id:<12} {person.name_zh:<10} {pin:<8} {badge}{state}")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``hallq staff`` to ``hallq``."""
    staff = sub.add_parser("staff", help="staff: add, import, set-pin, set-badge, list, "
                           "disable")
    actions = staff.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a member of staff to the hall's roster")
    add.add_argument("staff_id")
    add.add_argument("--name", required=True, help="the name staff and citizens see (中文)")
    imported = actions.add_parser("import", help="add staff from a UTF-8 CSV: id,name_zh")
    imported.add_argument("file")
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
    for action in (add, imported, set_pin, set_badge, disable, actions.choices["list"]):
        action.add_argument("--data-dir", default="var/hall", help="the hall's data directory")
        action.add_argument("--config", help="the hall's TOML file (default: the example hall)")
    staff.set_defaults(func=cmd_staff)
