"""What of a submission central keeps sealed with its data key (``central/data_key.py``), and
how: each value AES-256-GCM with its own nonce, and as associated data the submission's id and
what the value is, so a value copied to another row (another submission, file or place) does
not decrypt.

- ``submissions.personal``: the form's fields (names, ID numbers, addresses, phones) and the
  masked ID number, one JSON object; ``NULL`` once erased (``central/retention.py``);
- ``file_chunks.data``: every chunk of every document photo.

Left in clear, as they are no personal data or are needed to match and list: the keyed hash of
the ID number (matching, 一证通办), the item, the materials' names and pages, the status, the
files' sizes and SHA-256 (of the plain bytes), and the reusable documents' names and dates.
The public progress view reads none of the sealed columns.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.exceptions import InvalidTag

from central.data_key import DataKey, UnreadableRow
from central.db import Tx


def _personal_aad(sub_id: str) -> str:
    return f"submission {sub_id} personal"


def _chunk_aad(sub_id: str, name: str, pos: int) -> str:
    return f"submission {sub_id} file {name} at {pos}"


def seal_personal(key: DataKey, sub_id: str, fields: dict[str, Any],
                  id_masked: str | None) -> bytes:
    """The sealed personal part of a submission."""
    plain = json.dumps({"fields": fields, "id_masked": id_masked}, ensure_ascii=False)
    return key.seal(plain.encode(), _personal_aad(sub_id))


def open_personal(key: DataKey, sub_id: str, sealed: bytes | None
                  ) -> tuple[dict[str, Any], str | None]:
    """``(fields, id_masked)`` of a submission (empty once erased); :class:`UnreadableRow`
    when the value is not this submission's."""
    if sealed is None:
        return {}, None
    try:
        found = json.loads(key.unseal(sealed, _personal_aad(sub_id)))
    except InvalidTag:
        raise UnreadableRow(f"申报 {sub_id} 的个人信息",
                            f"The personal data of submission {sub_id}") from None
    return found["fields"], found["id_masked"]


def seal_chunk(key: DataKey, sub_id: str, name: str, pos: int, data: bytes) -> bytes:
    """A sealed chunk of a submission's file at ``pos``."""
    return key.seal(data, _chunk_aad(sub_id, name, pos))


def open_chunk(key: DataKey, sub_id: str, name: str, pos: int, sealed: bytes) -> bytes:
    """The plain bytes of a chunk; :class:`UnreadableRow` when it is not this one's."""
    try:
        return key.unseal(sealed, _chunk_aad(sub_id, name, pos))
    except InvalidTag:
        raise UnreadableRow(f"申报 {sub_id} 的文件 {name}",
                            f"File {name} of submission {sub_id}") from None


def seal_rows_kept_in_clear(tx: Tx, key: DataKey) -> None:
    """The migration that seals what central kept in clear before (``011_seal_personal_
    data``): each submission's fields and masked ID into ``personal`` (the clear columns are
    dropped), and every chunk of every file in place."""
    blob = "BYTEA" if tx.dialect == "postgresql" else "BLOB"
    tx.execute(f"ALTER TABLE submissions ADD COLUMN personal {blob}")
    for sub_id, fields, id_masked, erased_at in tx.all(
            "SELECT id, fields, id_masked, erased_at FROM submissions"):
        if erased_at is None:
            tx.execute("UPDATE submissions SET personal = ? WHERE id = ?",
                       (seal_personal(key, sub_id, json.loads(fields), id_masked), sub_id))
    tx.execute("ALTER TABLE submissions DROP COLUMN fields")
    tx.execute("ALTER TABLE submissions DROP COLUMN id_masked")
    for sub_id, name, pos in tx.all("SELECT submission_id, name, pos FROM file_chunks"):
        row = tx.one("SELECT data FROM file_chunks WHERE submission_id = ? AND name = ? "
                     "AND pos = ?", (sub_id, name, pos))
        assert row is not None
        tx.execute("UPDATE file_chunks SET data = ? WHERE submission_id = ? AND name = ? "
                   "AND pos = ?", (seal_chunk(key, sub_id, name, int(pos), bytes(row[0])),
                                   sub_id, name, pos))
