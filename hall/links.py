"""Unguessable tokens for a ticket, keyed by the hall's link key.

A ticket id (``20261207-A034``) is predictable, so nothing is reached by the id alone:

- the phone page behind the ticket's QR code is ``/t/<link token>``, the token being the id, a
  dot and an HMAC of the id (``20261207-A034.5f0c…``): the page answers only for a token the
  hall made; a bare id or a token with a wrong mac is "ticket not found" alike;
- a kiosk gives back a ticket it took by mistake with the ``cancel_token`` that
  ``POST /api/v1/tickets`` answered to it: an HMAC of the device's name and the id, so no
  other device (and no one who only knows the id) can present it.

The key is 32 random bytes in ``<data dir>/link.key`` (hex, mode 0600), made on the node's
first start. Deleting the file and restarting makes a new key: every link and cancel token
issued before then answers "not found" / 403 (README, Security).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

#: Hex characters of a mac (96 bits): no online guessing reaches one, and the printed QR
#: code stays small.
MAC_HEX = 24
#: The file of the key in a hall's data directory.
KEY_FILE = "link.key"


def load_or_create_key(path: Path) -> bytes:
    """The link key kept at ``path``; a new random one, written 0600, when there is none.
    ValueError when the file holds no key of at least 16 bytes."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as made:
            made.write(secrets.token_hex(32) + "\n")
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ValueError(f"{path} 不是有效的链接密钥，删除后重启将生成新密钥"
                         "（已打印小票的手机链接随之失效） / "
                         f"{path} holds no link key (64 hex digits); delete it to make a new "
                         "one (every printed ticket's phone link then stops working)")
    return key


def derived_key(id_key: bytes) -> bytes:
    """A link key derived from the ID-hashing key, for an engine made without one (tests,
    the city simulator)."""
    return hmac.new(id_key, b"hallq ticket links", hashlib.sha256).digest()


def _mac(key: bytes, *parts: str) -> str:
    message = "\0".join(parts).encode("utf-8", "surrogatepass")   # any text a URL may hold
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:MAC_HEX]


def link_token(key: bytes, ticket_id: str) -> str:
    """The token of a ticket's phone page: ``<ticket id>.<mac>``."""
    return f"{ticket_id}.{_mac(key, 'link', ticket_id)}"


def ticket_of(key: bytes, token: str) -> str | None:
    """The ticket id a phone link token names, None unless the hall made the token."""
    ticket_id, dot, mac = token.rpartition(".")
    if not dot or not ticket_id:
        return None
    return ticket_id if _same(mac, _mac(key, "link", ticket_id)) else None


def cancel_token(key: bytes, device: str, ticket_id: str) -> str:
    """The token with which the device named ``device`` may cancel the ticket it took."""
    return _mac(key, "cancel", device, ticket_id)


def may_cancel(key: bytes, device: str, ticket_id: str, token: str | None) -> bool:
    """Whether ``token`` is the cancel token of ``device`` for ``ticket_id``."""
    return token is not None and _same(token, cancel_token(key, device, ticket_id))


def _same(given: str, expected: str) -> bool:
    # as bytes: compare_digest refuses a str with any character beyond ASCII
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode())
