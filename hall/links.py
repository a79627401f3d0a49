"""Unguessable tokens for a ticket, keyed by the hall's link key.

A ticket id (``20261207-A034``) is predictable, so nothing is reached by the id alone:

- the phone page behind the ticket's QR code is ``/t/<link token>``, the token being the id, a
  dot and an HMAC of the id (``20261207-A034.5f0c…``): the page answers only for a token the
  hall made; a bare id or a token with a wrong mac is "ticket not found" alike;
- a kiosk gives back a ticket it took by mistake with the ``cancel_token`` that
  ``POST /api/v1/tickets`` answered to it: an HMAC of the device's name and the id, so no
  other device (and no one who only knows the id) can present it.

When the hall's config names a public address of central's phone pages
(``[hall] public_phone_url``), the QR code points there instead:
``<public_phone_url>/p/<hall id>/<public token>`` (:func:`phone_url`). The public token has
the same form under the hall's *public* link key, derived from its link key
(:func:`public_key`); the sync agent hands that key to central (``PUT
/api/v1/halls/<hall>/phone-key``), which checks the token with it. Central never holds the
link key itself, so it cannot make a kiosk's cancel token; the hall's LAN page answers both
tokens (:func:`ticket_of_any`).

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


def public_key(key: bytes) -> bytes:
    """The hall's public link key (the one central holds), derived from its link key."""
    return hmac.new(key, b"hallq public phone links", hashlib.sha256).digest()


def ticket_of_any(key: bytes, token: str) -> str | None:
    """The ticket id a LAN or a public phone link token names, None unless the hall made it."""
    return ticket_of(key, token) or ticket_of(public_key(key), token)


def phone_url(key: bytes, ticket_url: str, public_url: str, hall_id: str, ticket_id: str) -> str:
    """The address behind a ticket's QR code: central's public page when the hall has a
    ``public_url``, else its LAN page (``ticket_url`` with ``{id}``)."""
    if public_url:
        return f"{public_url}/p/{hall_id}/{link_token(public_key(key), ticket_id)}"
    return ticket_url.format(id=link_token(key, ticket_id))


def cancel_token(key: bytes, device: str, ticket_id: str) -> str:
    """The token with which the device named ``device`` may cancel the ticket it took."""
    return _mac(key, "cancel", device, ticket_id)


def may_cancel(key: bytes, device: str, ticket_id: str, token: str | None) -> bool:
    """Whether ``token`` is the cancel token of ``device`` for ``ticket_id``."""
    return token is not None and _same(token, cancel_token(key, device, ticket_id))


def _same(given: str, expected: str) -> bool:
    # as bytes: compare_digest refuses a str with any character beyond ASCII
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode())
