"""The resumable upload of the hall's self-service submissions to central.

The hall node keeps each submission its kiosks hand in ENCRYPTED in the outbox of its data
directory (:mod:`hall.submission_outbox`: the format and the key are the hall's; the agent
beside it reads the same folder and key, ``--hall-data-dir``). :class:`Uploader` creates the
submission at central with the receipt code the hall printed (idempotent on its
``client_id``), then sends each photo in chunks from the offset central reports, so an upload
cut by a lost link or a restart resumes where central stopped; central checks every chunk's
and the whole file's SHA-256. Once central holds every file, the local copy — citizens'
personal data — is deleted and a line (ids only) is added to ``<state dir>/sent.jsonl``.
A photo is decrypted into memory whole (at most 8 MB) and sent a chunk at a time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

from hall.errors import ErrorCode
from hall.submission_outbox import SubmissionOutbox
from sync.central_client import CentralApiError, CentralClient

log = logging.getLogger("hallq.sync.outbox")

CHUNK_BYTES = 256 * 1024
_MAX_RESTARTS = 3
#: What of a submission's meta goes to central besides the form and files.
DETAILS = ("receipt", "item_name_zh", "item_name_en", "id_hash", "id_masked", "materials",
           "reuse", "submitted_at")


class Uploader:
    """Sends the outbox of one hall to central."""

    def __init__(self, central: CentralClient, hall_id: str, outbox: SubmissionOutbox,
                 state_dir: Path | str, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.central = central
        self.hall_id = hall_id
        self.outbox = outbox
        self.state_dir = Path(state_dir)
        self.chunk_bytes = chunk_bytes

    def upload_all(self) -> list[dict[str, Any]]:
        """Send every pending submission; raises :class:`CentralApiError` on the first failure
        that may pass (central unreachable, a credential refused). One whose content central
        refuses (``bad_request``, a receipt code ``conflict``) is set aside, still encrypted
        (``outbox-refused/``), so that it does not hold up the others."""
        sent = []
        for folder in self.outbox.pending():
            try:
                sent.append(self.upload(folder))
            except CentralApiError as err:
                if err.code not in (ErrorCode.BAD_REQUEST, ErrorCode.CONFLICT):
                    raise
                where = self.outbox.set_aside(folder)
                log.error("central refused submission %s (%s); set aside in %s", folder.name,
                          err, where)
        return sent

    def upload(self, folder: Path) -> dict[str, Any]:
        """Send one submission (resuming), then delete the local copy; central's answer."""
        meta = self.outbox.meta(folder)
        found = self.central.create_submission(
            self.hall_id, meta["client_id"], meta.get("item", meta.get("form", "")),
            meta["fields"], meta["files"], {k: meta[k] for k in DETAILS if k in meta})
        held = {f["name"]: f for f in found["files"]}
        for spec in meta["files"]:
            if not held[spec["name"]]["complete"]:
                data = self.outbox.read_file(folder, spec["name"])
                self._send_file(found["id"], data, spec, held[spec["name"]]["received"])
        found = self.central.submission(found["id"])
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "sent.jsonl", "a", encoding="utf-8") as log_file:
            log_file.write(json.dumps({"client_id": meta["client_id"], "id": found["id"],
                                       "receipt": found["receipt"],
                                       "item": meta.get("item", ""),
                                       "sent_at": time.time()}) + "\n")
        self.outbox.remove(folder)
        log.info("submission %s sent as %s", found["receipt"], found["id"])
        return found

    def _send_file(self, sub_id: str, data: bytes, spec: dict[str, Any], offset: int) -> None:
        restarts = 0
        while offset < spec["size"]:
            chunk = data[offset:offset + self.chunk_bytes]
            try:
                answer = self.central.put_chunk(sub_id, spec["name"], offset, chunk,
                                                hashlib.sha256(chunk).hexdigest())
            except CentralApiError as err:
                if err.code == ErrorCode.BAD_OFFSET:
                    offset = self.central.file_progress(sub_id, spec["name"])["received"]
                    continue
                if err.code == ErrorCode.CHECKSUM_MISMATCH and restarts < _MAX_RESTARTS:
                    restarts += 1
                    offset = self.central.file_progress(sub_id, spec["name"])["received"]
                    log.warning("file %s of %s failed its checksum; resending from %d",
                                spec["name"], sub_id, offset)
                    continue
                raise
            offset = answer["received"]
            if answer["complete"]:
                return
