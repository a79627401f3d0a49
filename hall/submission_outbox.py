"""The submissions outbox: self-service submissions the hall node took from its kiosks, kept
ENCRYPTED on the hall server's disk until the sync agent has them at central.

Layout, under the hall's data directory (``--data-dir``), shared by the node (which writes)
and the sync agent beside it (which reads, uploads and deletes; its ``--hall-data-dir``):

- ``outbox.key``: 32 random bytes (AES-256-GCM), created on first use with mode 0600;
- ``outbox/<client id>/<file name>.enc``: each photo, ``nonce ‖ ciphertext ‖ tag``;
- ``outbox/<client id>/meta.enc``: the submission's JSON (fields, files with their
  plaintext size and SHA-256, the keyed ID hash, …), encrypted the same way and written LAST
  (renamed into place), so a half-written submission is never sent.

Each file's associated data is ``<client id>/<file name>``: a file moved into another
submission does not decrypt. Citizens' personal data is never written in clear here.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE = "outbox.key"
OUTBOX = "outbox"
#: Where a submission central refused is set aside (still encrypted) for a technician.
REFUSED = "outbox-refused"
META = "meta"
_NONCE = 12
#: A folder without its meta this long after its last file was written was left by a crash.
STALE_PARTIAL_S = 60.0
#: A client id or file name: letters, digits, '.', '_' or '-' (a safe path component).
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class OutboxError(ValueError):
    """The outbox cannot be read: a damaged key or file (the message names it)."""


def load_or_create_key(path: Path) -> bytes:
    """The outbox key at ``path``; a new one (mode 0600) when there is none."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(partial, path)      # never replaces a key another process just made
        except FileExistsError:
            pass
        partial.unlink()
        key = path.read_bytes()
    if len(key) != 32:
        raise OutboxError(f"{path} does not hold a 32-byte key; restore it from the backup "
                          "(submissions waiting in the outbox cannot be read without it)")
    return key


class SubmissionOutbox:
    """The encrypted outbox in a hall's data directory (see the module docstring)."""

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / OUTBOX
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        """The AES key (read, or created, on first use)."""
        if self._key is None:
            self._key = load_or_create_key(self.data_dir / KEY_FILE)
        return self._key

    def _seal(self, folder: Path, name: str, plain: bytes) -> None:
        nonce = secrets.token_bytes(_NONCE)
        sealed = AESGCM(self.key).encrypt(nonce, plain, f"{folder.name}/{name}".encode())
        partial = folder / f".{name}.partial"
        with open(partial, "wb") as handle:
            handle.write(nonce + sealed)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, folder / f"{name}.enc")

    def _open(self, folder: Path, name: str) -> bytes:
        path = folder / f"{name}.enc"
        data = path.read_bytes()
        try:
            return AESGCM(self.key).decrypt(data[:_NONCE], data[_NONCE:],
                                            f"{folder.name}/{name}".encode())
        except InvalidTag:
            raise OutboxError(f"{path} does not decrypt with {self.data_dir / KEY_FILE}"
                              ) from None

    def write(self, client_id: str, meta: dict[str, Any], files: dict[str, bytes]) -> Path:
        """Put a submission in the outbox: every file, then its meta (``files`` listed there
        with name, size and SHA-256). The folder, which must not exist yet."""
        if not SAFE_NAME.match(client_id) or not all(SAFE_NAME.match(n) for n in files):
            raise ValueError("client ids and file names are letters, digits, '.', '_', '-'")
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self.root / client_id
        if folder.is_dir() and not self.holds(client_id) and time.time() - max(
                (p.stat().st_mtime for p in folder.iterdir()), default=0) > STALE_PARTIAL_S:
            shutil.rmtree(folder)       # left half-written by a crash: never sent
        folder.mkdir(mode=0o700)
        try:
            for name, data in files.items():
                self._seal(folder, name, data)
            listed = [{"name": name, "size": len(data),
                       "sha256": hashlib.sha256(data).hexdigest()}
                      for name, data in files.items()]
            body = {**meta, "client_id": client_id, "files": listed}
            self._seal(folder, META, json.dumps(body, ensure_ascii=False).encode())
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return folder

    def pending(self) -> list[Path]:
        """Complete submissions waiting to be sent, oldest first."""
        if not self.root.is_dir():
            return []
        folders = [p for p in self.root.iterdir() if (p / f"{META}.enc").is_file()]
        return sorted(folders, key=lambda p: ((p / f"{META}.enc").stat().st_mtime, p.name))

    def holds(self, client_id: str) -> bool:
        """Whether the submission is still waiting here."""
        return (self.root / client_id / f"{META}.enc").is_file()

    def meta(self, folder: Path) -> dict[str, Any]:
        """A waiting submission's meta (decrypted)."""
        return json.loads(self._open(folder, META))

    def read_file(self, folder: Path, name: str) -> bytes:
        """One of a waiting submission's files (decrypted)."""
        if not SAFE_NAME.match(name):
            raise ValueError(f"bad file name {name!r}")
        return self._open(folder, name)

    def remove(self, folder: Path) -> None:
        """Delete a submission central holds in full."""
        shutil.rmtree(folder)

    def set_aside(self, folder: Path) -> Path:
        """Move a submission central refused out of the way (still encrypted); where."""
        target = self.data_dir / REFUSED / folder.name
        target.parent.mkdir(mode=0o700, exist_ok=True)
        os.replace(folder, target)
        return target
