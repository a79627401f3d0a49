"""``hallq central submissions …``: the back office of self-service submissions (后台受理) on
the command line, straight on central's database (like the other ``hallq central`` actions;
the same moves over HTTP are ``/api/v1/submissions…`` with a back-office credential):

  hallq central submissions list [--status received] [--hall H]
  hallq central submissions show CODE [--save-photos DIR]
  hallq central submissions accept CODE
  hallq central submissions reject CODE --reason "材料不清晰" [--reason-en "unclear photos"]
  hallq central submissions progress CODE        (办理中)
  hallq central submissions done CODE            (已办结)

Each opens central's data key (``--data-key-file``, default ``var/central-data.key``: the
fields and photos are kept encrypted with it, ``central/data_key.py``) and refuses, naming the
file, when it is missing or is not the database's. CODE is the receipt code (回执码) or the
submission's id. ``show`` lists the fields (the ID
number only masked), each material with its files' SHA-256 and sizes, the documents reused,
and with ``--save-photos`` writes the photos (reused ones too) to a folder.
"""

from __future__ import annotations

import argparse
import datetime
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: The command's moves and the status each sets.
MOVES = {"accept": "accepted", "reject": "rejected", "progress": "in_progress",
         "done": "done"}


def _os_user() -> str:
    """Who ran the command (the operating system's user), recorded with the move."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):     # a user id without a name
        return str(os.getuid())


def _when(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M")


def _print_list(found: list[dict[str, Any]]) -> None:
    if not found:
        print("没有申报 / no submissions")
    for sub in found:
        print(f"{sub['receipt']}  {sub['hall_id']:<16} {sub['form']:<6} "
              f"{sub['item_name_zh'] or '-':<12} {sub['status_zh']} ({sub['status']})  "
              f"{_when(sub['updated_at'])}")


def _save_photos(db: Any, key: Any, sub: dict[str, Any], folder: Path) -> list[Path]:
    from central import submissions

    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)     # personal data
    wanted = [(sub["id"], f["name"], f["name"]) for f in sub["files"] if f["complete"]]
    wanted += [(doc["submission_id"], name, f"reused-{name}") for doc in sub["reused"]
               if doc["linked"] for name in doc["files"]]
    saved = []
    for sub_id, name, target in wanted:
        path = folder / target
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in submissions.file_content(db, key, sub_id, name):
                out.write(chunk)
        saved.append(path)
    return saved


def _print_show(sub: dict[str, Any]) -> None:
    print(f"回执码 / receipt: {sub['receipt']}   {sub['status_zh']} ({sub['status']})")
    print(f"事项 / item: {sub['form']} {sub['item_name_zh']} {sub['item_name_en']}")
    print(f"大厅 / hall: {sub['hall_id']}   提交 / handed in: {sub['submitted_at'] or '-'}")
    if sub["status"] == "rejected":
        print(f"理由 / reason: {sub['note']} {sub['reason_en']}")
    if sub["erased"]:
        print("个人信息已按保存期限删除 / personal data erased after the retention")
    print(f"身份证 / ID: {sub.get('id_masked') or '-'}")
    print("表单 / fields:")
    for key, value in sub.get("fields", {}).items():
        print(f"  {key}: {value}")
    print("材料 / materials:")
    for material in sub["materials"]:
        pages = material.get("pages", 0)
        how = "复用 / reused" if material.get("reused") else f"{pages} 页 / pages"
        print(f"  {material['id']} {material.get('name_zh', '')}: {how}")
    for f in sub["files"]:
        state = "verified" if f["complete"] else f"{f['received']}/{f['size']} bytes"
        print(f"    {f['name']}  {f['size']} bytes  sha256 {f['sha256']}  {state}")
    for doc in sub["reused"]:
        linked = (f"given {doc['given_on']}, valid until {doc['valid_until']}, from "
                  f"{doc['submission_id']}" if doc["linked"] else "NOT linked: ask for it")
        print(f"    reused {doc['material_id']} ({doc['doc_id']}): {linked}")


def cmd_submissions(args: argparse.Namespace,
                    open_keyed: Callable[[argparse.Namespace], tuple[Any, Any]],
                    key_refused: Callable[[Any], int]) -> int:
    """List, show or move on submissions (see the module docstring)."""
    from central import submissions
    from central.data_key import DataKeyError
    from central.errors import CentralError

    if args.submissions_action is None:
        print("hallq central submissions: give list, show, accept, reject, progress or done",
              file=sys.stderr)
        return 2
    try:
        db, key = open_keyed(args)
    except DataKeyError as err:
        return key_refused(err)
    try:
        if args.submissions_action == "list":
            found = submissions.list_all(db, args.status, args.hall, args.limit)
            if args.json:
                print(json.dumps(found, ensure_ascii=False))
            else:
                _print_list(found)
            return 0
        sub_id = submissions.find(db, args.code)
        if args.submissions_action == "show":
            sub = submissions.get(db, sub_id, key)
            if args.json:
                print(json.dumps(sub, ensure_ascii=False))
            else:
                _print_show(sub)
            if args.save_photos:
                saved = _save_photos(db, key, sub, Path(args.save_photos))
                print(f"照片已保存 / photos saved: {len(saved)} in {args.save_photos}")
            return 0
        moved = submissions.set_status(db, sub_id, MOVES[args.submissions_action],
                                       getattr(args, "reason", ""),
                                       getattr(args, "reason_en", ""),
                                       by=f"cli:{_os_user()}")
        print(f"{moved['receipt']}: {moved['status_zh']} ({moved['status']})")
        return 0
    except CentralError as err:
        print(f"hallq central submissions: {err.message_zh} ({err.message_en})",
              file=sys.stderr)
        return 1
    finally:
        db.close()


def register(actions: Any, open_keyed: Callable[[argparse.Namespace], tuple[Any, Any]],
             key_refused: Callable[[Any], int],
             db_option: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``submissions`` to ``hallq central`` (``open_keyed``: the database and central's
    data key; ``key_refused``: says why the key cannot be used; ``db_option``: adds
    ``--db`` and ``--data-key-file``)."""
    parser = actions.add_parser("submissions", help="the back office of self-service "
                                                    "submissions (自助申报后台)")
    parser.set_defaults(func=lambda args: cmd_submissions(args, open_keyed, key_refused))
    db_option(parser)
    moves = parser.add_subparsers(dest="submissions_action", metavar="ACTION")
    listing = moves.add_parser("list", help="the latest submissions (no personal data)")
    listing.add_argument("--status", choices=["uploading", "received", "accepted",
                                              "in_progress", "done", "rejected"])
    listing.add_argument("--hall", help="one hall's")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true", help="print JSON")
    show = moves.add_parser("show", help="fields, materials with SHA-256 and sizes")
    show.add_argument("--save-photos", metavar="DIR", help="write the photos to DIR (0700)")
    show.add_argument("--json", action="store_true", help="print JSON")
    subparsers = [listing, show]
    for move, status in MOVES.items():
        sub = moves.add_parser(move, help=f"set the status to {status}")
        if move == "reject":
            sub.add_argument("--reason", required=True, help="why (不予受理的理由, Chinese)")
            sub.add_argument("--reason-en", default="", help="why, in English")
        subparsers.append(sub)
    for sub in subparsers:
        if sub is not listing:
            sub.add_argument("code", help="the receipt code (回执码) or the submission's id")
        db_option(sub)
