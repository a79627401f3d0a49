"""``hallq backup`` and ``hallq restore``: copies of the hall's database, taken while the node
runs, and put back while it does not.

A backup is SQLite's online backup of ``hall.sqlite3`` (a consistent snapshot even while the
node writes) with the hall's link key (``link.key``) inside, checked with ``PRAGMA
integrity_check`` before it is kept, written mode 0600: it holds the hall's secret keys and the
day's masked, keyed-hash personal data. The newest
``--keep`` backups in the folder are kept, older ones deleted.

A restore refuses while a hall node holds the data directory (:func:`hold_data_dir`, taken by
``hallq hall`` and ``hallq demo``), checks the backup the same way, moves the current database
aside (never deletes it) and copies the backup in. The node's event numbers go on from the
backup's last event, or — with ``--continue-after SEQ`` — from after the last event central
already holds, so that central does not mistake the new events for ones it has.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from hall.links import KEY_FILE as LINK_KEY_FILE

DB_NAME = "hall.sqlite3"
LOCK_NAME = "hall.lock"
#: The meta key of the hall's link key (``link.key``) inside a backup.
LINK_KEY_META = "backup_link_key"
#: Tables every hall database has; a file without them is not a hall backup.
REQUIRED_TABLES = frozenset({"_migrations", "events", "tickets", "meta"})


class BackupError(Exception):
    """A backup or restore that cannot be done; says why and what to do, in both languages."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en

    def bilingual(self) -> str:
        """``中文 / English`` on one line."""
        return f"{self.message_zh} / {self.message_en}"


@dataclass(frozen=True)
class DatabaseSummary:
    """What a technician checks in a hall database: its last event, tickets, hall and day."""

    last_seq: int
    tickets: int
    hall_id: str
    day: str


def hold_data_dir(data_dir: Path) -> IO[str]:
    """Lock ``data_dir`` for this process's hall node (until the returned file is closed or the
    process ends); :class:`BackupError` when another node holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = open(data_dir / LOCK_NAME, "a+", encoding="utf-8")  # noqa: SIM115 - held for life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise BackupError(f"另一个大厅节点正在使用 {data_dir}，请先停止它",
                          f"another hall node is using {data_dir}; stop it first") from None
    return lock


def _summary(path: Path) -> DatabaseSummary:
    """Check ``path`` is an intact hall database and say what it holds."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise _not_a_backup(path, str(err)) from None
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not REQUIRED_TABLES <= tables:
            raise _not_a_backup(path, "no hall tables")
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise _not_a_backup(path, f"integrity check: {check}")
        last_seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        tickets = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error as err:
        raise _not_a_backup(path, str(err)) from None
    finally:
        conn.close()
    return DatabaseSummary(last_seq, tickets, meta.get("hall_id", "?"), meta.get("day", "?"))


def _not_a_backup(path: Path, why: str) -> BackupError:
    return BackupError(f"{path} 不是完好的大厅数据库（{why}）",
                       f"{path} is not an intact hall database ({why})")


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup of ``source`` into a new file ``target`` (mode 0600)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()
    with open(target, "rb") as written:
        os.fsync(written.fileno())


def _keep_link_key(data_dir: Path, copy: Path) -> None:
    """Put the hall's link key (``link.key``: its phone links and cancel tokens) into the
    backup, so that a restore brings back links that work."""
    key_file = data_dir / LINK_KEY_FILE
    if key_file.exists():
        _set_meta(copy, LINK_KEY_META, key_file.read_text(encoding="utf-8").strip())


def _restore_link_key(copy: Path, data_dir: Path, aside_suffix: str) -> None:
    """Write the backup's link key back to ``link.key`` (the one it replaces moved aside)."""
    conn = sqlite3.connect(copy)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (LINK_KEY_META,)).fetchone()
        with conn:
            conn.execute("DELETE FROM meta WHERE key = ?", (LINK_KEY_META,))
    finally:
        conn.close()
    if row is None:
        return
    key_file = data_dir / LINK_KEY_FILE
    if key_file.exists():
        os.replace(key_file, data_dir / f"{LINK_KEY_FILE}{aside_suffix}")
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as written:
        written.write(row[0] + "\n")


def backup(data_dir: Path, folder: Path, keep: int, now: datetime) -> tuple[Path, DatabaseSummary]:
    """Back up the hall database of ``data_dir`` into ``folder`` (named by ``now`` in UTC);
    keep the newest ``keep`` backups there. Safe while the node runs."""
    source = data_dir / DB_NAME
    if not source.exists():
        raise BackupError(f"{data_dir} 中没有大厅数据库（请给出 --data-dir）",
                          f"no hall database in {data_dir} (give --data-dir)")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"hall-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.sqlite3"
    target, partial = folder / name, folder / f".{name}.partial"
    partial.unlink(missing_ok=True)
    try:
        _copy(source, partial)
        _keep_link_key(data_dir, partial)
        summary = _summary(partial)
    except (sqlite3.Error, OSError) as err:
        partial.unlink(missing_ok=True)
        raise BackupError(f"备份失败：{err}（请检查 {folder} 的磁盘空间和权限）",
                          f"the backup failed: {err} (check the space and permissions of "
                          f"{folder})") from None
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    for old in sorted(folder.glob("hall-*.sqlite3"))[:-keep]:
        old.unlink()
    return target, summary


def restore(backup_file: Path, data_dir: Path, now: datetime,
            continue_after: int | None = None) -> tuple[DatabaseSummary, Path | None]:
    """Put ``backup_file`` in place as the hall database of ``data_dir``; the database it
    replaces (if any) is moved aside and its new name returned."""
    summary = _summary(backup_file)
    if continue_after is not None and continue_after < summary.last_seq:
        raise BackupError(
            f"--continue-after {continue_after} 小于备份中最后的事件号 {summary.last_seq}",
            f"--continue-after {continue_after} is below the backup's last event "
            f"{summary.last_seq}")
    lock = hold_data_dir(data_dir)
    stamp = f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    try:
        current = data_dir / DB_NAME
        aside = None
        if current.exists():
            aside = data_dir / f"{DB_NAME}.before-restore-{stamp}"
            for suffix in ("", "-wal", "-shm"):
                part = Path(f"{current}{suffix}")
                if part.exists():
                    os.replace(part, Path(f"{aside}{suffix}"))
        partial = data_dir / f".{DB_NAME}.restoring"
        partial.unlink(missing_ok=True)
        _copy(backup_file, partial)
        if continue_after is not None:
            from hall.store import SEQ_FLOOR_META  # sqlite-utils only for this command

            _set_meta(partial, SEQ_FLOOR_META, str(continue_after + 1))
        _restore_link_key(partial, data_dir, f".before-restore-{stamp}")
        os.replace(partial, current)
    finally:
        lock.close()
    return summary, aside


def _set_meta(path: Path, key: str, value: str) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
    finally:
        conn.close()


# ---------------------------------------------------------------------- command line
def cmd_backup(args: argparse.Namespace) -> int:
    """``hallq backup``."""
    data_dir = Path(args.data_dir)
    folder = Path(args.to) if args.to else data_dir / "backups"
    try:
        target, summary = backup(data_dir, folder, args.keep, datetime.now(UTC))
    except BackupError as err:
        print(f"hallq backup: {err.bilingual()}", file=sys.stderr)
        return 2
    size_kb = target.stat().st_size // 1024
    print(f"{target}  ({size_kb} KB; hall {summary.hall_id}, {summary.tickets} tickets, "
          f"last event {summary.last_seq})")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """``hallq restore``."""
    try:
        summary, aside = restore(Path(args.backup), Path(args.data_dir), datetime.now(UTC),
                                 args.continue_after)
    except BackupError as err:
        print(f"hallq restore: {err.bilingual()}", file=sys.stderr)
        return 2
    if aside is not None:
        print(f"原数据库已移到 / the database it replaced is now {aside}")
    next_seq = (args.continue_after or summary.last_seq) + 1
    print(f"已恢复 / restored: hall {summary.hall_id}, {summary.tickets} tickets, last event "
          f"{summary.last_seq}; new events start at {next_seq}")
    if args.continue_after is None:
        print("若中心已收到更后的事件，请用 --continue-after <中心已确认的事件号> 再恢复 / "
              "if central already holds later events, restore again with --continue-after "
              "<central's acked seq> (hallq status shows it)")
    return 0


def register(sub: Any) -> None:
    """Add ``hallq backup`` and ``hallq restore`` to the command line."""
    back = sub.add_parser("backup", help="back up the hall's database (safe while it runs)")
    back.add_argument("--data-dir", default="var/hall", help="the hall's data directory")
    back.add_argument("--to", help="the folder of backups (default: DATA_DIR/backups)")
    back.add_argument("--keep", type=_positive, default=14,
                      help="how many backups to keep in the folder (default 14)")
    back.set_defaults(func=cmd_backup)

    rest = sub.add_parser("restore", help="restore the hall's database from a backup "
                          "(the node must be stopped)")
    rest.add_argument("backup", help="the backup file (from hallq backup)")
    rest.add_argument("--data-dir", default="var/hall", help="the hall's data directory")
    rest.add_argument("--continue-after", type=_positive, metavar="SEQ",
                      help="number new events after SEQ (central's acked event)")
    rest.set_defaults(func=cmd_restore)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 2**63 - 1:
        raise argparse.ArgumentTypeError(f"out of range: {value}")
    return value

