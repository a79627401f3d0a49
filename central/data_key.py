"""Central's data key: the AES-256-GCM key the personal parts of submissions are sealed with
in central's database (``central/sealing.py``), read from a file (``hallq central
--data-key-file``, default ``var/central-data.key``; a packaged central keeps it in
``/var/lib/hallq/central-data.key``).

The file holds the key as 64 hex digits. It is created (mode 0600) on the first start of a
central whose database holds nothing sealed yet, and the log says so (never the key). The
database keeps a check value sealed with the key (table ``data_key_check``): a central started
with another key, or without the file once the database holds sealed rows, refuses to start
with a :class:`DataKeyError` naming the file, and changes nothing. Every worker and every
server of one database must have the same file: copy it, and keep it in the backup apart from
the database's.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from central.db import Database
from central.errors import CentralError
from hall.errors import ErrorCode

log = logging.getLogger("hallq.central.data_key")

#: Where ``hallq central`` looks for the key file when not told (like its default database).
DEFAULT_DATA_KEY_FILE = "var/central-data.key"
_NONCE = 12
#: The associated data of the check value the database keeps.
_CHECK_AAD = "central data key check"


class DataKeyError(CentralError):
    """Central cannot use its data key file (missing, unreadable, malformed or another key
    than the database's): it does not start, and nothing was changed."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(500, ErrorCode.INTERNAL_ERROR, message_zh, message_en)


class UnreadableRow(CentralError):
    """A sealed value does not open with central's key and its associated data: the row was
    altered, or copied from another submission. Answered as a 500 ``internal_error``."""

    def __init__(self, what_zh: str, what_en: str) -> None:
        super().__init__(500, ErrorCode.INTERNAL_ERROR,
                         f"{what_zh}无法解密：数据已被改动，或属于另一份申报",
                         f"{what_en} does not decrypt: it was altered, or belongs to "
                         "another submission")
        log.error("%s", self.message_en)


class DataKey:
    """The key, sealing and opening values each with a fresh nonce and its associated data
    (``nonce ‖ ciphertext ‖ tag``)."""

    def __init__(self, key: bytes, path: Path | str = "") -> None:
        self._aead = AESGCM(key)
        self.path = Path(path)

    def seal(self, plain: bytes, aad: str) -> bytes:
        """``plain`` encrypted and authenticated together with ``aad``."""
        nonce = secrets.token_bytes(_NONCE)
        return nonce + self._aead.encrypt(nonce, plain, aad.encode())

    def unseal(self, sealed: bytes, aad: str) -> bytes:
        """The plain bytes of a sealed value; :class:`cryptography.exceptions.InvalidTag`
        when it was sealed with another key or other associated data."""
        sealed = bytes(sealed)
        return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], aad.encode())


def _create_key_file(path: Path) -> None:
    """A new random key in ``path`` (mode 0600); never replaces one another process made."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_bytes(32).hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(partial, path)
            log.info("created central's data key file %s (mode 0600): keep a copy of it "
                     "apart from the database's backup; without it the personal data "
                     "central keeps cannot be read", path)
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    except OSError as err:
        raise DataKeyError(f"无法创建中心数据密钥文件 {path}：{err.strerror}",
                           f"Cannot create central's data key file {path}: {err.strerror}"
                           ) from None


def _read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text().strip()
    except OSError as err:
        raise DataKeyError(f"无法读取中心数据密钥文件 {path}：{err.strerror}",
                           f"Cannot read central's data key file {path}: {err.strerror}"
                           ) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise DataKeyError(f"中心数据密钥文件 {path} 应为 64 位十六进制密钥，请从备份恢复",
                           f"Central's data key file {path} must hold 64 hex digits (a "
                           "32-byte key); restore it from the backup")
    return key


def _check_value(db: Database) -> bytes | None:
    with db.transaction() as tx:
        row = tx.one("SELECT sealed FROM data_key_check WHERE id = 1")
    return bytes.fromhex(row[0]) if row else None


def open_data_key(db: Database, path: Path | str) -> DataKey:
    """Central's data key from ``path`` (created when missing and the database holds nothing
    sealed), checked against the database; then the migrations that seal rows kept in clear
    are applied (``central/migrations.py``). :class:`DataKeyError` when it cannot be used."""
    from central.migrations import migrate

    path = Path(path)
    check = _check_value(db)
    if not path.exists():
        if check is not None:
            raise DataKeyError(
                f"中心数据密钥文件 {path} 不存在；数据库中的个人信息是用它加密的，"
                "请从备份恢复该文件（中心未启动，未做任何改动）",
                f"Central's data key file {path} is missing; the personal data in the "
                "database was encrypted with it: restore the file from the backup (central "
                "did not start; nothing was changed)")
        _create_key_file(path)
    key = DataKey(_read_key_file(path), path)
    if check is None:
        with db.transaction() as tx:
            tx.execute("INSERT INTO data_key_check (id, sealed, created_at) VALUES (1, ?, ?) "
                       "ON CONFLICT DO NOTHING",
                       (key.seal(b"hallq", _CHECK_AAD).hex(), time.time()))
        check = _check_value(db)
        assert check is not None
    try:
        key.unseal(check, _CHECK_AAD)
    except InvalidTag:
        raise DataKeyError(
            f"中心数据密钥文件 {path} 中的密钥与数据库不符（数据库中的个人信息是用另一把密钥"
            "加密的），请换上正确的密钥文件（中心未启动，未做任何改动）",
            f"The key in central's data key file {path} is not the one the database's "
            "personal data was encrypted with: put the right file in place (central did not "
            "start; nothing was changed)") from None
    migrate(db, key)
    return key
