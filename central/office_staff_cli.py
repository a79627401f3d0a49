"""``hallq central office-staff …``: the back office's staff, who sign in to central's web
pages (``/office``), straight on central's database:

  hallq central office-staff add S9001 --name 陈静 [--name-en "Chen Jing"] [--pin-stdin]
  hallq central office-staff list
  hallq central office-staff disable S9001      (enable S9001 lets them in again)

The PIN (4–8 digits) is typed twice at the terminal, or read once from standard input with
``--pin-stdin``; it is kept only as a scrypt hash, never on the command line.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any


def _read_pin(from_stdin: bool) -> str | None:
    """The PIN: one line of standard input, or typed twice at the terminal (None: they
    differ)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    pin = getpass.getpass("密码 / PIN (4-8 digits): ")
    if getpass.getpass("再输一次 / the PIN again: ") != pin:
        return None
    return pin


def cmd_office_staff(args: argparse.Namespace, open_db: Callable[[argparse.Namespace], Any]
                     ) -> int:
    """Add, list, disable or enable the back office's staff."""
    from central import office_staff
    from central.errors import CentralError

    action = args.office_action
    if action is None:
        print("hallq central office-staff: give add, list, disable or enable", file=sys.stderr)
        return 2
    pin = ""
    if action == "add":
        read = _read_pin(args.pin_stdin)
        if read is None:
            print("hallq central office-staff: 两次输入的密码不一致 (the two PINs differ)",
                  file=sys.stderr)
            return 1
        pin = read
    db = open_db(args)
    try:
        if action == "add":
            added = office_staff.add(db, args.staff_id, args.name, args.name_en, pin)
            print(f"已添加后台人员 / added: {added.id} {added.name_zh}")
        elif action == "list":
            for person in office_staff.listed(db):
                state = " (已停用 / disabled)" if person.disabled else ""
                print(f"{person.id}  {person.name_zh}  {person.name_en}{state}")
        elif not office_staff.set_disabled(db, args.staff_id, action == "disable"):
            print(f"hallq central office-staff: 没有工号 {args.staff_id} "
                  f"(no staff id {args.staff_id})", file=sys.stderr)
            return 1
        else:
            word = "已停用 / disabled" if action == "disable" else "已启用 / enabled"
            print(f"{args.staff_id}: {word}")
        return 0
    except CentralError as err:
        print(f"hallq central office-staff: {err.message_zh} ({err.message_en})",
              file=sys.stderr)
        return 1
    finally:
        db.close()


def register(actions: Any, open_db: Callable[[argparse.Namespace], Any],
             db_option: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``office-staff`` to ``hallq central``."""
    parser = actions.add_parser("office-staff", help="the back office's staff, who sign in to "
                                                     "central's web pages (后台受理人员)")
    parser.set_defaults(func=lambda args: cmd_office_staff(args, open_db))
    db_option(parser)
    moves = parser.add_subparsers(dest="office_action", metavar="ACTION")
    add = moves.add_parser("add", help="add a member with a PIN (typed twice, or --pin-stdin)")
    add.add_argument("staff_id", help="the staff id (letters, digits, '-', '_')")
    add.add_argument("--name", required=True, help="the name in Chinese")
    add.add_argument("--name-en", default="", help="the name in English")
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN from stdin")
    listing = moves.add_parser("list", help="every member (no secret)")
    subparsers = [add, listing]
    for action, said in (("disable", "may no longer sign in"), ("enable", "may sign in again")):
        sub = moves.add_parser(action, help=f"the staff id {said}")
        sub.add_argument("staff_id")
        subparsers.append(sub)
    for sub in subparsers:
        db_option(sub)
