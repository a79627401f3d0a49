"""Documents given once (一证通办, ``central/documents.py``) and the erasure of submissions
(``central/retention.py``) — on SQLite and PostgreSQL: a document is kept when the back office
accepts, offered only to the same keyed ID hash while valid, linked only when it is that
citizen's; after the city's retention the fields, hash and photos go, except a document's
photos still kept."""

from __future__ import annotations

import hashlib
import time

from central import documents, retention, submissions
from central.data_key import DataKey
from central.db import Database

CITIZEN, OTHER = "ab" * 32, "cd" * 32
MATERIALS = [{"id": "contract", "name_zh": "购房合同", "name_en": "Contract", "pages": 1,
              "reused": False, "reusable_days": 365},
             {"id": "card", "name_zh": "银行卡", "name_en": "Bank card", "pages": 1,
              "reused": False, "reusable_days": 0}]


def hand_in(db: Database, key: DataKey, client_id: str, id_hash: str,
            materials: list[dict], reuse: tuple[str, ...] = (),
            submitted_at: str = "2024-03-12T10:00:00+08:00") -> str:
    photos = {f"{m['id']}-1.jpg": f"{client_id}-{m['id']}".encode() for m in materials
              if not m["reused"]}
    files = [{"name": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
             for n, d in photos.items()]
    sub = submissions.create(db, key, "H1", client_id, "C07", {"name": "张三"}, files, {
        "receipt": None, "id_hash": id_hash, "id_masked": "4403**********1234",
        "materials": materials, "reuse": list(reuse), "submitted_at": submitted_at,
        "item_name_zh": "住房公积金提取", "item_name_en": "Housing fund withdrawal"})
    for name, data in photos.items():
        submissions.put_chunk(db, key, sub["id"], name, 0, data)
    return sub["id"]


def test_documents_are_kept_on_acceptance_and_offered_to_their_citizen_only(
        db: Database, data_key: DataKey) -> None:
    first = hand_in(db, data_key, "c-1", CITIZEN, MATERIALS)
    assert documents.reusable(db, CITIZEN, ["contract"], "2024-03-12") == []
    submissions.set_status(db, first, "accepted")
    [doc] = documents.reusable(db, CITIZEN, ["contract", "card"], "2024-03-13")
    assert doc == {"doc_id": doc["doc_id"], "material_id": "contract", "name_zh": "购房合同",
                   "name_en": "Contract", "given_on": "2024-03-12", "valid_until": "2025-03-12"}
    assert documents.reusable(db, OTHER, ["contract"], "2024-03-13") == []
    assert documents.reusable(db, CITIZEN, ["contract"], "2025-03-13") == []    # expired
    reused = [dict(MATERIALS[0], pages=0, reused=True), MATERIALS[1]]
    mine = hand_in(db, data_key, "c-2", CITIZEN, reused, [doc["doc_id"]],
                   "2024-04-01T09:00:00+08:00")
    theirs = hand_in(db, data_key, "c-3", OTHER, reused, [doc["doc_id"]],
                   "2024-04-01T09:00:00+08:00")
    late = hand_in(db, data_key, "c-4", CITIZEN, reused, [doc["doc_id"]],
                   "2025-04-01T09:00:00+08:00")
    linked = {sub: [(r["material_id"], r["linked"], r["submission_id"]) for r in
                    submissions.get(db, sub)["reused"]] for sub in (mine, theirs, late)}
    assert linked == {mine: [("contract", True, first)], theirs: [("contract", False, None)],
                      late: [("contract", False, None)]}


def test_personal_data_is_erased_after_the_retention_but_a_kept_document_stays(
        db: Database, data_key: DataKey) -> None:
    now = time.time()
    kept = hand_in(db, data_key, "c-1", CITIZEN, MATERIALS, submitted_at=time.strftime(
        "%Y-%m-%dT%H:%M:%S+08:00"))
    submissions.set_status(db, kept, "accepted")
    with db.transaction() as tx:         # accepted (and the document kept) 5 days later
        tx.execute("UPDATE documents SET created_at = ?", (now + 5 * 86400,))
    plain = hand_in(db, data_key, "c-2", CITIZEN, MATERIALS[1:])
    assert retention.purge(db, 30, now=now + 10 * 86400, submission_days=30) == {
        "appointments": 0, "referrals": 0, "submissions": 0, "documents": 0}
    erased = retention.purge(db, 30, now=now + 31 * 86400, submission_days=200)
    assert erased["submissions"] == 0
    erased = retention.purge(db, 30, now=now + 201 * 86400, submission_days=200)
    assert erased == {"appointments": 0, "referrals": 0, "submissions": 2, "documents": 0}
    for sub_id in (kept, plain):
        found = submissions.get(db, sub_id, data_key)
        assert found["fields"] == {} and found["id_masked"] is None and found["erased"]
        assert found["status"] in ("accepted", "received")       # the record stays
    with db.transaction() as tx:
        chunks = tx.all("SELECT submission_id, name FROM file_chunks ORDER BY name")
    assert chunks == [(kept, "contract-1.jpg")]     # the kept document's photo only
    assert documents.reusable(db, CITIZEN, ["contract"],
                              time.strftime("%Y-%m-%d", time.gmtime(now + 201 * 86400)))
    erased = retention.purge(db, 30, now=now + 400 * 86400, submission_days=200)
    assert erased["documents"] == 1
    with db.transaction() as tx:
        assert tx.all("SELECT name FROM file_chunks") == []
