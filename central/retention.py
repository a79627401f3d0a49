"""Erasing personal data at central once it has served (the design's retention schedule).

Central holds two kinds of personal data: the keyed ID hash of an appointment (to match the ID
card at check-in) and the ``person`` of a referral (cleared when the chosen hall claims it, or
when it is refused). :func:`purge` erases appointment hashes of days more than ``days`` ago and
any referral's person older than a day (a referral to a hall that never polled again). The
appointments and referrals themselves stay, for statistics. Run daily: ``hallq central purge``
(``packaging/systemd/hallq-central-purge.timer``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from central.db import Database

#: A referral's person is never needed for longer than this (it is claimed within seconds).
REFERRAL_PERSON_S = 86400.0


def purge(db: Database, days: int, now: float | None = None) -> dict[str, int]:
    """Erase what has passed its retention; how many records lost something."""
    if days < 1:
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
    return {"appointments": appointments, "referrals": referrals}
