"""Erasing personal data at central once it has served (the design's retention schedule).

Central holds three kinds of personal data: the keyed ID hash of an appointment (to match the
ID card at check-in), the ``person`` of a referral (cleared when the chosen hall claims it, or
when it is refused) and self-service submissions (自助申报: the form's fields, the keyed ID
hash and masked number, the photos) with the documents kept for reuse (一证通办,
``central/documents.py``). :func:`purge` erases appointment hashes of days more than ``days``
ago, any referral's person older than a day (a referral to a hall that never polled again),
documents past their last valid day or older than ``submission_days``, and the personal data
of submissions older than ``submission_days`` — their photos too, except those of a document
still kept. The appointments, referrals and submissions themselves (status, item, dates)
stay, for statistics. Run daily: ``hallq central purge``
(``packaging/systemd/hallq-central-purge.timer``).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from central.db import Database, Tx

#: A referral's person is never needed for longer than this (it is claimed within seconds).
REFERRAL_PERSON_S = 86400.0
#: Submissions' personal data and reusable documents are kept this many days by default.
SUBMISSION_DAYS = 180


def _drop_photos(tx: Tx, sub_id: str) -> None:
    """Delete a submission's photos except those of a document still kept."""
    kept = {name for (files,) in tx.all("SELECT files FROM documents WHERE submission_id = ?",
                                        (sub_id,)) for name in json.loads(files)}
    for (name,) in tx.all("SELECT name FROM submission_files WHERE submission_id = ?",
                          (sub_id,)):
        if name not in kept:
            tx.execute("DELETE FROM file_chunks WHERE submission_id = ? AND name = ?",
                       (sub_id, name))


def _purge_submissions(tx: Tx, now: float, days: int) -> tuple[int, int]:
    """Erase documents and submissions past their time; (submissions, documents) erased."""
    cutoff_ts = now - days * 86400.0
    today = datetime.fromtimestamp(now, UTC).date().isoformat()
    past = "valid_until < ? OR created_at < ?"
    sources = {r[0] for r in tx.all(f"SELECT submission_id FROM documents WHERE {past}",
                                    (today, cutoff_ts))}
    documents = tx.changed(f"DELETE FROM documents WHERE {past}", (today, cutoff_ts))
    for (sub_id,) in tx.all("SELECT id FROM submissions WHERE erased_at IS NOT NULL"):
        if sub_id in sources:       # erased before, kept for a document now gone
            _drop_photos(tx, sub_id)
    erased = 0
    for (sub_id,) in tx.all("SELECT id FROM submissions WHERE created_at < ? "
                            "AND erased_at IS NULL", (cutoff_ts,)):
        _drop_photos(tx, sub_id)
        tx.execute("UPDATE submissions SET personal = NULL, id_hash = NULL, erased_at = ? "
                   "WHERE id = ?", (now, sub_id))
        erased += 1
    return erased, documents


def purge(db: Database, days: int, now: float | None = None,
          submission_days: int = SUBMISSION_DAYS) -> dict[str, int]:
    """Erase what has passed its retention; how many records lost something."""
    if days < 1 or submission_days < 1:
        raise ValueError("keep personal data at least 1 day")
    now = time.time() if now is None else now
    cutoff = (datetime.fromtimestamp(now, UTC).date() - timedelta(days=days)).isoformat()
    with db.transaction() as tx:
        appointments = tx.changed(
            "UPDATE appointments SET id_hash = NULL WHERE day < ? AND id_hash IS NOT NULL",
            (cutoff,))
        referrals = tx.changed(
            "UPDATE referrals SET person = NULL WHERE created_at < ? AND person IS NOT NULL",
            (now - REFERRAL_PERSON_S,))
        submissions, documents = _purge_submissions(tx, now, submission_days)
    return {"appointments": appointments, "referrals": referrals, "submissions": submissions,
            "documents": documents}
