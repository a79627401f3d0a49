"""Self-service submissions (自助申报): a form's fields plus document photos, and their progress.

A hall creates a submission with its fields and the list of files it will upload (name, size,
SHA-256); creating it again with the same ``client_id`` returns the same submission, so a retry
never makes two. Each file is uploaded in chunks at explicit offsets: a chunk at the wrong
offset is refused with the number of bytes held (``bad_offset``), so an interrupted upload
resumes where central stopped. When the last byte arrives central checks the whole file's
SHA-256; on a mismatch the file's bytes are discarded (``checksum_mismatch``) and the upload
starts again. Chunks are rows of the database, so any API worker can take the next one.

A hall's kiosk submission (自助申报) carries its receipt code (minted by the hall, so the kiosk
prints it before central is reached), the item's names, the citizen's keyed ID hash and masked
number, the materials (photographed or reused, 一证通办: ``central/documents.py``) and when it
was handed in (the hall's local time).

Progress: ``uploading`` until every file is verified, then ``received`` → ``accepted`` →
``in_progress`` → ``done``, or ``rejected`` (with the reason) from any of those. A citizen reads
the progress with the receipt code (回执码) printed at the kiosk; that view holds no personal
data. The personal part (the form's fields and the masked ID number) and every chunk of the
photos are kept sealed with central's data key (``central/sealing.py``), opened only for the
back office (:func:`get` with the key, :func:`file_content`). Personal data (fields, ID hash,
photos) is erased after the city's retention (``central/retention.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from central import documents
from central.appointments import CODE_ALPHABET
from central.data_key import DataKey
from central.db import Database, Tx
from central.errors import CentralError, bad_request, not_found
from central.sealing import open_chunk, open_personal, seal_chunk, seal_personal
from hall.errors import ErrorCode
from hall.submission_book import STATUS_EN, STATUS_ZH

MAX_FILES = 20
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_CHUNK_BYTES = 1024 * 1024
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: A receipt code: the hall's (10 characters) or central's own (12), of CODE_ALPHABET.
RECEIPT_RE = re.compile(f"^[{CODE_ALPHABET}]{{10,12}}$")
#: What a hall's kiosk submission adds to a plain one (see :func:`create`).
DETAILS = ("receipt", "item_name_zh", "item_name_en", "id_hash", "id_masked", "materials",
           "reuse", "submitted_at")
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


def create(db: Database, key: DataKey, hall_id: str, client_id: str, form: str,
           fields: dict[str, Any], files: list[dict[str, Any]],
           details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create a submission, or return the one this hall made with ``client_id``; its fields
    and masked ID sealed with ``key``.
    ``details`` (a kiosk's, each optional): ``receipt`` minted by the hall, ``item_name_zh``,
    ``item_name_en``, ``id_hash``, ``id_masked``, ``materials``, ``reuse`` (document ids),
    ``submitted_at`` (ISO, the hall's time)."""
    _check_files(files)
    details = details or {}
    receipt = details.get("receipt")
    if receipt is not None and not RECEIPT_RE.match(receipt):
        raise bad_request("a receipt code is 10-12 characters of the code alphabet")
    now = time.time()
    with db.transaction() as tx:
        row = tx.one("SELECT id FROM submissions WHERE hall_id = ? AND client_id = ?",
                     (hall_id, client_id))
        if row is None:
            sub_id = uuid.uuid4().hex
            receipt = receipt or "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
            if tx.one("SELECT 1 FROM submissions WHERE receipt = ?", (receipt,)):
                raise CentralError(409, ErrorCode.CONFLICT, "回执码已被使用",
                                   f"Receipt code {receipt} is already used")
            materials = details.get("materials") or []
            tx.execute("INSERT INTO submissions (id, hall_id, client_id, receipt, form, "
                       "personal, status, created_at, updated_at, item_name_zh, item_name_en, "
                       "id_hash, materials, submitted_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (sub_id, hall_id, client_id, receipt, form,
                        seal_personal(key, sub_id, fields, details.get("id_masked")),
                        "uploading" if files else "received", now, now,
                        details.get("item_name_zh", ""), details.get("item_name_en", ""),
                        details.get("id_hash"), json.dumps(materials, ensure_ascii=False),
                        details.get("submitted_at")))
            tx.executemany("INSERT INTO submission_files (submission_id, name, size, sha256) "
                           "VALUES (?, ?, ?, ?)",
                           [(sub_id, f["name"], f["size"], f["sha256"]) for f in files])
            today = (details.get("submitted_at") or "")[:10] or time.strftime("%Y-%m-%d")
            documents.link_reused(tx, sub_id, details.get("id_hash"),
                                  list(details.get("reuse") or []), materials, today)
        else:
            sub_id = row[0]
    return get(db, sub_id)


def get(db: Database, sub_id: str, key: DataKey | None = None) -> dict[str, Any]:
    """A submission with its files' progress and the documents it reuses; with ``key`` (the
    back office's), its personal data too: ``fields`` and ``id_masked``, decrypted."""
    with db.transaction() as tx:
        row = tx.one("SELECT id, hall_id, client_id, receipt, form, personal, status, note, "
                     "created_at, updated_at, item_name_zh, item_name_en, materials, "
                     "submitted_at, reason_en, erased_at FROM submissions "
                     "WHERE id = ?", (sub_id,))
        if row is None:
            raise not_found("申报", "Submission")
        files = tx.all("SELECT name, size, sha256, received, complete FROM submission_files "
                       "WHERE submission_id = ? ORDER BY name", (sub_id,))
        reused = documents.reused_by(tx, sub_id)
    found = {"id": row[0], "hall_id": row[1], "client_id": row[2], "receipt": row[3],
             "form": row[4], "status": row[6], "status_zh": STATUS_ZH[row[6]], "note": row[7],
             "reason_en": row[14], "created_at": row[8], "updated_at": row[9],
             "item_name_zh": row[10], "item_name_en": row[11],
             "materials": json.loads(row[12]), "submitted_at": row[13],
             "erased": row[15] is not None,
             "files": [{"name": f[0], "size": f[1], "sha256": f[2], "received": f[3],
                        "complete": bool(f[4])} for f in files],
             "reused": reused}
    if key is not None:
        found["fields"], found["id_masked"] = open_personal(key, sub_id, row[5])
    return found


def find(db: Database, ref: str) -> str:
    """The id of a submission given its id or its receipt code; 404 when there is none."""
    with db.transaction() as tx:
        row = tx.one("SELECT id FROM submissions WHERE id = ? OR receipt = ?",
                     (ref, ref.strip().upper()))
    if row is None:
        raise not_found("申报", "Submission")
    return row[0]


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


def _whole_file_sha256(tx: Tx, key: DataKey, sub_id: str, name: str) -> str:
    digest = hashlib.sha256()
    for (pos,) in tx.all("SELECT pos FROM file_chunks WHERE submission_id = ? AND name = ? "
                         "ORDER BY pos", (sub_id, name)):
        row = tx.one("SELECT data FROM file_chunks WHERE submission_id = ? AND name = ? "
                     "AND pos = ?", (sub_id, name, pos))
        assert row is not None
        digest.update(open_chunk(key, sub_id, name, int(pos), row[0]))
    return digest.hexdigest()


def put_chunk(db: Database, key: DataKey, sub_id: str, name: str, offset: int, data: bytes,
              chunk_sha256: str | None = None) -> dict[str, Any]:
    """Store a chunk at ``offset``, sealed with ``key``; verify the file when it is whole.
    See the module doc."""
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
                   (sub_id, name, offset, seal_chunk(key, sub_id, name, offset, data)))
        received += len(data)
        if received == size:
            if _whole_file_sha256(tx, key, sub_id, name) == sha256:
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


def set_status(db: Database, sub_id: str, status: str, note: str = "",
               reason_en: str = "", by: str = "") -> dict[str, Any]:
    """Move a submission on (back office); 409 ``bad_state`` for a move the rules forbid. A
    rejection gives its reason (``note``, Chinese; ``reason_en``); an acceptance keeps the
    reusable documents (``central/documents.py``). ``by``: who moved it (``office:S1`` a
    member of the back office on the web, ``credential:ID`` over the API, ``cli`` the
    command line), kept in ``submission_moves``."""
    if status == "rejected" and not note.strip():
        raise bad_request("a rejection gives the reason (不予受理须说明理由)")
    with db.transaction() as tx:
        row = tx.one("SELECT status FROM submissions WHERE id = ?" + tx.for_update, (sub_id,))
        if row is None:
            raise not_found("申报", "Submission")
        if status not in TRANSITIONS.get(row[0], set()):
            raise CentralError(409, ErrorCode.BAD_STATE,
                               f"申报当前为“{STATUS_ZH[row[0]]}”，不能改为该状态",
                               f"A submission that is {row[0]} cannot become {status}")
        tx.execute("UPDATE submissions SET status = ?, note = ?, reason_en = ?, updated_at = ? "
                   "WHERE id = ?", (status, note, reason_en, time.time(), sub_id))
        tx.execute("INSERT INTO submission_moves (submission_id, status, by_who, at) "
                   "VALUES (?, ?, ?, ?)", (sub_id, status, by or "unknown", time.time()))
        if status == "accepted":
            documents.keep_documents(tx, sub_id)
    return get(db, sub_id)


def moves(db: Database, sub_id: str) -> list[dict[str, Any]]:
    """Who moved a submission on, oldest first: ``{"status", "by", "at"}``."""
    with db.transaction() as tx:
        rows = tx.all("SELECT status, by_who, at FROM submission_moves WHERE submission_id = ? "
                      "ORDER BY at", (sub_id,))
    return [{"status": r[0], "by": r[1], "at": r[2]} for r in rows]


def _hall_time(ts: float, submitted_at: str | None) -> str:
    """``ts`` in the hall's time zone (the offset of when it was handed in), ISO."""
    zone = datetime.fromisoformat(submitted_at).tzinfo if submitted_at else None
    return datetime.fromtimestamp(ts, zone).astimezone(zone).isoformat(timespec="seconds")


def progress_by_receipt(db: Database, receipt: str) -> dict[str, Any]:
    """What a citizen sees with a receipt code (``hall.schemas.SubmissionProgressBody``):
    the item, status and reason, no personal data."""
    with db.transaction() as tx:
        row = tx.one("SELECT receipt, form, item_name_zh, item_name_en, status, note, "
                     "reason_en, updated_at, submitted_at FROM submissions WHERE receipt = ?",
                     (receipt.strip().upper(),))
    if row is None:
        raise not_found("申报", "Submission")
    return {"receipt_code": row[0], "item_name_zh": row[2] or row[1],
            "item_name_en": row[3] or row[1], "status": row[4], "status_zh": STATUS_ZH[row[4]],
            "status_en": STATUS_EN[row[4]], "reason_zh": row[5] if row[4] == "rejected" else "",
            "reason_en": row[6] if row[4] == "rejected" else "",
            "updated_at": _hall_time(row[7], row[8])}


def list_for_hall(db: Database, hall_id: str, limit: int = 100,
                  updated_after: float | None = None) -> list[dict[str, Any]]:
    """A hall's latest submissions and their status; with ``updated_after``, those changed
    since then, oldest change first (the sync agent brings them to the hall node)."""
    columns = ("SELECT id, client_id, receipt, form, status, note, reason_en, updated_at "
               "FROM submissions WHERE hall_id = ?")
    with db.transaction() as tx:
        if updated_after is None:
            rows = tx.all(columns + " ORDER BY updated_at DESC LIMIT ?", (hall_id, limit))
        else:
            rows = tx.all(columns + " AND updated_at > ? ORDER BY updated_at LIMIT ?",
                          (hall_id, updated_after, limit))
    return [{"id": r[0], "client_id": r[1], "receipt": r[2], "form": r[3], "status": r[4],
             "status_zh": STATUS_ZH[r[4]], "reason_zh": r[5] if r[4] == "rejected" else "",
             "reason_en": r[6] if r[4] == "rejected" else "", "updated_at": r[7]}
            for r in rows]


def list_all(db: Database, status: str | None = None, hall_id: str | None = None,
             limit: int = 100) -> list[dict[str, Any]]:
    """The back office's list: the latest submissions (no personal data), optionally of one
    status or hall."""
    where, params = [], []
    if status:
        where.append("status = ?")
        params.append(status)
    if hall_id:
        where.append("hall_id = ?")
        params.append(hall_id)
    sql = ("SELECT id, hall_id, receipt, form, item_name_zh, status, created_at, updated_at "
           "FROM submissions" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY updated_at DESC LIMIT ?")
    with db.transaction() as tx:
        rows = tx.all(sql, (*params, limit))
    return [{"id": r[0], "hall_id": r[1], "receipt": r[2], "form": r[3], "item_name_zh": r[4],
             "status": r[5], "status_zh": STATUS_ZH[r[5]], "created_at": r[6],
             "updated_at": r[7]} for r in rows]


def queue(db: Database, status: str | None = None, hall_id: str | None = None,
          form: str | None = None, page: int = 1, per_page: int = 20
          ) -> tuple[list[dict[str, Any]], int]:
    """The back office's queue: submissions of a status, hall and item (each optional),
    oldest handed in first, one page of them, and how many there are in all (no personal
    data)."""
    where, params = [], []
    for column, wanted in (("status", status), ("hall_id", hall_id), ("form", form)):
        if wanted:
            where.append(f"{column} = ?")
            params.append(wanted)
    clause = " WHERE " + " AND ".join(where) if where else ""
    with db.transaction() as tx:
        counted = tx.one("SELECT COUNT(*) FROM submissions" + clause, params)
        total = int(counted[0]) if counted else 0
        rows = tx.all("SELECT id, hall_id, receipt, form, item_name_zh, item_name_en, status, "
                      "created_at, updated_at, submitted_at FROM submissions" + clause
                      + " ORDER BY created_at, id LIMIT ? OFFSET ?",
                      (*params, per_page, (max(page, 1) - 1) * per_page))
    return [{"id": r[0], "hall_id": r[1], "receipt": r[2], "form": r[3],
             "item_name_zh": r[4] or r[3], "item_name_en": r[5] or r[3], "status": r[6],
             "status_zh": STATUS_ZH[r[6]], "status_en": STATUS_EN[r[6]], "created_at": r[7],
             "updated_at": r[8], "submitted_at": r[9]} for r in rows], total


def queue_choices(db: Database) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The halls and the items (code, Chinese and English names) the queue can be filtered
    by: those of the submissions held."""
    with db.transaction() as tx:
        halls = [r[0] for r in tx.all("SELECT DISTINCT hall_id FROM submissions "
                                      "ORDER BY hall_id")]
        items = tx.all("SELECT form, MAX(item_name_zh), MAX(item_name_en) FROM submissions "
                       "GROUP BY form ORDER BY form")
    return halls, [(r[0], r[1] or r[0], r[2] or r[0]) for r in items]


def file_content(db: Database, key: DataKey, sub_id: str, name: str) -> Iterator[bytes]:
    """The bytes of a verified file, chunk by chunk, decrypted with ``key`` (back office)."""
    with db.transaction() as tx:
        if not _file(tx, sub_id, name)[3]:
            raise CentralError(409, ErrorCode.BAD_STATE, "文件尚未上传完成",
                               "The file is not complete")
        positions = [r[0] for r in tx.all("SELECT pos FROM file_chunks WHERE submission_id = ? "
                                          "AND name = ? ORDER BY pos", (sub_id, name))]
    if not positions:           # erased after the city's retention
        raise not_found("文件", f"File {name} (erased)")
    for pos in positions:
        with db.transaction() as tx:
            row = tx.one("SELECT data FROM file_chunks WHERE submission_id = ? AND name = ? "
                         "AND pos = ?", (sub_id, name, pos))
        if row is not None:
            yield open_chunk(key, sub_id, name, int(pos), row[0])
