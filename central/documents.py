"""Documents given once (一证通办): the materials a citizen handed in that another submission may
reuse instead of photographing them again, kept by the keyed hash of the ID number.

When the back office accepts a submission (受理: its materials were checked), each
photographed material the item lets be reused (``reusable_days`` > 0) becomes a document:
the citizen's keyed ID hash, the material, its names, the day it was given (the hall's date)
and the last day it may be reused. A hall asks which documents a citizen has
(:func:`reusable`: names and dates, never an image); a submission that names one has it
linked (:func:`link_reused`) once checked to be the same citizen's, for a material the
submission lists, and still valid. The document's photos stay the original submission's
files: the back office reads them from there. Documents past their last day, or older than
the city's retention, are erased by ``hallq central purge`` (``central/retention.py``).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, timedelta
from typing import Any

from central.db import Database, Tx


def keep_documents(tx: Tx, sub_id: str) -> int:
    """Record the reusable documents of a submission just accepted; how many."""
    row = tx.one("SELECT id_hash, materials, submitted_at FROM submissions "
                 "WHERE id = ?", (sub_id,))
    if row is None or not row[0]:
        return 0
    id_hash, materials, submitted_at = row[0], json.loads(row[1]), row[2]
    given = date.fromisoformat(submitted_at[:10]) if submitted_at else date.today()
    names = [r[0] for r in tx.all("SELECT name FROM submission_files WHERE submission_id = ? "
                                  "AND complete = 1 ORDER BY name", (sub_id,))]
    kept = 0
    for material in materials:
        days = int(material.get("reusable_days", 0))
        files = [n for n in names if n.startswith(f"{material['id']}-")]
        if days <= 0 or not files or tx.one(
                "SELECT 1 FROM documents WHERE submission_id = ? AND material_id = ?",
                (sub_id, material["id"])):
            continue
        tx.execute("INSERT INTO documents (id, id_hash, material_id, name_zh, name_en, "
                   "submission_id, files, given_on, valid_until, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (uuid.uuid4().hex, id_hash, material["id"], material.get("name_zh", ""),
                    material.get("name_en", ""), sub_id, json.dumps(files),
                    given.isoformat(), (given + timedelta(days=days)).isoformat(),
                    time.time()))
        kept += 1
    return kept


def reusable(db: Database, id_hash: str, materials: list[str], today: str
             ) -> list[dict[str, Any]]:
    """The citizen's documents still valid on ``today`` (the hall's date) for ``materials``:
    for each material the latest given, by name and dates."""
    if not materials:
        return []
    marks = ", ".join("?" for _ in materials)
    with db.transaction() as tx:
        rows = tx.all(f"SELECT id, material_id, name_zh, name_en, given_on, valid_until "
                      f"FROM documents WHERE id_hash = ? AND material_id IN ({marks}) "
                      f"AND valid_until >= ? ORDER BY given_on DESC, created_at DESC",
                      (id_hash, *materials, today))
    latest: dict[str, dict[str, Any]] = {}
    for r in rows:
        latest.setdefault(r[1], {"doc_id": r[0], "material_id": r[1], "name_zh": r[2],
                                 "name_en": r[3], "given_on": r[4], "valid_until": r[5]})
    return [latest[m] for m in materials if m in latest]


def link_reused(tx: Tx, sub_id: str, id_hash: str | None, doc_ids: list[str],
                materials: list[dict[str, Any]], today: str) -> None:
    """Link the documents a new submission reuses: ``linked`` 1 when it is the same
    citizen's, for a material the submission lists as reused and still valid on ``today``;
    0 otherwise (the back office then asks the citizen for the material)."""
    reused = {m["id"] for m in materials if m.get("reused")}
    for doc_id in doc_ids:
        row = tx.one("SELECT id_hash, material_id, valid_until FROM documents WHERE id = ?",
                     (doc_id,))
        ok = (row is not None and id_hash is not None and row[0] == id_hash
              and row[1] in reused and row[2] >= today)
        tx.execute("INSERT INTO submission_reuse (submission_id, doc_id, material_id, linked) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                   (sub_id, doc_id, row[1] if row else "", int(ok)))


def reused_by(tx: Tx, sub_id: str) -> list[dict[str, Any]]:
    """The documents a submission reuses: each with its original submission and files
    (empty when the link was refused or the document was erased since)."""
    found = []
    for doc_id, material_id, linked in tx.all(
            "SELECT doc_id, material_id, linked FROM submission_reuse WHERE submission_id = ? "
            "ORDER BY material_id", (sub_id,)):
        row = tx.one("SELECT submission_id, files, given_on, valid_until FROM documents "
                     "WHERE id = ?", (doc_id,)) if linked else None
        found.append({"doc_id": doc_id, "material_id": material_id, "linked": bool(linked),
                      "submission_id": row[0] if row else None,
                      "files": json.loads(row[1]) if row else [],
                      "given_on": row[2] if row else None,
                      "valid_until": row[3] if row else None})
    return found
