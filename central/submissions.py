"""Self-service submissions (自助申报): a form's fields plus document photos, and their progress.

A hall creates a submission with its fields and the list of files it will upload (name, size,
SHA-256); creating it again with the same ``client_id`` returns the same submission, so a retry
never makes two. Each file is uploaded in chunks at explicit offsets: a chunk at the wrong
offset is refused with the number of bytes held (``bad_offset``), so an interrupted upload
resumes where central stopped. When the last byte arrives central checks the whole file's
SHA-256; on a mismatch the file's bytes are discarded (``checksum_mismatch``) and the upload
starts again. Chunks are rows of the database, so any API worker can take the next one.

Progress: ``uploading`` until every file is verified, then ``received`` → ``accepted`` →
``in_progress`` → ``done``, or ``rejected`` from any of those. A citizen reads the progress with
the receipt code (回执码) printed at the kiosk; that view holds no personal data.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from typing import Any

from central.appointments import CODE_ALPHABET
from central.db import Database, Tx
from central.errors import CentralError, bad_request, not_found
from hall.errors import ErrorCode

MAX_FILES = 20
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_CHUNK_BYTES = 1024 * 1024
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

STATUS_ZH = {"uploading": "上传中", "received": "已接收", "accepted": "已受理",
             "in_progress": "办理中", "done": "已办结", "rejected": "不予受理"}
#: Which status may follow which (set by the back office; ``received`` is set by central).
TRANSITIONS = {"received": {"accepted", "rejected"}, "accepted": {"in_progress", "rejected"},
               "in_progress": {"done", "rejected"}}


def _check_files(files: Any) -> list[dict[str, Any]]:
    if not isinstance(files, list) or len(files) > MAX_FILES:
        raise bad_request(f"files must be a list of at most {MAX_FILES}")
    names = set()
    for spec in files:
        if not isinstance(spec, dict) or not NAME_RE.match(str(spec.get("name", ""))):
            raise bad_request("each file has a name of letters, digits, '.', '_' or '-'")
        size, digest = spec.get("size"), spec.get("sha256")
        if type(size) is not int or not 0 < size <= MAX_FILE_BYTES:
            raise bad_request(f"file {spec['name']}: size must be 1..{MAX_FILE_BYTES} bytes")
        if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise bad_request(f"file {spec['name']}: sha256 must be 64 lower-case hex digits")
        if spec["name"] in names:
            raise bad_request(f"file {spec['name']} is listed twice")
        names.add(spec["name"])
    return files


def create(db: Database, hall_id: str, client_id: str, form: str, fields: dict[str, Any],
           files: list[dict[str, Any]]) -> dict[str, Any]:
    """Create a submission, or return the one this hall made with ``client_id``."""
    _check_files(files)
    now = time.time()
    with db.transaction() as tx:
        row = tx.one("SELECT id FROM submissions WHERE hall_id = ? AND client_id = ?",
                     (hall_id, client_id))
        if row is None:
            sub_id = uuid.uuid4().hex
            receipt = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
            tx.execute("INSERT INTO submissions (id, hall_id, client_id, receipt, form, fields, "
                       "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (sub_id, hall_id, client_id, receipt, form,
                        json.dumps(fields, ensure_ascii=False),
                        "uploading" if files else "received", now, now))
            tx.executemany("INSERT INTO submission_files (submission_id, name, size, sha256) "
                           "VALUES (?, ?, ?, ?)",
                           [(sub_id, f["name"], f["size"], f["sha256"]) for f in files])
        else:
            sub_id = row[0]
    return get(db, sub_id)


def get(db: Database, sub_id: str, with_fields: bool = False) -> dict[str, Any]:
    """A submission with its files' progress (``fields`` only when asked: personal data)."""
    with db.transaction() as tx:
        row = tx.one("SELECT id, hall_id, client_id, receipt, form, fields, status, note, "
                     "created_at, updated_at FROM submissions WHERE id = ?", (sub_id,))
        if row is None:
            raise not_found("申报", "Submission")
        files = tx.all("SELECT name, size, sha256, received, complete FROM submission_files "
                       "WHERE submission_id = ? ORDER BY name", (sub_id,))
    found = {"id": row[0], "hall_id": row[1], "client_id": row[2], "receipt": row[3],
             "form": row[4], "status": row[6], "status_zh": STATUS_ZH[row[6]], "note": row[7],
             "created_at": row[8], "updated_at": row[9],
             "files": [{"name": f[0], "size": f[1], "sha256": f[2], "received": f[3],
                        "complete": bool(f[4])} for f in files]}
    if with_fields:
        found["fields"] = json.loads(row[5])
    return found


def hall_of(db: Database, sub_id: str) -> str:
    """The hall a submission belongs to; 404 when there is none."""
    with db.transaction() as tx:
        row = tx.one("SELECT hall_id FROM submissions WHERE id = ?", (sub_id,))
    if row is None:
        raise not_found("申报", "Submission")
    return row[0]


def _file(tx: Tx, sub_id: str, name: str) -> tuple[int, str, int, bool]:
    row = tx.one("SELECT size, sha256, received, complete FROM submission_files "
                 "WHERE submission_id = ? AND name = ?" + tx.for_update, (sub_id, name))
    if row is None:
        raise not_found("文件", f"File {name}")
    return int(row[0]), row[1], int(row[2]), bool(row[3])


def file_progress(db: Database, sub_id: str, name: str) -> dict[str, Any]:
    """``{"name", "size", "received", "complete"}`` of one file."""
    with db.transaction() as tx:
        size, _, received, complete = _file(tx, sub_id, name)
    return {"name": name, "size": size, "received": received, "complete": complete}


def _whole_file_sha256(tx: Tx, sub_id: str, name: str) -> str:
    digest = hashlib.sha256()
    for (pos,) in tx.all("SELECT pos FROM file_chunks WHERE submission_id = ? AND name = ? "
                         "ORDER BY pos", (sub_id, name)):
        row = tx.one("SELECT data FROM file_chunks WHERE submission_id = ? AND name = ? "
                     "AND pos = ?", (sub_id, name, pos))
        assert row is not None
        digest.update(bytes(row[0]))
    return digest.hexdigest()


def put_chunk(db: Database, sub_id: str, name: str, offset: int, data: bytes,
              chunk_sha256: str | None = None) -> dict[str, Any]:
    """Store a chunk at ``offset``; verify the file when it is whole. See the module doc."""
    if len(data) > MAX_CHUNK_BYTES:
        raise bad_request(f"a chunk is at most {MAX_CHUNK_BYTES} bytes")
    if chunk_sha256 is not None and hashlib.sha256(data).hexdigest() != chunk_sha256.lower():
        raise CentralError(422, ErrorCode.CHECKSUM_MISMATCH, "数据块校验失败，请重传该块",
                           "The chunk's SHA-256 does not match; it was discarded")
    mismatch = False
    with db.transaction() as tx:
        size, sha256, received, complete = _file(tx, sub_id, name)
        if complete:
            return {"name": name, "size": size, "received": size, "complete": True}
        if offset != received:
            raise CentralError(409, ErrorCode.BAD_OFFSET, f"续传位置有误，已接收 {received} 字节",
                               f"Expected offset {received}, got {offset}")
        if not data or received + len(data) > size:
            raise bad_request(f"the chunk must hold 1..{size - received} bytes")
        tx.execute("INSERT INTO file_chunks (submission_id, name, pos, data) VALUES (?, ?, ?, ?)",
                   (sub_id, name, offset, data))
        received += len(data)
        if received == size:
            if _whole_file_sha256(tx, sub_id, name) == sha256:
                complete = True
            else:
                mismatch, received = True, 0
                tx.execute("DELETE FROM file_chunks WHERE submission_id = ? AND name = ?",
                           (sub_id, name))
        tx.execute("UPDATE submission_files SET received = ?, complete = ? "
                   "WHERE submission_id = ? AND name = ?", (received, int(complete), sub_id, name))
        if complete and not tx.one("SELECT 1 FROM submission_files WHERE submission_id = ? "
                                   "AND complete = 0", (sub_id,)):
            tx.execute("UPDATE submissions SET status = 'received', updated_at = ? "
                       "WHERE id = ? AND status = 'uploading'", (time.time(), sub_id))
    if mismatch:
        raise CentralError(422, ErrorCode.CHECKSUM_MISMATCH, "文件校验失败，请重新上传",
                           "The whole file's SHA-256 does not match; upload it again")
    return {"name": name, "size": size, "received": received, "complete": complete}


def set_status(db: Database, sub_id: str, status: str, note: str = "") -> dict[str, Any]:
    """Move a submission on (back office); 409 ``bad_state`` for a move the rules forbid."""
    with db.transaction() as tx:
        row = tx.one("SELECT status FROM submissions WHERE id = ?" + tx.for_update, (sub_id,))
        if row is None:
            raise not_found("申报", "Submission")
        if status not in TRANSITIONS.get(row[0], set()):
            raise CentralError(409, ErrorCode.BAD_STATE,
                               f"申报当前为“{STATUS_ZH[row[0]]}”，不能改为该状态",
                               f"A submission that is {row[0]} cannot become {status}")
        tx.execute("UPDATE submissions SET status = ?, note = ?, updated_at = ? WHERE id = ?",
                   (status, note, time.time(), sub_id))
    return get(db, sub_id)


def progress_by_receipt(db: Database, receipt: str) -> dict[str, Any]:
    """What a citizen sees with a receipt code: status and note, no personal data."""
    with db.transaction() as tx:
        row = tx.one("SELECT form, status, note, created_at, updated_at FROM submissions "
                     "WHERE receipt = ?", (receipt.upper(),))
    if row is None:
        raise not_found("申报", "Submission")
    return {"form": row[0], "status": row[1], "status_zh": STATUS_ZH[row[1]], "note": row[2],
            "created_at": row[3], "updated_at": row[4]}


def list_for_hall(db: Database, hall_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """A hall's latest submissions and their status."""
    with db.transaction() as tx:
        rows = tx.all("SELECT id, client_id, form, status, updated_at FROM submissions "
                      "WHERE hall_id = ? ORDER BY updated_at DESC LIMIT ?", (hall_id, limit))
    return [{"id": r[0], "client_id": r[1], "form": r[2], "status": r[3],
             "status_zh": STATUS_ZH[r[3]], "updated_at": r[4]} for r in rows]


def file_content(db: Database, sub_id: str, name: str) -> Iterator[bytes]:
    """The bytes of a verified file, chunk by chunk (back office)."""
    with db.transaction() as tx:
        if not _file(tx, sub_id, name)[3]:
            raise CentralError(409, ErrorCode.BAD_STATE, "文件尚未上传完成",
                               "The file is not complete")
        positions = [r[0] for r in tx.all("SELECT pos FROM file_chunks WHERE submission_id = ? "
                                          "AND name = ? ORDER BY pos", (sub_id, name))]
    for pos in positions:
        with db.transaction() as tx:
            row = tx.one("SELECT data FROM file_chunks WHERE submission_id = ? AND name = ? "
                         "AND pos = ?", (sub_id, name, pos))
        if row is not None:
            yield bytes(row[0])
