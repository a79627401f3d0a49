"""Self-service submissions waiting in the hall to go to central, and their resumable upload.

A kiosk (or the hall's staff app) puts a submission in the outbox with :func:`enqueue`: one
directory per submission under ``<state dir>/outbox/`` holding the photos and a ``meta.json``
(written last, so a half-written submission is never sent). :class:`Uploader` creates the
submission at central (idempotent on its ``client_id``), then sends each photo in chunks from
the offset central reports, so an upload cut by a lost link or a restart resumes where central
stopped; central checks every chunk's and the whole file's SHA-256. Once central holds every
file, the local copy — citizens' personal data — is deleted and a line (ids only) is added to
``sent.jsonl``. Memory stays at one chunk whatever the photo's size.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from hall.errors import ErrorCode
from sync.agent_state import write_json_atomic
from sync.central_client import CentralApiError, CentralClient

log = logging.getLogger("hallq.sync.outbox")

CHUNK_BYTES = 256 * 1024
_MAX_RESTARTS = 3


def outbox_dir(state_dir: Path | str) -> Path:
    """Where pending submissions wait."""
    return Path(state_dir) / "outbox"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


def enqueue(state_dir: Path | str, form: str, fields: dict[str, Any],
            photos: dict[str, bytes | Path]) -> str:
    """Queue a submission (form code, fields, photos by file name); returns its client id."""
    client_id = f"{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:12]}"
    folder = outbox_dir(state_dir) / client_id
    folder.mkdir(parents=True)
    files = []
    for name, photo in photos.items():
        target = folder / name
        if isinstance(photo, Path):
            shutil.copyfile(photo, target)
        else:
            target.write_bytes(photo)
        files.append({"name": name, "size": target.stat().st_size,
                      "sha256": _file_sha256(target)})
    write_json_atomic(folder / "meta.json", {"client_id": client_id, "form": form,
                                             "fields": fields, "files": files})
    return client_id


def pending(state_dir: Path | str) -> list[Path]:
    """Complete submissions waiting to be sent, oldest first."""
    root = outbox_dir(state_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "meta.json").is_file())


class Uploader:
    """Sends the outbox of one hall to central."""

    def __init__(self, central: CentralClient, hall_id: str, state_dir: Path | str,
                 chunk_bytes: int = CHUNK_BYTES) -> None:
        self.central = central
        self.hall_id = hall_id
        self.state_dir = Path(state_dir)
        self.chunk_bytes = chunk_bytes

    def upload_all(self) -> list[dict[str, Any]]:
        """Send every pending submission; raises :class:`CentralApiError` on the first failure."""
        return [self.upload(folder) for folder in pending(self.state_dir)]

    def upload(self, folder: Path) -> dict[str, Any]:
        """Send one submission (resuming), then delete the local copy; central's answer."""
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        found = self.central.create_submission(self.hall_id, meta["client_id"], meta["form"],
                                               meta["fields"], meta["files"])
        held = {f["name"]: f for f in found["files"]}
        for spec in meta["files"]:
            if not held[spec["name"]]["complete"]:
                self._send_file(found["id"], folder / spec["name"], spec,
                                held[spec["name"]]["received"])
        found = self.central.submission(found["id"])
        with open(self.state_dir / "sent.jsonl", "a", encoding="utf-8") as log_file:
            log_file.write(json.dumps({"client_id": meta["client_id"], "id": found["id"],
                                       "receipt": found["receipt"], "form": meta["form"],
                                       "sent_at": time.time()}) + "\n")
        shutil.rmtree(folder)
        log.info("submission %s sent as %s", meta["client_id"], found["id"])
        return found

    def _send_file(self, sub_id: str, path: Path, spec: dict[str, Any], offset: int) -> None:
        restarts = 0
        with open(path, "rb") as handle:
            while offset < spec["size"]:
                handle.seek(offset)
                chunk = handle.read(self.chunk_bytes)
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
